"""The authenticator app (TOTP, RFC 6238) with pyotp: enrolment, code checks and disabling (docs/mfa.md).

A code is accepted once: the row keeps the last accepted time step, and a conditional update (``last_used_step <
step``) accepts a step only if no code of it or of a later step was accepted before, so a replayed code is
refused even when two requests carry it at the same moment.
"""

import hmac
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyotp
import qrcode
import qrcode.image.svg
from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from backend.accounts.assurance import TOTP
from backend.accounts.emails.security_notices import notify_totp_disabled, notify_totp_enabled
from backend.accounts.errors import SessionEnded
from backend.accounts.login_limits import LOGIN, account_attempt
from backend.accounts.models import User
from backend.accounts.services.reauthentication import ReauthenticationRequired
from backend.audit.models import AuditEvent
from backend.audit.services import audit_on_commit
from backend.common.db import atomic

from ..crypto import SecretUndecryptable, secret_decrypt, secret_encrypt, secret_reencrypt
from ..errors import CodeInvalid, FactorNeedsConfirmedEmail, MfaStateConflict
from ..models import Passkey, TotpAuthenticator
from ..selectors import totp_confirmed_get
from .enrolment import (
    enrolling_session_factor_proven,
    enrolling_session_still_allowed,
    factor_add_allowed,
    mfa_writes_lock,
)
from .recovery_codes import recovery_codes_delete, recovery_codes_issue_if_first
from .second_factor import SecondFactorAnswer, second_factor_complete

logger = logging.getLogger(__name__)

STEP_SECONDS = 30
DIGITS = 6
# Steps either side of the current one that are accepted: a phone's clock a little off, or a code typed just as
# it changed.
SKEW_STEPS = 1
_CODE = re.compile(r"[0-9]{6}")

ALREADY_ENABLED = "The authenticator app is already enabled. Disable it first to set up another one."
NOTHING_PENDING = "There is no authenticator app setup to confirm. Start setting it up again."
NOT_ENABLED = "The authenticator app is not enabled."


@dataclass(frozen=True)
class TotpEnrolment:
    """What the user's app needs, shown once: the secret (to type in), the otpauth:// URI and its QR code."""

    secret: str
    otpauth_uri: str
    qr_svg: str


def _qr_svg(data: str) -> str:
    # Rendered on the server as an inline SVG: the SPA needs no QR library, and the secret goes to no third party.
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage)
    return image.to_string(encoding="unicode")


def totp_enrol_start(*, user: User) -> TotpEnrolment:
    """A new pending authenticator (replacing a pending one): a code from it confirms it (totp_enrol_confirm).
    MfaStateConflict when the user already has a confirmed one; FactorNeedsConfirmedEmail (enrolment.py) while the
    address is unconfirmed."""
    factor_add_allowed(user=user)
    secret = pyotp.random_base32()
    with atomic():
        mfa_writes_lock(user=user)  # two parallel starts would both find no row and both insert
        existing = TotpAuthenticator.objects.filter(user=user).first()
        if existing is not None and existing.confirmed_at is not None:
            raise MfaStateConflict(ALREADY_ENABLED)
        if existing is not None:
            existing.delete()
        TotpAuthenticator.objects.create(user=user, secret_encrypted=secret_encrypt(secret))
    uri = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=user.email, issuer_name=settings.MFA_TOTP_ISSUER
    )
    return TotpEnrolment(secret=secret, otpauth_uri=uri, qr_svg=_qr_svg(uri))


def _unix_time(for_time: datetime | float | None) -> float:
    if for_time is None:
        return time.time()
    if isinstance(for_time, datetime):
        return for_time.timestamp()
    return float(for_time)


