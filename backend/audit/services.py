"""Recording and purging audit events.

``audit_record`` writes the row, logs the same event as a structured line, and counts it
in ``auth_events_total``. Inside a transaction call ``audit_on_commit`` instead, so an
event is recorded only if what it reports was committed.
``audit_record_many`` records one event about many sessions at once (one INSERT).
"""

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from backend.common.request_context import request_current, request_user_id
from backend.common.request_meta import client_ip, user_agent
from backend.observability.logging import stdlib_logger
from backend.observability.metrics import auth_events

from .models import AuditEvent

# Through the standard library: a failed audit write must reach Sentry (its logging integration reads records).
logger = stdlib_logger("backend.audit")

USER_AGENT_MAX = AuditEvent._meta.get_field("user_agent").max_length or 512
EMAIL_MAX = AuditEvent._meta.get_field("email").max_length or 254


def _id(value: Any) -> str | None:
    return str(value) if value else None


class _FromRequest:
    """The default actor: whoever is signed in on the request being served."""


FROM_REQUEST = _FromRequest()


def audit_record(
    *,
    event: str,
    user_id: uuid.UUID | str | None = None,
    session_id: uuid.UUID | str | None = None,
    email: str = "",
    actor_id: uuid.UUID | str | _FromRequest | None = FROM_REQUEST,
) -> AuditEvent | None:
    """Record one event about ``user_id`` (if known); IP, user agent and actor come from the
    request being served. Never raises: a failed audit write is logged, not a failed request.

    ``actor_id``: who acted, when not the request's signed-in user (e.g. None once that user's account is
    deleted: a foreign key to it could not be written)."""
    auth_events.labels(event=event).inc()
    request = request_current()
    actor = request_user_id(request) if isinstance(actor_id, _FromRequest) else (actor_id or None)
    row = _row(event=event, user_id=user_id, session_id=session_id, email=email, actor_id=actor, request=request)
    _log(row)
    try:
        # Ids we were given and a fresh uuid4 pk: checking them would only cost lookups.
        row.full_clean(exclude=["user", "actor"], validate_unique=False)
        _insert_keeping_deleted_accounts_out([row], partial(row.save, force_insert=True))
    except Exception:
        logger.exception("audit_write_failed", audit_event=event)
        return None
    return row


def audit_record_many(*, event: str, subjects: Sequence[tuple[uuid.UUID | str | None, uuid.UUID | str | None]]) -> None:
    """audit_record's row, log line and count for each ``(user id, session id)`` of ``subjects``, by the request's
    signed-in user, in one INSERT (an operator's bulk action: one INSERT per row took seconds for thousands).
    Never raises, as audit_record: a failed write is logged (``audit_write_failed``, with how many rows)."""
    auth_events.labels(event=event).inc(len(subjects))
    request = request_current()
    actor = request_user_id(request)
    rows = [
        _row(event=event, user_id=user_id, session_id=session_id, email="", actor_id=actor, request=request)
        for user_id, session_id in subjects
    ]
    for row in rows:
        _log(row)
    try:
        _insert_keeping_deleted_accounts_out(rows, partial(AuditEvent.objects.bulk_create, rows))
    except Exception:
        logger.exception("audit_write_failed", audit_event=event, count=len(rows))


def _row(
    *,
    event: str,
    user_id: uuid.UUID | str | None,
    session_id: uuid.UUID | str | None,
    email: str,
    actor_id: uuid.UUID | str | None,
    request: HttpRequest | None,
) -> AuditEvent:
    """The unsaved row of one event, with where the request being served came from (nothing outside one)."""
    return AuditEvent(
        event=event,
        user_id=user_id or None,
        actor_id=actor_id,
        email=(email or "")[:EMAIL_MAX],
        session_id=session_id or None,
        ip_address=client_ip(request) if request is not None else None,
        user_agent=user_agent(request)[:USER_AGENT_MAX] if request is not None else "",
        request_id=getattr(request, "request_id", ""),
    )


def _log(row: AuditEvent) -> None:
    """The event's structured line, written before the row so a failed write still leaves it (never the email:
    what was typed stays in the database, out of log pipelines)."""
    logger.info(
        "audit",
        audit_event=row.event,
        subject_user_id=_id(row.user_id),
        session_id=_id(row.session_id),
        ip_address=row.ip_address,
    )


