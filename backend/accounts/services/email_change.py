"""Changing an account's email address: asked while signed in with the current password, confirmed by a link sent
to the new address (link_tokens.py), which signs out every other session and tells the old address.

Neither step tells whether the new address has an account: asking for an address in use answers the same, and
emails that address a notice instead of a link.
"""

import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models.functions import Lower
from django.utils import timezone
from rest_framework import status
from rest_framework.exceptions import APIException

from backend.audit.models import AuditEvent
from backend.audit.services import audit_on_commit
from backend.common.db import atomic
from backend.common.errors import ErrorCode

from ..emails.links import send_email_change_link
from ..emails.notices import notify_email_changed, notify_email_in_use
from ..errors import SessionEnded
from ..link_tokens import LinkError, change_payload, change_pending_read, change_token_read
from ..models import AuthSession, User
from ..normalization import email_address_normalized, normalize_email
from ..selectors import email_change_pending_of, session_is_live
from .email_verification import LinkRejected
from .locks import user_row_lock
from .session_revocation import sessions_revoke_for_user

# A change asked again, to the same address from the same session, within this many seconds of the pending one is
# taken for the same request sent twice (a double click, a client retrying a lost answer): it answers the same 202 and
# sends nothing, so the link already sent stays the one that works. Short, so that asking again on purpose (the first
# email never came) sends a new link.
REPEATED_REQUEST_WINDOW_SECONDS = 10


