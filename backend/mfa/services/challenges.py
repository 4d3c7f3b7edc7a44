"""Challenges: the short-lived, single-use steps of the MFA flows (models.MfaChallenge).

The client gets a random token (256 bits) once; only its SHA-256 is stored, so the table yields nothing usable.
A challenge serves one purpose, for ``MFA_CHALLENGE_MAX_AGE_SECONDS``; it is spent by its success
(``challenge_use``, a conditional update: of two racing requests exactly one wins) or by
``MFA_CHALLENGE_MAX_FAILURES`` wrong answers.
"""

import hashlib
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Generic, TypeVar, cast

from django.conf import settings
from django.db import connection
from django.db.models import F, Q
from django.utils import timezone
from rest_framework import status
from rest_framework.exceptions import APIException

from backend.accounts.models import User
from backend.accounts.services.locks import user_row_lock
from backend.common.batching import queryset_delete_in_batches
from backend.common.db import MONGODB_VENDOR, atomic
from backend.common.errors import ErrorCode

from ..models import MfaChallenge

T = TypeVar("T")


class ChallengeInvalid(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "This sign-in step is unknown, was already used or was interrupted. Start again."
    default_code = ErrorCode.MFA_CHALLENGE_INVALID


class ChallengeExpired(ChallengeInvalid):
    default_detail = "This step took too long. Start again."
    default_code = ErrorCode.MFA_CHALLENGE_EXPIRED


@dataclass(frozen=True)
class OpenedChallenge:
    challenge: MfaChallenge
    token: str  # given to the client once; never stored


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def challenge_token_new() -> str:
    return secrets.token_urlsafe(32)


def challenge_open(
    *,
    purpose: str,
    user: User | None = None,
    session_id: str | None = None,
    first_factor: str = "",
    webauthn_challenge: str = "",
    code_hash: str = "",
    token: str | None = None,
    max_age_seconds: int | None = None,
) -> OpenedChallenge:
    """A new challenge for ``purpose``, open for ``max_age_seconds`` (MFA_CHALLENGE_MAX_AGE_SECONDS by default).
    ``token``: one the client already holds (an emailed code's, handed out before the challenge could be made);
    by default a new one."""
    token = token or challenge_token_new()
    now = timezone.now()
    challenge = MfaChallenge(
        purpose=purpose,
        token_hash=_token_hash(token),
        user=user,
        session_id=session_id,
        first_factor=first_factor,
        webauthn_challenge=webauthn_challenge,
        code_hash=code_hash,
        created_at=now,
        expires_at=now + timedelta(seconds=max_age_seconds or settings.MFA_CHALLENGE_MAX_AGE_SECONDS),
    )
    challenge.full_clean()
    challenge.save()
    return OpenedChallenge(challenge=challenge, token=token)


def challenge_get_open(*, token: str, purpose: str, session_id: str | None = None) -> MfaChallenge:
    """The open challenge ``token`` names, for ``purpose`` (and, for a session's own flows, that session).
    Unknown, another flow's, used or spent: ChallengeInvalid; too old: ChallengeExpired."""
    challenge = (
        MfaChallenge.objects.select_related("user").filter(token_hash=_token_hash(token or ""), purpose=purpose).first()
    )
    if challenge is None or challenge.used_at is not None:
        raise ChallengeInvalid()
    if session_id is not None and str(challenge.session_id) != str(session_id):
        raise ChallengeInvalid()
    if challenge.expires_at <= timezone.now():
        raise ChallengeExpired()
    return challenge


def challenge_set_webauthn(*, challenge: MfaChallenge, webauthn_challenge: str) -> None:
    """Attach a new WebAuthn challenge (a new passkey prompt within the same sign-in step replaces the last)."""
    challenge.webauthn_challenge = webauthn_challenge
    MfaChallenge.objects.filter(pk=challenge.pk).update(webauthn_challenge=webauthn_challenge)


def challenge_use(*, challenge: MfaChallenge) -> None:
    """Spend the challenge on its success; a concurrent request that spent it first makes this one invalid."""
    now = timezone.now()
    spent = MfaChallenge.objects.filter(pk=challenge.pk, used_at__isnull=True, expires_at__gt=now).update(used_at=now)
    if not spent:
        raise ChallengeInvalid()
    challenge.used_at = now


@contextmanager
def challenge_spending(challenge: MfaChallenge | None, *, owner: User | None = None) -> Iterator[None]:
    """The transaction a right answer (a recovery code, the app's time step, a passkey's counter) and its
    ``challenge`` are spent in, so that neither is spent when the other cannot be. With ``owner``, the account whose
    sign-in or re-authentication the answer completes, that completion runs in it too (second_factor.py), on SQL
    only (completes_inside_spending). Without either, the answer's own conditional update is all there is: no
    transaction, so on MongoDB a lost race still matches nothing rather than failing as a write conflict.

    Rows are locked in the order a sign-out everywhere (inside an account deletion or a password reset) takes them:
    the owner's (where it writes the new revocation key), the challenge's (it deletes the sign-in challenges), then
    the answer's (the factors); in another order the two would deadlock. MongoDB ignores the locks."""
    if not completes_inside_spending():
        owner = None
    if challenge is None and owner is None:
        yield
        return
    with atomic():
        if owner is not None:
            user_row_lock(user_id=owner.pk)
        if challenge is not None:
            MfaChallenge.objects.select_for_update().filter(pk=challenge.pk).values_list("pk", flat=True).first()
        yield


def completes_inside_spending() -> bool:
    """Whether what a right answer completes (a sign-in's session, a re-authentication) commits with the answer: on
    SQL, so a fault in it (an outage's 503, a worker killed) leaves the answer and its challenge unspent for the
    retry. Not on MongoDB, where a session starts outside any transaction (accounts.services.session_start says
    why): there it runs just after the spending commits."""
    return connection.vendor != MONGODB_VENDOR


class Completion(Generic[T]):
    """What a right answer completes (a sign-in's session, a re-authentication), run once with the method it proved:
    inside the transaction that spends the answer where completes_inside_spending(), else just after it. An error
    in it inside the transaction comes out as Unfinished, so that the checks give back what they counted: the
    answer was right, and stays unspent for the retry."""

    def __init__(self, complete: Callable[[str], T]) -> None:
        self._complete = complete
        self._done = False
        self.result: T | None = None

    def inside(self, method: str) -> None:
        if completes_inside_spending():
            try:
                self.result = self._complete(method)
            except Exception as error:
                raise Unfinished(error) from error
            self._done = True

    def after(self, method: str) -> T:
        if not self._done:
            self.result = self._complete(method)
        return cast(T, self.result)


class Unfinished(Exception):
    """A right answer whose completion failed (Completion.inside); ``error`` is what to raise once counted back."""

    def __init__(self, error: Exception) -> None:
        super().__init__(error)
        self.error = error


def challenge_record_failure(*, challenge: MfaChallenge) -> bool:
    """Count a wrong answer; the one that reaches MFA_CHALLENGE_MAX_FAILURES spends the challenge. Whether this one
    did: the conditional update spends it once, so of parallel wrong answers exactly one is told so."""
    MfaChallenge.objects.filter(pk=challenge.pk).update(failed_attempts=F("failed_attempts") + 1)
    spent = MfaChallenge.objects.filter(
        pk=challenge.pk, used_at__isnull=True, failed_attempts__gte=settings.MFA_CHALLENGE_MAX_FAILURES
    ).update(used_at=timezone.now())
    return bool(spent)


def challenges_purge(*, batch_size: int = 5000, on_batch: Callable[[int], None] | None = None) -> int:
    """Delete challenges that can no longer be used (expired or spent), in batches. Returns how many; ``on_batch``
    gets the running total."""
    now = timezone.now()
    return queryset_delete_in_batches(
        MfaChallenge.objects.filter(Q(expires_at__lte=now) | Q(used_at__isnull=False)),
        batch_size=batch_size,
        on_batch=on_batch,
    )