def _matching_steps(authenticator: TotpAuthenticator, code: str, for_time: datetime | float | None) -> list[int]:
    """The time steps within the skew whose code is ``code`` (normally one; none for a wrong code)."""
    code = re.sub(r"\s", "", code or "")
    if not _CODE.fullmatch(code):
        return []
    try:
        secret = secret_decrypt(authenticator.secret_encrypted)
    except SecretUndecryptable:
        # A key missing from MFA_ENCRYPTION_KEYS (docs/operations.md): the operator's to fix, the user's to get past.
        logger.error(
            "the authenticator-app secret of user %s is under a key MFA_ENCRYPTION_KEYS does not list",
            authenticator.user_id,
        )
        raise MfaStateConflict(
            "Your authenticator app cannot be checked right now. Use a recovery code or a passkey, or contact support."
        ) from None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    current = int(_unix_time(for_time) // STEP_SECONDS)
    steps = range(current - SKEW_STEPS, current + SKEW_STEPS + 1)
    # Every candidate is compared, in constant time, so the response time does not tell which step matched.
    return [step for step in steps if hmac.compare_digest(totp.generate_otp(step), code)]


def _code_accept(authenticator: TotpAuthenticator, code: str, for_time: datetime | float | None) -> bool:
    """Whether ``code`` is right for ``authenticator`` now and its step was not used: then the step is taken, so
    the same code (or an earlier one) is refused from now on. Of two parallel requests only one takes it."""
    for step in _matching_steps(authenticator, code, for_time):
        taken = TotpAuthenticator.objects.filter(pk=authenticator.pk, last_used_step__lt=step).update(
            last_used_step=step
        )
        if taken:
            authenticator.last_used_step = step
            return True
    return False


def totp_code_verify(*, user: User, code: str, for_time: datetime | float | None = None) -> bool:
    """Whether ``code`` is a right, unused code of the user's enabled authenticator app (a pending one does not
    count). A right code is spent. ``for_time``: the moment to check at (now by default)."""
    authenticator = totp_confirmed_get(user=user)
    if authenticator is None:
        return False
    return _code_accept(authenticator, code, for_time)


def totp_enrol_confirm(
    *,
    user: User,
    code: str,
    for_time: datetime | float | None = None,
    acting_session_id: str | None = None,
    request: HttpRequest | None = None,
) -> list[str]:
    """Enable the pending authenticator with a first code from it; returns the recovery codes issued if it is the
    user's first factor (else []). A wrong code: CodeInvalid; nothing pending, or the same code's confirm sent
    twice at once (a double submit) and the other enabled it first: MfaStateConflict ALREADY_ENABLED; an unconfirmed
    address: FactorNeedsConfirmedEmail, before the code is checked or spent (an enrolment started before that rule
    must not finish either). ``acting_session_id``: the signed-in session confirming it, checked again under the
    lock (enrolling_session_still_allowed) and raised to two factors with it (the user just proved the app).

    ``request``: the API's. A first code then counts as a failed sign-in like any other code (second_factor.py): on
    the account's sign-in buckets (not the per-IP one: the user's own session), counted before the check, 429 past
    them, and given back unless the code was wrong, so guessing cannot go faster here. None (a shell): not counted."""
    attempt = None
    if request is not None:
        attempt = account_attempt(request, email=user.email, limits=LOGIN, count_client=False)
        attempt.raise_if_refused()
    try:
        codes = _enrol_confirm(user=user, code=code, for_time=for_time, acting_session_id=acting_session_id)
    except (MfaStateConflict, FactorNeedsConfirmedEmail, ReauthenticationRequired, SessionEnded):
        if attempt is not None:
            # Nothing was guessed wrong: refused before the code was checked, after a right one, or with a right one
            # a parallel confirm had just used.
            attempt.refund()
        raise
    if attempt is not None:
        attempt.refund()
    return codes


def _enrol_confirm(
    *, user: User, code: str, for_time: datetime | float | None, acting_session_id: str | None
) -> list[str]:
    factor_add_allowed(user=user)
    pending = TotpAuthenticator.objects.filter(user=user, confirmed_at__isnull=True).first()
    if pending is None:
        raise MfaStateConflict(ALREADY_ENABLED if totp_confirmed_get(user=user) else NOTHING_PENDING)
    with atomic():
        # The user's row first, as every factor writer and an account deletion lock it: taken after the app's row,
        # a deletion that holds the user's row and waits for the app's would deadlock with this.
        mfa_writes_lock(user=user)
        enrolling_session_still_allowed(user=user, acting_session_id=acting_session_id)
        # The code is checked under the lock, so a parallel confirm with the same code (a double submit) has
        # committed by now: the step it took and the app it confirmed tell its refusal from a wrong guess.
        if _code_accept(pending, code, for_time):
            return _pending_confirm(user=user, pending=pending, acting_session_id=acting_session_id)
        confirmed_meanwhile = TotpAuthenticator.objects.filter(pk=pending.pk, confirmed_at__isnull=False).exists()
    # Raised once the transaction is over: raised inside it, the failure's audit would be rolled back with it.
    if confirmed_meanwhile:
        raise MfaStateConflict(ALREADY_ENABLED)  # no guess: the caller gives the attempt back, nothing is audited
    audit_on_commit(event=AuditEvent.Event.MFA_FAILED, user_id=user.pk)
    raise CodeInvalid()


def _pending_confirm(*, user: User, pending: TotpAuthenticator, acting_session_id: str | None) -> list[str]:
    """Enable ``pending``, whose first code was just accepted, inside _enrol_confirm's transaction and lock."""
    # Conditional: a new enrolment replacing this row leaves nothing to update.
    if not TotpAuthenticator.objects.filter(pk=pending.pk, confirmed_at__isnull=True).update(
        confirmed_at=timezone.now()
    ):
        raise MfaStateConflict(NOTHING_PENDING)
    audit_on_commit(event=AuditEvent.Event.TOTP_ENABLED, user_id=user.pk)
    notify_totp_enabled(user=user)
    codes = recovery_codes_issue_if_first(user=user)
    enrolling_session_factor_proven(acting_session_id=acting_session_id, method=TOTP)
    return codes


def totp_disable_with_answer(
    *, request: HttpRequest, user: User, answer: SecondFactorAnswer, session_id: str | None
) -> None:
    """Turn the user's authenticator app off from their signed-in session ``session_id`` (the caller checked its
    step-up), with ``answer`` (a code of the app or a recovery code) proving a second factor now. The answer is
    checked as second_factor_verify checks a signed-in session's: on the account's sign-in limits but not the
    per-IP one (the user's own session), a wrong one counted against the session. A right answer is spent in the
    transaction that removes the app (second_factor_complete): a removal that fails (an outage, a parallel removal)
    leaves the code unspent for the retry. MfaStateConflict when the app is not enabled, before any code is checked
    or counted."""
    if totp_confirmed_get(user=user) is None:  # before the check: no code to spend on nothing
        raise MfaStateConflict(NOT_ENABLED)
    second_factor_complete(
        request,
        user=user,
        answer=answer,
        challenge=None,
        complete=lambda _method: totp_disable(user=user),
        count_client=False,
        session_id=session_id,
    )


def totp_disable(*, user: User) -> None:
    """Remove the user's authenticator app (the caller checked a second factor: totp_disable_with_answer). With no
    passkey left, the recovery codes go too: they are a fallback of a factor, not a factor. MfaStateConflict when not
    enabled."""
    with atomic():
        # Serialized with the other factor writers: removing the app and the last passkey at once would each see
        # the other factor still there, and leave the recovery codes with no factor.
        mfa_writes_lock(user=user)
        deleted, _ = TotpAuthenticator.objects.filter(user=user, confirmed_at__isnull=False).delete()
        if not deleted:
            raise MfaStateConflict(NOT_ENABLED)
        if not Passkey.objects.filter(user=user).exists():
            recovery_codes_delete(user=user)
        audit_on_commit(event=AuditEvent.Event.TOTP_DISABLED, user_id=user.pk)
        notify_totp_disabled(user=user)


def totp_secrets_reencrypt(
    *,
    batch_size: int = 500,
    on_batch: Callable[[int, int], None] | None = None,
    on_undecryptable: Callable[[Any], None] | None = None,
) -> int:
    """Re-encrypt every stored secret with the newest MFA_ENCRYPTION_KEYS key (key rotation, docs/mfa.md), in
    batches of ``batch_size`` rows walked by primary key; ``on_batch(done, total)`` after each. Returns how many
    rows were rewritten. Safe to run again: a secret already under the newest key is simply re-encrypted.

    Each row is written only if its ciphertext is still the one read: an enrolment replaced meanwhile keeps its
    new secret (already under the newest key). A secret no listed key decrypts raises SecretUndecryptable, or, with
    ``on_undecryptable``, is left as it is and its user's id handed to it, and the rest go on."""
    total = TotpAuthenticator.objects.count()
    done = 0
    last_pk = None
    while True:
        rows = TotpAuthenticator.objects.order_by("pk")
        if last_pk is not None:
            rows = rows.filter(pk__gt=last_pk)
        batch = list(rows.values_list("pk", "secret_encrypted", "user_id")[:batch_size])
        if not batch:
            return done
        # Each row's write is a compare-and-set: on MongoDB it must not run in a multi-document transaction, where
        # a sign-in updating the same row (its last used step) would fail the batch as a write conflict.
        with atomic(mongodb_transaction=False):
            for pk, ciphertext, user_id in batch:
                try:
                    reencrypted = secret_reencrypt(ciphertext)
                except SecretUndecryptable:
                    if on_undecryptable is None:
                        raise
                    on_undecryptable(user_id)
                    continue
                done += TotpAuthenticator.objects.filter(pk=pk, secret_encrypted=ciphertext).update(
                    secret_encrypted=reencrypted
                )
        last_pk = batch[-1][0]
        if on_batch is not None:
            on_batch(done, total)
