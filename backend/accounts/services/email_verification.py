"""Email verification, as django-allauth's ACCOUNT_EMAIL_VERIFICATION: settings.EMAIL_VERIFICATION is

- ``mandatory``: registering sends a link and signs nobody in; sign-in is refused (403 ``email_not_verified``)
  until the address is confirmed;
- ``optional`` (default): registering sends a link and signs in; nothing waits for the confirmation;
- ``none``: registering sends nothing; ``email_verified`` stays false and nothing asks for it.

With either of the first two, adding a second factor needs a confirmed address (backend/mfa/services/enrolment.py),
and a confirmed password reset confirms the address (password_reset.py): both prove who reads the mailbox.

The link's token (link_tokens.py) is signed, expires after EMAIL_LINK_MAX_AGE_SECONDS and is bound to the address
and its verified flag, so it works once and not after the address changed.
"""

import functools

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException, PermissionDenied

from backend.audit.models import AuditEvent
from backend.audit.services import audit_on_commit
from backend.common.db import atomic
from backend.common.errors import ErrorCode
from backend.common.mail import email_queue_unseen

from ..emails.links import send_verification_link
from ..link_tokens import LinkError, verify_token_user
from ..models import User
from ..normalization import normalize_email

MANDATORY, OPTIONAL, NONE = "mandatory", "optional", "none"

_LINK_DETAILS = {
    ErrorCode.LINK_EXPIRED: "This link has expired. Ask for a new one.",
    ErrorCode.LINK_INVALID: "This link is not valid: it was changed, already used, replaced or cancelled.",
}


class LinkRejected(APIException):
    """400 ``link_expired`` or ``link_invalid``: an emailed link that cannot be used."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = ErrorCode.LINK_INVALID

    def __init__(self, code: ErrorCode) -> None:
        super().__init__(_LINK_DETAILS[code], code)

    @classmethod
    def from_error(cls, error: LinkError) -> "LinkRejected":
        return cls(error.code)


class EmailNotVerified(PermissionDenied):
    default_detail = "Confirm your email address first: follow the link we emailed you, or ask for a new one."
    default_code = ErrorCode.EMAIL_NOT_VERIFIED


def email_verification_mandatory() -> bool:
    return settings.EMAIL_VERIFICATION == MANDATORY


def email_verification_enabled() -> bool:
    """Whether addresses can be confirmed at all (``optional`` or ``mandatory``): with ``none`` no link is sent."""
    return settings.EMAIL_VERIFICATION != NONE


def email_verification_on_register(*, user: User) -> None:
    """Send a new account its link, unless verification is off (call inside the registration's transaction)."""
    if email_verification_enabled():
        send_verification_link(user=user)


def user_sign_in_allowed(*, user: User) -> None:
    """After the password was checked: with mandatory verification an unconfirmed address may not sign in."""
    if email_verification_mandatory() and not user.email_verified:
        raise EmailNotVerified()


def email_verify(*, token: str) -> User:
    """Mark the address a verification link was sent to as confirmed; the link then stops working."""
    try:
        user = verify_token_user(token)
    except LinkError as error:
        raise LinkRejected.from_error(error) from None
    with atomic():
        # Conditional, so two clicks at once confirm (and audit) once: the loser finds the state changed.
        updated = User.objects.filter(pk=user.pk, email=user.email, email_verified=False).update(
            email_verified=True, email_verified_once=True
        )
        if not updated:
            raise LinkRejected(ErrorCode.LINK_INVALID)
        audit_on_commit(event=AuditEvent.Event.EMAIL_VERIFIED, user_id=user.pk)
    user.email_verified = user.email_verified_once = True
    return user


def email_verification_resend(*, email: str) -> None:
    """Send a new link if an active account has this address and has not confirmed it; nothing visible otherwise,
    nor in the request's timing: looked up and queued off the request path (email_queue_unseen)."""
    email_queue_unseen(functools.partial(_verification_link_resend, email=email))


def _verification_link_resend(*, email: str) -> None:
    user = User.objects.filter(email=normalize_email(email), is_active=True, email_verified=False).first()
    if user is not None:
        send_verification_link(user=user)