def _insert_keeping_deleted_accounts_out(rows: list[AuditEvent], insert: Callable[[], object]) -> None:
    """``insert()`` the ``rows``; if a foreign key fails, once more without the accounts deleted meanwhile."""
    try:
        insert()
    except IntegrityError:
        if transaction.get_connection().in_atomic_block:
            raise  # the transaction is aborted: nothing more can be written in it
        _forget_deleted_accounts(rows)
        insert()


def _forget_deleted_accounts(rows: list[AuditEvent]) -> None:
    """An event written on the commit of what it records can find its account deleted in between (a deletion
    waiting for that commit's row lock goes first): it is kept as on_delete=SET_NULL would have left it, had it
    been written before the deletion."""
    from backend.accounts.models import User  # imported here: backend.accounts imports this module

    named = {uuid.UUID(str(pk)) for row in rows for pk in (row.user_id, row.actor_id) if pk}
    existing = set(User.objects.filter(pk__in=named).values_list("pk", flat=True))
    for row in rows:
        if row.user_id and uuid.UUID(str(row.user_id)) not in existing:
            row.user_id = None
        if row.actor_id and uuid.UUID(str(row.actor_id)) not in existing:
            row.actor_id = None


def audit_login_failed(*, email: str) -> None:
    """A failed sign-in with ``email``: about that account if it exists, else just the address typed (if it is one)."""
    _audit_about_email(event=AuditEvent.Event.LOGIN_FAILED, email=email)


def audit_login_locked(*, email: str) -> None:
    """Sign-in to ``email``'s account has just been locked out for some devices (backend/accounts/login_limits.py):
    recorded once per lockout, when it starts, not for each attempt refused while it lasts."""
    _audit_about_email(event=AuditEvent.Event.LOGIN_LOCKED, email=email)


def _audit_about_email(*, event: str, email: str) -> None:
    # Imported here: backend.accounts imports this module.
    from backend.accounts.models import User
    from backend.accounts.normalization import normalize_email

    email = normalize_email(email)
    known = User.objects.filter(email=email).values_list("pk", flat=True).first()
    audit_record(event=event, user_id=known, email=_typed_address(email=email))


def _typed_address(*, email: str) -> str:
    """``email`` (already normalized) if it is an email address, else "".

    The sign-in box is free text, and a password typed into it by mistake is a common slip: stored, it would be
    kept for AUDIT_RETENTION_DAYS and searchable by every operator. The event itself is still recorded (with its
    IP, user agent and time, and the account if the text names one): only text that is not an address is left out.
    """
    from backend.accounts.normalization import email_address_normalized  # imported here, as in _audit_about_email

    try:
        # The accounts app's rule for an address (at most 254 characters once normalized, as the column holds):
        # a longer one would be kept cut short, as an address nobody typed.
        return email_address_normalized(email)
    except ValidationError:
        return ""


def audit_on_commit(
    *,
    event: str,
    user_id: uuid.UUID | str | None = None,
    session_id: uuid.UUID | str | None = None,
    email: str = "",
    actor_id: uuid.UUID | str | _FromRequest | None = FROM_REQUEST,
) -> None:
    """``audit_record`` once the current transaction commits (at once outside one)."""
    transaction.on_commit(
        partial(audit_record, event=event, user_id=user_id, session_id=session_id, email=email, actor_id=actor_id),
        robust=True,
    )


def audit_purge(
    *, now: datetime | None = None, batch_size: int = 5000, on_batch: Callable[[int], None] | None = None
) -> int:
    """Delete events older than AUDIT_RETENTION_DAYS, in batches. Returns how many."""
    if settings.AUDIT_RETENTION_DAYS <= 0:  # also a system check (audit.E001); never purge everything
        raise ImproperlyConfigured("AUDIT_RETENTION_DAYS must be at least 1.")
    cutoff = (now or timezone.now()) - timedelta(days=settings.AUDIT_RETENTION_DAYS)
    return AuditEvent.objects.purge_older_than(cutoff, batch_size=batch_size, on_batch=on_batch)
