"""Reads of the audit trail for the people it is about: a user's own security activity and data export.

Also the operators' search of the trail in the admin (audit_search_filter).

Here rather than in backend/accounts: which events concern the account holder, and which fields of a row may be
shown to them, are decisions about the audit trail, made where its events are defined. Every read is scoped by
the user.
"""

import ipaddress
from collections.abc import Iterator

from django.db.models import Q, QuerySet

from backend.accounts.models import User
from backend.accounts.normalization import normalize_email

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
    Event.OIDC_CONNECTED,
    Event.OIDC_DISCONNECTED,
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


def audit_search_filter(term: str) -> Q:
    """The rows the admin's search box finds for ``term``: a whole email address (the account's, or the one typed
    into a failed sign-in) or IP address, matched exactly through an index; anything else as a request id.

    Not Django's ``icontains`` over each column: on 1,000,000 rows that scanned the table, with a join to the users,
    twice per page (the rows and their count), 4 s a search, growing with the table past DB_STATEMENT_TIMEOUT. An
    address is matched as stored (normalize_email), and the account's rows by its id, so a search is two index
    lookups whatever the table's size. A request id has no index (models.AuditEvent says why): an exact match
    still scans, without the join and the pattern matching (0.3 s on 1,000,000 rows)."""
    term = term.strip()
    if "@" in term:
        address = normalize_email(term)
        account_ids = list(User.objects.filter(email=address).values_list("pk", flat=True))
        return Q(email=address) | Q(user_id__in=account_ids)
    try:
        return Q(ip_address=str(ipaddress.ip_address(term)))
    except ValueError:
        return Q(request_id=term)