class EmailTaken(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "Another account now uses this email address, so it cannot be yours. Nothing was changed."
    default_code = ErrorCode.EMAIL_TAKEN


def _in_use(email: str, *, other_than: User | None = None) -> bool:
    """Whether an account has this address, as normalize_email() reads it: a lookalike spelling (a fullwidth
    letter) of an address in use is that address, since sign-in and SMTP read it so too."""
    # lower(email), as the unique constraint's index holds it (iexact's upper() would scan every account).
    accounts = User.objects.alias(email_lower=Lower("email")).filter(email_lower=normalize_email(email))
    if other_than is not None:
        accounts = accounts.exclude(pk=other_than.pk)
    return accounts.exists()


def email_change_request(*, user: User, new_email: str, session_id: str | None) -> None:
    """Email a confirmation link to ``new_email`` (or, if an account has it, a notice). The current password is
    checked first, by user_password_confirm. The same request repeated by the same session within
    REPEATED_REQUEST_WINDOW_SECONDS sends nothing (_asked_just_now); an account deleted while the request ran is 401
    ``session_revoked``, with nothing sent."""
    try:
        # Judged as it would be stored (email_address_normalized): a link to an address that cannot be stored could
        # only fail once followed.
        new_email = email_address_normalized(new_email)
    except ValidationError as exc:
        raise ValidationError({"new_email": exc.error_list}) from exc
    if new_email == normalize_email(user.email):
        raise ValidationError({"new_email": ["This is already your email address."]})
    with atomic():
        # The account's row first: a request sent twice at once (a double click) then finds the first's change, and an
        # account whose deletion is committing is found gone, not sent a link.
        stored = User.objects.select_for_update().filter(pk=user.pk).first()
        if stored is None:
            raise SessionEnded()  # deleted while the request ran: refused as every request of a deleted account is
        if _asked_just_now(stored, new_email=new_email, session_id=session_id):
            return  # the same request again: its link is on its way, and a second one would cancel it
        # A new key cancels the links of earlier requests (link_tokens.py), whichever address this one is for. The
        # pending change is kept whether or not the address is in use, so the owner's view of it tells nothing.
        user.email_change_key = secrets.token_hex(16)
        pending = {
            **change_payload(user=user, new_email=new_email, session_id=session_id),
            "t": timezone.now().isoformat(),
        }
        updated = User.objects.filter(pk=user.pk).update(
            email_change_key=user.email_change_key, email_change_pending=pending
        )
        if not updated:  # MongoDB, which takes no lock: the deletion committed after the read above
            raise SessionEnded()
        audit_on_commit(event=AuditEvent.Event.EMAIL_CHANGE_REQUESTED, user_id=user.pk, session_id=session_id)
        if _in_use(new_email):
            notify_email_in_use(email=new_email)
        else:
            send_email_change_link(user=user, new_email=new_email, session_id=session_id)


def _asked_just_now(stored: User, *, new_email: str, session_id: str | None) -> bool:
    """Whether ``stored`` (the account as locked) has a pending change to ``new_email``, asked by the same session less
    than REPEATED_REQUEST_WINDOW_SECONDS ago, whose link still works: the same request sent twice (a double click, a
    retry of a lost answer). Answering it with a second link would cancel the first, so whichever email arrived first
    would hold a dead link."""
    pending = change_pending_read(stored)
    return (
        pending is not None
        and pending.new_email == new_email
        and pending.session_id == session_id
        and timezone.now() - pending.requested_at < timedelta(seconds=REPEATED_REQUEST_WINDOW_SECONDS)
    )


def email_change_confirm(*, token: str) -> User:
    """Apply the change a link asks for: the new address, confirmed by the click; every session but the one that
    asked is revoked; the old address is told. The link works once (it is bound to the old address), and only
    while the session that asked is live and the password unchanged (link_tokens.py): signing that session out,
    or every session, cancels the change."""
    try:
        change = change_token_read(token)
    except LinkError as error:
        raise LinkRejected.from_error(error) from None
    if change.session_id is not None and not session_is_live(session_id=change.session_id, user_id=str(change.user.pk)):
        raise LinkRejected(ErrorCode.LINK_INVALID)
    # Normalized again: a link mailed before normalize_email() applied NFKC carries the address as it was typed.
    user, old_email = change.user, change.user.email
    try:
        new_email = email_address_normalized(change.new_email)
    except ValidationError:
        raise LinkRejected(ErrorCode.LINK_INVALID) from None
    # Two pending changes to one address: the first confirmed wins. The unique Lower(email) constraint is the
    # final guard against a concurrent one.
    if _in_use(new_email, other_than=user):
        raise EmailTaken()
    try:
        with atomic():
            if change.session_id is not None:
                _asking_session_still_live(user=user, session_id=change.session_id)
            # Conditional on everything the link is bound to (link_tokens.py), as read above: a password change,
            # a reset or a sign-out everywhere that commits meanwhile cancels the change as it would have before.
            updated = User.objects.filter(
                pk=user.pk,
                email=old_email,
                password=user.password,
                sessions_revocation_key=user.sessions_revocation_key,
                email_change_key=user.email_change_key,
            ).update(
                email=new_email,
                email_verified=True,
                email_verified_once=True,
                email_change_key="",
                email_change_pending=None,
            )
            if not updated:  # a concurrent confirmation of another link, or one of the above, changed it first
                raise LinkRejected(ErrorCode.LINK_INVALID)
            sessions_revoke_for_user(user=user, except_session_id=change.session_id, audit_event=None)
            audit_on_commit(event=AuditEvent.Event.EMAIL_CHANGED, user_id=user.pk, session_id=change.session_id)
            notify_email_changed(old_email=old_email, new_email=new_email)
    except IntegrityError:
        raise EmailTaken() from None
    user.email, user.email_verified, user.email_verified_once = new_email, True, True
    return user


def _asking_session_still_live(*, user: User, session_id: str) -> None:
    """Inside the confirmation's transaction: lock the session that asked for the change, and refuse the link
    (``link_invalid``) unless it is still live. Checked before the transaction too (session_is_live, from the cache),
    but a sign-out of that session alone (the sessions page) takes no lock of the account's, so one committed since
    would otherwise be missed: the change would land after its owner signed the asking session out. The account's row
    is locked first, as every writer of an account does (locks.py); a sign-out of the session waits for this
    transaction, or this waits for it and finds the session ended. (MongoDB takes no lock: there the window stays.)"""
    user_row_lock(user_id=user.pk)
    asking = AuthSession.objects.select_for_update().live().filter(pk=session_id, user_id=user.pk)
    if asking.values_list("pk", flat=True).first() is None:
        raise LinkRejected(ErrorCode.LINK_INVALID)


def email_change_cancel(*, user: User, session_id: str | None) -> bool:
    """Cancel the pending change (its link stops working at once); False when there was none to cancel."""
    current = User.objects.filter(pk=user.pk).first()
    if current is None or email_change_pending_of(current) is None:
        return False
    with atomic():
        # A new key, as a new request would: the link is bound to the old one (link_tokens.py). Only the change
        # read above is cancelled: a confirmation that commits first clears it, and a request made meanwhile has a
        # key of its own and stays pending.
        cancelled = User.objects.filter(pk=user.pk, email_change_key=current.email_change_key).update(
            email_change_key=secrets.token_hex(16), email_change_pending=None
        )
        if cancelled:
            audit_on_commit(event=AuditEvent.Event.EMAIL_CHANGE_CANCELLED, user_id=user.pk, session_id=session_id)
    return bool(cancelled)
