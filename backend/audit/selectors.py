"""Reads of the audit trail for the people it is about: a user's own security activity and data export.

Here rather than in backend/accounts: which events concern the account holder, and which fields of a row may be
shown to them, are decisions about the audit trail, made where its events are defined. Every read is scoped by
the user.
"""

from collections.abc import Iterator

from django.db.models import QuerySet

from backend.accounts.models import User

from .models import AuditEvent

Event = AuditEvent.Event

# The events a user sees in their security activity (GET /api/auth/activity/): sign-ins and failed sign-ins to
# the account, sign-outs, revocations, refresh-token reuse, password and email changes, verification, export.
# Listed, not "all but some", so an event added later for operators is not shown to users by accident.
# ACCOUNT_DELETED never has a user (the account is gone).
ACTIVITY_EVENTS: tuple[str, ...] = (
    Event.REGISTER,
    Event.LOGIN_SUCCEEDED,
    Event.LOGIN_FAILED,
    Event.LOGIN_LOCKED,
    Event.LOGOUT,
    Event.LOGOUT_ALL,
    Event.SESSION_REVOKED,
    Event.ADMIN_SESSIONS_REVOKED,
    Event.PASSWORD_GUESSES_REVOKED,
    Event.REFRESH_REUSED,
    Event.PASSWORD_CHANGED,
    Event.PASSWORD_CHECK_FAILED,
    Event.PASSWORD_RESET,
    Event.EMAIL_VERIFIED,
    Event.EMAIL_CHANGE_REQUESTED,
    Event.EMAIL_CHANGE_CANCELLED,
    Event.EMAIL_CHANGED,
    Event.DATA_EXPORTED,
    Event.REAUTHENTICATED,
    Event.MFA_FAILED,
    Event.TOTP_ENABLED,
    Event.TOTP_DISABLED,
    Event.RECOVERY_CODES_GENERATED,
    Event.RECOVERY_CODE_USED,
    Event.PASSKEY_ADDED,
    Event.PASSKEY_REMOVED,
    Event.MFA_RESET,
    Event.MFA_RESET_BY_PASSWORD_RESET,
)


def audit_activity_for_user(*, user: User) -> QuerySet[AuditEvent]:
    """``user``'s own security activity, newest first (the id breaks ties, so pages are stable); served by the
    ``(user, -occurred_at)`` index. Never anybody else's rows: the filter is on the user's own id."""
    return AuditEvent.objects.filter(user=user, event__in=ACTIVITY_EVENTS).order_by("-occurred_at", "-id")


def audit_export_iter(*, user: User, chunk_size: int = 2000) -> Iterator[AuditEvent]:
    """Every audit row about ``user`` (all events, not only ACTIVITY_EVENTS), oldest first, streamed
    ``chunk_size`` rows at a time for the data export."""
    return AuditEvent.objects.filter(user=user).order_by("occurred_at", "id").iterator(chunk_size=chunk_size)


def audit_shows_client_of(event: AuditEvent) -> bool:
    """Whether the row's IP address and user agent are the account holder's side to see.

    An event an operator caused (the admin revoking sessions, deleting the account) carries the operator's
    address and browser: those are not shown to the user. Everything else was done by the user, or by someone
    using the account's credentials or tokens (a failed sign-in, a reused refresh token), which is exactly what
    the user should see."""
    return event.actor_id is None or event.actor_id == event.user_id
