"""Input and output shapes of the auth API. No password data is ever an output."""

from typing import Any, cast

from rest_framework import serializers

from backend.common import fields

from .assurance import amr_split
from .models import AuthSession, User


class UserOutputSerializer(serializers.ModelSerializer):
    id = fields.IdField()

    class Meta:
        model = User
        fields = ["id", "email", "email_verified", "name", "date_joined"]
        read_only_fields = fields


class RegisterInputSerializer(serializers.Serializer):
    email = fields.EmailField(max_length=254)
    password = fields.NewPasswordField()
    name = fields.TextField(max_length=150, required=False, allow_blank=True, default="")


class LoginInputSerializer(serializers.Serializer):
    email = fields.TextField(max_length=254)
    password = fields.TextField(max_length=128, trim_whitespace=False)


class AuthOutputSerializer(serializers.Serializer):
    user = UserOutputSerializer()
    access = serializers.CharField(help_text="Access JWT; keep it in memory and send it as `Bearer`.")


class RefreshInputSerializer(serializers.Serializer):
    refresh = fields.TextField(
        required=False,
        max_length=4096,
        help_text="For clients that are not browsers: the refresh cookie's value, from the `Set-Cookie` of the last "
        "sign-in or refresh (docs/api.md). Browsers send the httpOnly cookie instead.",
    )


class ProfileUpdateInputSerializer(serializers.Serializer):
    name = fields.TextField(max_length=150, allow_blank=True)


# The current password confirming a sensitive change: an account without one (created by a sign-in provider) has
# none to give (api_base.reauthentication_require_confirming).
CONFIRMATION_HELP = (
    "The account's password, {what}. Required when the account has one; an account without a password (created by "
    "a sign-in provider: GET /api/auth/oidc/identities/ says `has_password`) omits it and needs a recent "
    "authentication instead."
)


def current_password_field(*, what: str) -> fields.TextField:
    """``current_password`` of a ConfirmedByCurrentPasswordSerializer; ``what`` it confirms, for the schema."""
    return fields.TextField(
        max_length=128,
        trim_whitespace=False,
        required=False,
        allow_blank=True,
        help_text=CONFIRMATION_HELP.format(what=what),
    )


# An input confirmed with ``current_password``: optional in the schema (an account without a password omits it), and
# required, not blank, for an account with one (``account_has_password``, which the view passes), so that a body
# missing it is refused with its other faults in one 400, as before accounts could have none. A comment, not a
# docstring: drf-spectacular would publish a docstring as the description of every subclass's schema component.
class ConfirmedByCurrentPasswordSerializer(serializers.Serializer):
    def __init__(self, *args: Any, account_has_password: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(serializers.CharField, self.fields["current_password"])
        field.required = account_has_password
        field.allow_blank = not account_has_password


class PasswordChangeInputSerializer(ConfirmedByCurrentPasswordSerializer):
    """Send the new password, and the current one if the account has a password."""

    current_password = current_password_field(what="to confirm the change")
    new_password = fields.NewPasswordField()


class PasswordResetInputSerializer(serializers.Serializer):
    email = fields.EmailField(max_length=254)


class PasswordResetConfirmInputSerializer(serializers.Serializer):
    uid = fields.TextField(max_length=64)
    token = fields.TextField(max_length=128)
    new_password = fields.NewPasswordField()


class SessionOutputSerializer(serializers.ModelSerializer):
    id = fields.IdField()
    current = serializers.SerializerMethodField()
    amr = serializers.SerializerMethodField(
        help_text="How it was signed in: `pwd`, `email_code`, `otp`, `recovery_code`, `passkey`."
    )
    # A number, as the session's authentication in GET /api/auth/mfa/ has it, not an enum of today's levels: a
    # client that reads one must not break on a later level.
    aal = serializers.IntegerField(
        read_only=True, help_text="1: one factor; 2: two factors, or a passkey (docs/mfa.md)."
    )

    class Meta:
        model = AuthSession
        fields = ["id", "created_at", "last_used_at", "user_agent", "ip_address", "current", "amr", "aal"]
        read_only_fields = fields

    def get_amr(self, session: AuthSession) -> list[str]:
        return amr_split(session.amr)

    def get_current(self, session: AuthSession) -> bool:
        return str(session.pk) == self.context.get("current_session_id")
