"""The email outbox's rows (``OutgoingEmail``): written with the email's cause, claimed by one sender at a time, then
deleted or put back for a later attempt. What is sent, logged and counted is backend/common/mail.py's.

A claim is one conditional update (the row at the attempt count its claimer saw, its lease free or expired) that
bumps the count and takes the lease: whichever claimer's update matches first wins, and every other one matches
nothing, on any database (it needs no row lock, no SELECT ... FOR UPDATE). The count then names the claim: a sender
whose lease ran out and was claimed again puts nothing back (its update matches nothing either).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from .models import OutgoingEmail
from .outbox_crypto import outbox_decrypt, outbox_encrypt

# How long a claimed row is its sender's: longer than any attempt, so no other sender claims a row still being sent.
# Each step of an SMTP conversation (connect, EHLO, STARTTLS, EHLO, AUTH, MAIL, RCPT, DATA, the message, QUIT) may
# take up to EMAIL_TIMEOUT: 5 minutes, or more with a long EMAIL_TIMEOUT (lease_seconds). A sender killed mid-attempt
# leaves its row to the sweep once this has passed.
LEASE_SECONDS = 300
SMTP_STEPS = 12  # the steps above, with room to spare


def lease_seconds() -> float:
    """LEASE_SECONDS, or longer if EMAIL_TIMEOUT lets one attempt take longer than that."""
    return max(LEASE_SECONDS, SMTP_STEPS * float(settings.EMAIL_TIMEOUT or 0))


@dataclass(frozen=True)
class Queued:
    """What a sender needs to know of a row before it claims it (nothing secret)."""

    pk: UUID
    kind: str
    attempt: int  # attempts started before this one
    user_id: str | None
    request_id: str | None


@dataclass(frozen=True)
class Content:
    """A claimed row's message, decrypted."""

    to: str
    subject: str
    body: str


def outbox_add(*, kind: str, to: str, subject: str, body: str, user_id: Any, request_id: str | None) -> Queued:
    """Queue one email, due now, in the current transaction (outside one, its own write)."""
    row = OutgoingEmail.objects.create(
        kind=kind,
        recipient_encrypted=outbox_encrypt(to),
        subject_encrypted=outbox_encrypt(subject),
        body_encrypted=outbox_encrypt(body),
        user_id=user_id,
        request_id=request_id or "",
        next_attempt_at=timezone.now(),
    )
    return _queued(row.pk, kind, 0, row.user_id, row.request_id)


def outbox_due(*, now: datetime, limit: int, exclude: set[UUID] | frozenset[UUID] = frozenset()) -> list[Queued]:
    """Up to ``limit`` rows whose attempt is due by ``now`` and which no live lease holds, earliest first."""
    rows = (
        OutgoingEmail.objects.filter(next_attempt_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .exclude(pk__in=exclude)
        .order_by("next_attempt_at")
        .values_list("pk", "kind", "attempt", "user_id", "request_id")[:limit]
    )
    return [_queued(*row) for row in rows]


def outbox_claim(queued: Queued, *, now: datetime) -> bool:
    """Take the row for one attempt (its count becomes ``queued.attempt + 1``); False when another sender has it,
    has attempted it since ``queued`` was read, or it is gone (sent, given up)."""
    return bool(
        OutgoingEmail.objects.filter(pk=queued.pk, attempt=queued.attempt)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .update(attempt=queued.attempt + 1, claimed_until=now + timedelta(seconds=lease_seconds()), updated_at=now)
    )


def outbox_content(pk: UUID) -> Content | None:
    """The claimed row's message (``OutboxUndecryptable`` if no key reads it); None if the row is gone."""
    row = (
        OutgoingEmail.objects.filter(pk=pk)
        .values_list("recipient_encrypted", "subject_encrypted", "body_encrypted")
        .first()
    )
    if row is None:
        return None
    to, subject, body = (outbox_decrypt(value) for value in row)
    return Content(to=to, subject=subject, body=body)


def outbox_release(pk: UUID, *, attempt: int, next_attempt_at: datetime) -> None:
    """Put the row back, due at ``next_attempt_at``, if this sender's claim (its ``attempt``) still holds it."""
    OutgoingEmail.objects.filter(pk=pk, attempt=attempt).update(
        claimed_until=None, next_attempt_at=next_attempt_at, updated_at=timezone.now()
    )


def outbox_remove(pk: UUID) -> None:
    """Sent, refused for good or out of attempts: nothing is left to do with it."""
    OutgoingEmail.objects.filter(pk=pk).delete()


def _queued(pk: UUID, kind: str, attempt: int, user_id: UUID | None, request_id: str) -> Queued:
    return Queued(
        pk=pk,
        kind=kind,
        attempt=attempt,
        user_id=str(user_id) if user_id is not None else None,
        request_id=request_id or None,
    )
