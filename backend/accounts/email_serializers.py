"""Input and output shapes of the email endpoints: address verification and email change (email_apis.py)."""

from rest_framework import serializers

from backend.common import fields

from .link_tokens import LINK_TOKEN_MAX_LENGTH
from .serializers import ConfirmedByCurrentPasswordSerializer, UserOutputSerializer, current_password_field


class EmailLinkInputSerializer(serializers.Serializer):
    # Sized for an email-change token carrying the longest valid address (link_tokens.py).
    token = fields.TextField(max_length=LINK_TOKEN_MAX_LENGTH, help_text="The `token` parameter of the emailed link.")


class EmailVerifyResendInputSerializer(serializers.Serializer):
    email = fields.EmailField(max_length=254)


class EmailVerifiedOutputSerializer(serializers.Serializer):
    email = serializers.EmailField()
    email_verified = serializers.BooleanField()


class EmailChangeInputSerializer(ConfirmedByCurrentPasswordSerializer):
    """Send the new address, and the current password if the account has one."""

    new_email = fields.EmailField(max_length=254)
    current_password = current_password_field(what="to confirm the change")


class PendingEmailChangeSerializer(serializers.Serializer):
    new_email = serializers.EmailField(help_text="The address the confirmation link was sent to.")
    requested_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(help_text="When the link stops working.")


class EmailChangePendingOutputSerializer(serializers.Serializer):
    pending = PendingEmailChangeSerializer(
        allow_null=True, help_text="The change waiting for its link to be followed; null when there is none."
    )


class EmailChangedOutputSerializer(serializers.Serializer):
    user = UserOutputSerializer()


class RegisterPendingOutputSerializer(serializers.Serializer):
    """Registering while verification is mandatory: the account exists, nobody is signed in yet."""

    user = UserOutputSerializer()
    email_verification_required = serializers.BooleanField(help_text="Always true: follow the emailed link first.")
