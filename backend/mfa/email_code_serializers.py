"""Input and output shapes of the sign-in with an emailed code (email_code_apis.py)."""

from rest_framework import serializers

from backend.common import fields

# The help text of a token, not a secret:
LOGIN_TOKEN_HELP = "The token POST /api/auth/login/code/ gave this browser; the code works only with it."  # noqa: S105


class LoginCodeRequestInputSerializer(serializers.Serializer):
    email = fields.EmailField(max_length=254)


class LoginCodeRequestOutputSerializer(serializers.Serializer):
    login_token = serializers.CharField(help_text=LOGIN_TOKEN_HELP)
    expires_at = serializers.DateTimeField(help_text="When a code emailed now stops working.")


class LoginCodeConfirmInputSerializer(serializers.Serializer):
    login_token = fields.TextField(max_length=512, help_text=LOGIN_TOKEN_HELP)
    code = fields.TextField(
        max_length=32, help_text="The 8-digit code from the email (spaces and hyphens do not matter)."
    )
