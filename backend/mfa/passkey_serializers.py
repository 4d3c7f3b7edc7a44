"""Input and output shapes of the passkey endpoints (passkey_apis.py). A passkey itself is serializers.py's
PasskeyOutputSerializer; a WebAuthn response is fields.py's WebAuthnResponseField (a bounded JSON object that
py_webauthn checks in depth)."""

from rest_framework import serializers

from backend.common import fields

from .fields import WebAuthnResponseField
from .serializers import PasskeyOutputSerializer
from .totp_serializers import RECOVERY_CODES_HELP

OPTIONS_HELP = (
    "WebAuthn options in their JSON form (py_webauthn's `options_to_json`): pass them untouched to "
    "`@simplewebauthn/browser`'s `{}({{optionsJSON}})`."
)
TOKEN_MAX_LENGTH = 128


def _options_field(browser_function: str) -> serializers.DictField:
    return serializers.DictField(help_text=OPTIONS_HELP.format(browser_function))


def passkey_name_field() -> fields.TextField:
    return fields.TextField(max_length=64, help_text='What the user calls it ("Work laptop", "Phone").')


class PasskeyRegistrationOptionsOutputSerializer(serializers.Serializer):
    registration_token = serializers.CharField(
        help_text="Single use; send it back with the new passkey within `MFA_CHALLENGE_MAX_AGE_SECONDS`."
    )
    options = _options_field("startRegistration")


class PasskeyRegisterInputSerializer(serializers.Serializer):
    registration_token = fields.TextField(max_length=TOKEN_MAX_LENGTH)
    name = passkey_name_field()
    passkey = WebAuthnResponseField(help_text="`startRegistration`'s result (RegistrationResponseJSON).")


class PasskeyRegisteredOutputSerializer(serializers.Serializer):
    passkey = PasskeyOutputSerializer()
    recovery_codes = serializers.ListField(
        child=serializers.CharField(),
        help_text=f"{RECOVERY_CODES_HELP} Ten new ones when this is the account's first factor, else empty.",
    )


class PasskeyRenameInputSerializer(serializers.Serializer):
    name = passkey_name_field()


class MfaAuthenticateOptionsInputSerializer(serializers.Serializer):
    mfa_token = fields.TextField(max_length=TOKEN_MAX_LENGTH, help_text="From the login's 202.")


class AuthenticationOptionsOutputSerializer(serializers.Serializer):
    options = _options_field("startAuthentication")


class PasswordlessOptionsOutputSerializer(serializers.Serializer):
    passkey_token = serializers.CharField(
        help_text="Single use; send it back with the passkey within `MFA_CHALLENGE_MAX_AGE_SECONDS`."
    )
    options = _options_field("startAuthentication")


class PasswordlessLoginInputSerializer(serializers.Serializer):
    passkey_token = fields.TextField(max_length=TOKEN_MAX_LENGTH)
    passkey = WebAuthnResponseField(help_text="`startAuthentication`'s result (AuthenticationResponseJSON).")


class ReauthenticateOptionsOutputSerializer(serializers.Serializer):
    reauth_token = serializers.CharField(
        help_text="Single use, for this session; send it to POST /api/auth/reauthenticate/ with the passkey."
    )
    options = _options_field("startAuthentication")
