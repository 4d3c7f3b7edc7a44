"""Output shapes shared by the MFA endpoints: a passkey, and the account's MFA status (GET /api/auth/mfa/)."""

from rest_framework import serializers

from backend.common import fields

from .models import Passkey


class PasskeyOutputSerializer(serializers.ModelSerializer):
    id = fields.IdField()
    discoverable = serializers.BooleanField(
        read_only=True, help_text="A resident key: it also signs in without a password."
    )
    backed_up = serializers.BooleanField(read_only=True, help_text="Synced by its provider (a multi-device passkey).")
    credential_id = serializers.CharField(
        read_only=True, help_text="The WebAuthn credential id (base64url) the browser knows this passkey by."
    )

    class Meta:
        model = Passkey
        fields = ["id", "name", "created_at", "last_used_at", "discoverable", "backed_up", "credential_id"]
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


class WebAuthnAccountOutputSerializer(serializers.Serializer):
    """What the browser files this account's passkeys under, so the SPA can tell it which still exist (WebAuthn's
    signalAllAcceptedCredentials) and what the account is called now (signalCurrentUserDetails)."""

    rp_id = serializers.CharField(help_text="The relying party id (WEBAUTHN_RP_ID).")
    user_handle = serializers.CharField(help_text="The account's WebAuthn user handle, base64url.")
    user_name = serializers.CharField(help_text="The name a new passkey is saved under: the email address.")
    user_display_name = serializers.CharField(help_text="The display name a new passkey is saved with.")
    registration_pending = serializers.BooleanField(
        help_text="A passkey registration was started and not finished (within `MFA_CHALLENGE_MAX_AGE_SECONDS`): "
        "the browser may hold a passkey not listed yet, so the SPA tells it nothing meanwhile."
    )


class MfaStatusOutputSerializer(serializers.Serializer):
    mfa_enabled = serializers.BooleanField(help_text="A password alone no longer signs in.")
    email_confirmation_required = serializers.BooleanField(
        help_text="Adding a second factor (authenticator app, passkey) is refused with 403 `email_not_verified` "
        "until the account's email address is confirmed: true while it is not and verification is on "
        "(`EMAIL_VERIFICATION` `optional` or `mandatory`)."
    )
    totp = TotpStatusOutputSerializer()
    recovery_codes = RecoveryCodesStatusOutputSerializer()
    passkeys = PasskeyOutputSerializer(many=True)
    webauthn = WebAuthnAccountOutputSerializer()
    session = SessionAuthenticationOutputSerializer(help_text="The session of the access token used.")
