"""Input and output shapes of the sign-in step and of re-authentication (sign_in_apis.py)."""

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerExtension
from rest_framework import serializers
from rest_framework.utils.serializer_helpers import ReturnDict

from backend.accounts.models import AuthSession
from backend.accounts.services import reauthenticated_until
from backend.common import fields

from .fields import WebAuthnResponseField
from .selectors import SIGN_IN_CHOICE_PASSKEY, SIGN_IN_CHOICE_RECOVERY_CODE, SIGN_IN_CHOICE_TOTP

CODE_HELP = "The 6-digit code the authenticator app shows now."
RECOVERY_CODE_HELP = "One of the account's unused recovery codes (hyphens, spaces and case do not matter)."
PASSKEY_HELP = "The passkey's answer to the options (`@simplewebauthn/browser`'s startAuthentication result)."


def code_field() -> fields.TextField:
    return fields.TextField(max_length=16, required=False, help_text=CODE_HELP)


def recovery_code_field() -> fields.TextField:
    return fields.TextField(max_length=64, required=False, help_text=RECOVERY_CODE_HELP)


# A body that answers with exactly one of ``answers`` (a code, a recovery code, a passkey...); ``answer_needs`` names
# the fields an answer must come with. The OpenAPI schema says the same (OneAnswerSchema), so a client generated
# from it never sends two answers or none. A comment, not a docstring: drf-spectacular would publish a docstring as
# the description of every subclass's schema component.
class OneAnswerSerializer(serializers.Serializer):
    answers: tuple[str, ...] = ()
    answer_needs: dict[str, tuple[str, ...]] = {}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        given = [name for name in self.answers if attrs.get(name) is not None]
        if len(given) != 1:
            raise serializers.ValidationError(
                {"non_field_errors": [f"Send exactly one of: {', '.join(self.answers)}."]}, code="invalid"
            )
        for needed in self.answer_needs.get(given[0], ()):
            if not attrs.get(needed):
                raise serializers.ValidationError({needed: [f"Required with `{given[0]}`."]}, code="required")
        return attrs


class OneAnswerSchema(OpenApiSerializerExtension):
    """drf-spectacular: "exactly one answer" as JSON Schema, a ``oneOf`` of one ``required`` list per answer (a body
    with two answers matches two of them, one with none matches none: both invalid)."""

    target_class = OneAnswerSerializer
    match_subclasses = True

    def map_serializer(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        schema: dict[str, Any] = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        if direction == "request":
            target = self.target
            schema["oneOf"] = [{"required": [name, *target.answer_needs.get(name, ())]} for name in target.answers]
        return schema


class MfaChallengeOutputSerializer(serializers.Serializer):
    """The right password for an account with a second factor: no session yet."""

    mfa_required = serializers.BooleanField(help_text="Always true: finish with POST /api/auth/mfa/authenticate/.")
    mfa_token = serializers.CharField(help_text="Single use; valid until `expires_at`; authenticates nothing else.")
    methods = serializers.ListField(
        child=serializers.ChoiceField(
            choices=[SIGN_IN_CHOICE_TOTP, SIGN_IN_CHOICE_RECOVERY_CODE, SIGN_IN_CHOICE_PASSKEY]
        ),
        help_text="The ways this account can finish signing in.",
    )
    expires_at = serializers.DateTimeField()


class MfaAuthenticateInputSerializer(OneAnswerSerializer):
    """Send `mfa_token` and exactly one answer: `code`, `recovery_code` or `passkey`."""

    answers = ("code", "recovery_code", "passkey")

    mfa_token = fields.TextField(max_length=128)
    code = code_field()
    recovery_code = recovery_code_field()
    passkey = WebAuthnResponseField(required=False, help_text=PASSKEY_HELP)


class ReauthenticateInputSerializer(OneAnswerSerializer):
    """Send exactly one answer: `password`, `code`, `recovery_code` or `passkey` (with `reauth_token`)."""

    # A recovery code too: it finishes a sign-in, so it proves as much here; and a user who lost the app (or whose
    # app codes are locked) has nothing else to re-authenticate with, to turn the old app off and set up a new one.
    answers = ("password", "code", "recovery_code", "passkey")
    answer_needs = {"passkey": ("reauth_token",)}

    password = fields.TextField(max_length=128, trim_whitespace=False, required=False)
    code = code_field()
    recovery_code = recovery_code_field()
    reauth_token = fields.TextField(
        max_length=128, required=False, help_text="With `passkey`: from POST /api/auth/reauthenticate/options/."
    )
    passkey = WebAuthnResponseField(required=False, help_text=PASSKEY_HELP)


class ReauthenticatedOutputSerializer(serializers.Serializer):
    authenticated_at = serializers.DateTimeField()
    reauthenticated_until = serializers.DateTimeField(
        help_text="Sensitive actions need no other confirmation until then (REAUTH_MAX_AGE_SECONDS)."
    )


def reauthenticated_data(session: AuthSession) -> ReturnDict:
    """The answer to a re-authentication of ``session`` (POST /api/auth/reauthenticate/, and a provider's callback
    with the ``reauthenticate`` intent): when it authenticated, and until when that counts as recent."""
    body = {"authenticated_at": session.authenticated_at, "reauthenticated_until": reauthenticated_until(session)}
    return ReauthenticatedOutputSerializer(body).data
