"""Input and output shapes of the sign-in step and of re-authentication (sign_in_apis.py)."""

from typing import Any

from rest_framework import serializers

from backend.common import fields

from .fields import WebAuthnResponseField

CODE_HELP = "The 6-digit code the authenticator app shows now."
RECOVERY_CODE_HELP = "One of the account's unused recovery codes (hyphens, spaces and case do not matter)."
PASSKEY_HELP = "The passkey's answer to the options (`@simplewebauthn/browser`'s startAuthentication result)."


def code_field() -> fields.TextField:
    return fields.TextField(max_length=16, required=False, help_text=CODE_HELP)


def recovery_code_field() -> fields.TextField:
    return fields.TextField(max_length=64, required=False, help_text=RECOVERY_CODE_HELP)


def exactly_one(data: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """A validate() step: the body carries exactly one of ``names`` (the ways of answering)."""
    given = [name for name in names if data.get(name) is not None]
    if len(given) != 1:
        raise serializers.ValidationError(
            {"non_field_errors": [f"Send exactly one of: {', '.join(names)}."]}, code="invalid"
        )
    return data


class MfaChallengeOutputSerializer(serializers.Serializer):
    """The right password for an account with a second factor: no session yet."""

    mfa_required = serializers.BooleanField(help_text="Always true: finish with POST /api/auth/mfa/authenticate/.")
    mfa_token = serializers.CharField(help_text="Single use; valid until `expires_at`; authenticates nothing else.")
    methods = serializers.ListField(
        child=serializers.ChoiceField(choices=["totp", "recovery_code", "passkey"]),
        help_text="The ways this account can finish signing in.",
    )
    expires_at = serializers.DateTimeField()


class MfaAuthenticateInputSerializer(serializers.Serializer):
    mfa_token = fields.TextField(max_length=128)
    code = code_field()
    recovery_code = recovery_code_field()
    passkey = WebAuthnResponseField(required=False, help_text=PASSKEY_HELP)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return exactly_one(attrs, ("code", "recovery_code", "passkey"))


class ReauthenticateInputSerializer(serializers.Serializer):
    password = fields.TextField(max_length=128, trim_whitespace=False, required=False)
    code = code_field()
    reauth_token = fields.TextField(
        max_length=128, required=False, help_text="With `passkey`: from POST /api/auth/reauthenticate/options/."
    )
    passkey = WebAuthnResponseField(required=False, help_text=PASSKEY_HELP)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        exactly_one(attrs, ("password", "code", "passkey"))
        if attrs.get("passkey") is not None and not attrs.get("reauth_token"):
            raise serializers.ValidationError({"reauth_token": ["Required with `passkey`."]}, code="required")
        return attrs


class ReauthenticatedOutputSerializer(serializers.Serializer):
    authenticated_at = serializers.DateTimeField()
    reauthenticated_until = serializers.DateTimeField(
        help_text="Sensitive actions need no other confirmation until then (REAUTH_MAX_AGE_SECONDS)."
    )
