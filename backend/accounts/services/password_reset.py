"""Password reset by emailed link: Django's token generator makes the link single use, bound to the password hash."""

import uuid

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from backend.audit.models import AuditEvent
from backend.audit.services import audit_on_commit
from backend.common.background import run_in_background
from backend.common.db import atomic

from ..models import User, normalize_email
from .sessions import sessions_revoke_for_user
from .users import new_password_validate


def password_reset_request(*, email: str) -> None:
    """Queue a reset-link email if an active account has this address; do nothing visible otherwise."""
    user = User.objects.filter(email=normalize_email(email), is_active=True).first()
    if user is None:
        return
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = f"{settings.FRONTEND_URL}/reset-password?uid={uid}&token={token}"
    # Off the request path: the response (202) and its timing are the same whether an
    # account exists or not, and an SMTP failure is logged instead of becoming a 500.
    run_in_background(
        send_mail,
        subject="Reset your password",
        message=(
            f"Someone asked to reset the password for {user.email}.\n\n"
            f"To choose a new password, open this link:\n{link}\n\n"
            "If it was not you, ignore this email; your password stays the same."
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[user.email],
    )


def password_reset_confirm(*, uid: str, token: str, new_password: str) -> User:
    """Set the new password from a valid reset link and revoke all sessions."""
    invalid = ValidationError({"token": ["The reset link is invalid or has expired."]})
    try:
        user_id = uuid.UUID(force_str(urlsafe_base64_decode(uid)))
    except (ValueError, TypeError, OverflowError):
        raise invalid from None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not default_token_generator.check_token(user, token):
        raise invalid
    new_password_validate(new_password, user=user, field="new_password")
    with atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        sessions_revoke_for_user(user=user, audit_event=None)
        audit_on_commit(event=AuditEvent.Event.PASSWORD_RESET, user_id=user.pk)
    return user
