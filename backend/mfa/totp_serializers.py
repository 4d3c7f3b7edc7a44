"""Input and output shapes of the authenticator app and recovery code endpoints (totp_apis.py)."""

from rest_framework import serializers

from backend.common import fields

from .sign_in_serializers import CODE_HELP, OneAnswerSerializer, code_field, recovery_code_field

RECOVERY_CODES_HELP = "Shown once: `xxxx-xxxx-xxxx-xxxx`, each usable once instead of a code. Store them safely."


class TotpEnrolmentOutputSerializer(serializers.Serializer):
    secret = serializers.CharField(help_text="The base32 secret, for typing into the app by hand. Shown once.")
    otpauth_uri = serializers.CharField(help_text="The `otpauth://totp/...` URI the QR code encodes.")
    qr_svg = serializers.CharField(help_text="The QR code of `otpauth_uri` as an inline SVG document.")


class TotpConfirmInputSerializer(serializers.Serializer):
    code = fields.TextField(max_length=16, help_text=CODE_HELP)


class RecoveryCodesOutputSerializer(serializers.Serializer):
    recovery_codes = serializers.ListField(child=serializers.CharField(), help_text=RECOVERY_CODES_HELP)


class TotpDisableInputSerializer(OneAnswerSerializer):
    """Send exactly one answer: `code` or `recovery_code`."""

    answers = ("code", "recovery_code")

    code = code_field()
    recovery_code = recovery_code_field()
