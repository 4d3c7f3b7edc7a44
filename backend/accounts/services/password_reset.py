"""Password reset by emailed link: Django's token generator makes the link single use, bound to the password hash."""

import functools
import uuid

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode

from backend.audit.models import AuditEvent
from backend.audit.services import audit_on_commit
from backend.common.db import atomic
from backend.common.mail import email_queue_unseen
from backend.mfa.services.reset import mfa_reset_by_password_reset
from backend.oidc.selectors import identity_provider_names
from backend.oidc.services.reset import oidc_identities_remove_by_password_reset

from ..emails.links import send_password_reset_link
from ..emails.notices import notify_password_changed
from ..models import NewPassword, User
from ..normalization import normalize_email
from .email_verification import email_verification_enabled
from .session_revocation import sessions_revoke_for_user
from .users import new_password_validate


def password_reset_request(*, email: str) -> None:
    """Queue a reset-link email if an active account has this address; do nothing visible otherwise. Both the look-up
    and the queuing happen off the request path (email_queue_unseen): the response (202) and its timing are the same
    whether an account exists or not, and an SMTP failure is logged instead of becoming a 500."""
    email_queue_unseen(functools.partial(_password_reset_link_send, email=email))


def _password_reset_link_send(*, email: str) -> None:
    user = User.objects.filter(email=normalize_email(email), is_active=True).first()
    if user is not None:
        send_password_reset_link(user=user)


def password_reset_confirm(*, uid: str, token: str, new_password: str) -> User:
    """Set the new password from a valid reset link and revoke all sessions.

    The link was mailed to the account's address and its token is bound to it: following it proves the mailbox is
    read by whoever chose the new password. So, while verification is on, an unconfirmed address is confirmed now
    (as django-allauth does on a reset). If the account never had a confirmed address (User.email_verified_once),
    its second factors and sign-in providers go too (backend/mfa/services/reset.py, backend/oidc/services/reset.py):
    added before anyone proved they read that mailbox, they may be an intruder's who registered the address first,
    and would outlive this reset. The reset notice says so. An account that had one keeps them, its address
    unconfirmed again or not (an operator's change in the admin), whatever EMAIL_VERIFICATION was in between: once
    the owner proved a mailbox they are taken as the owner's, and a reset is mailbox access alone, which must not
    take them off (docs/mfa.md)."""
    invalid = ValidationError({"token": ["The reset link is invalid or has expired."]})
    try:
        user_id = uuid.UUID(force_str(urlsafe_base64_decode(uid)))
    except (ValueError, TypeError, OverflowError):
        raise invalid from None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not default_token_generator.check_token(user, token):
        raise invalid
    new_password_validate(new_password, user=user, field="new_password")
    hashed = NewPassword(new_password)  # before the row lock below: sign-ins of the account wait on it
    with atomic():
        # The link is bound to what its token hashes (the password, the last sign-in, the address) as checked
        # above: of two uses at once, the second waits for the first's lock here, then finds the password changed
        # and is refused as a used link; so is a link that a sign-in or an email change made stale meanwhile.
        unchanged = User.objects.select_for_update().filter(
            pk=user.pk, password=user.password, last_login=user.last_login, email=user.email, is_active=True
        )
        confirmed = unchanged.values_list("email_verified", "email_verified_once").first()
        if confirmed is None:
            raise invalid
        email_verified, email_verified_once = confirmed
        first_proof = email_verification_enabled() and not email_verified
        user.set_password_hashed(hashed)
        user.email_verified = email_verified or first_proof
        user.email_verified_once = email_verified_once  # as locked: save() sets it with a confirmed address
        user.save(update_fields=["password", "email_verified"])
        sessions_revoke_for_user(user=user, audit_event=None)
        audit_on_commit(event=AuditEvent.Event.PASSWORD_RESET, user_id=user.pk)
        factors_removed = False
        providers_removed: tuple[str, ...] = ()
        if first_proof:
            audit_on_commit(event=AuditEvent.Event.EMAIL_VERIFIED, user_id=user.pk)
        if first_proof and not email_verified_once:  # read under the lock, with email_verified
            factors_removed = mfa_reset_by_password_reset(user=user)
            providers_removed = oidc_identities_remove_by_password_reset(user=user)
        # The providers that still sign in: a reset is often someone taking their account back (docs/sso.md).
        notify_password_changed(
            user=user,
            factors_removed=factors_removed,
            providers_removed=providers_removed,
            providers_kept=identity_provider_names(user=user),
        )
    return user
