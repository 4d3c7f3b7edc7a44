"""Output shapes shared by the MFA endpoints: a passkey, and the account's MFA status (GET /api/auth/mfa/)."""

from rest_framework import serializers

from .models import Passkey


class PasskeyOutputSerializer(serializers.ModelSerializer):
    id = serializers.CharField(read_only=True)
    discoverable = serializers.BooleanField(
        read_only=True, help_text="A resident key: it also signs in without a password."
    )
    backed_up = serializers.BooleanField(read_only=True, help_text="Synced by its provider (a multi-device passkey).")

    class Meta:
        model = Passkey
        fields = ["id", "name", "created_at", "last_used_at", "discoverable", "backed_up"]
        read_only_fields = fields


class TotpStatusOutputSerializer(serializers.Serializer):
    enabled = serializers.BooleanField(help_text="A confirmed authenticator app: its codes finish a sign-in.")
    pending = serializers.BooleanField(help_text="A setup started and not confirmed yet (POST mfa/totp/confirm/).")
    confirmed_at = serializers.DateTimeField(allow_null=True)


class RecoveryCodesStatusOutputSerializer(serializers.Serializer):
    remaining = serializers.IntegerField(help_text="Unused codes.")
    total = serializers.IntegerField(help_text="Codes issued (0 before the first factor, else 10).")


class SessionAuthenticationOutputSerializer(serializers.Serializer):
    amr = serializers.ListField(
        child=serializers.CharField(), help_text="How this session was authenticated: `pwd`, `otp`, ..."
    )
    aal = serializers.IntegerField(
        help_text="The level of its last authentication: 1: one factor; 2: two factors, or a passkey."
    )
    authenticated_at = serializers.DateTimeField(
        allow_null=True, help_text="The sign-in, or the last re-authentication."
    )
    reauthenticated_until = serializers.DateTimeField(
        allow_null=True,
        help_text="Until then, step-up endpoints need no re-authentication; null when there is no such window (the "
        "last authentication is too old, or below the account's level: a second factor when it has one).",
    )


class MfaStatusOutputSerializer(serializers.Serializer):
    mfa_enabled = serializers.BooleanField(help_text="A password alone no longer signs in.")
    totp = TotpStatusOutputSerializer()
    recovery_codes = RecoveryCodesStatusOutputSerializer()
    passkeys = PasskeyOutputSerializer(many=True)
    session = SessionAuthenticationOutputSerializer(help_text="The session of the access token used.")
