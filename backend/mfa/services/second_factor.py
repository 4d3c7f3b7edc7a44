"""Checking a second factor (an authenticator code, a recovery code or a passkey assertion) under the sign-in limits.

Every check counts as a failed sign-in of the account on the password's own buckets (login_limits.LOGIN) before it
runs, atomically, and is given back when right. So guessing codes is limited per account and per IP like guessing
passwords, and a lockout reads the same whichever failed: it never tells whether the password was right.

An authenticator code, the one guessable answer (six digits), also counts on a bucket of the account's own that
no device cookie exempts (``authenticator_code_account``): someone who has the password and the mailbox could
otherwise collect known-device cookies (each password reset hands one out) and guess on each cookie's bucket.
Recovery codes (80 random bits) and passkeys cannot be guessed, so they stay open while it is exhausted. A wrong
answer given by a signed-in session (re-authenticating, turning the app off) also counts against that session, as
a wrong current password does (accounts.services.session_wrong_answer_count).

A right answer and the challenge it answers are spent in one transaction (``challenge_spending``): the answer first (a
recovery code, the app's time step, the passkey's counter), then the challenge, whose conditional update refuses it
if a parallel request spent it or it expired since it was read. Then neither is spent: a recovery code is never lost
to a sign-in that cannot finish. Two requests with the same code wait on its row lock and the second finds it used,
so one code still completes one sign-in (on MongoDB the second fails as a write conflict, 409 ``conflict``).

Someone who has the password but not the factor is told to the owner (emails.notices.notify_second_step_failed) once per
incident, never per wrong answer: when the wrong answer that reaches MFA_CHALLENGE_MAX_FAILURES spends a sign-in's
challenge, and when the account's authenticator codes lock (the first code refused, once per window). Both are
moments a counter passes exactly once. Not for a second step merely left unanswered: that is also every sign-in
its owner abandons.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from rest_framework.exceptions import ErrorDetail

from backend.accounts.assurance import PASSKEY, PASSWORD, RECOVERY_CODE, TOTP
from backend.accounts.emails.notices import notify_second_step_failed
from backend.accounts.login_limits import LOGIN, account_attempt, wait_in_words
from backend.accounts.models import User
from backend.accounts.services import session_wrong_answer_count
from backend.audit.models import AuditEvent
from backend.audit.services import audit_on_commit
from backend.common.ratelimit import Usage, rate_limit_hit
from backend.common.request_meta import client_ip, user_agent
from backend.common.throttles import rate_limit_record, rate_limit_refund_recorded

from ..errors import AuthenticatorCodesLocked, CodeInvalid, MfaStateConflict, PasskeyInvalid
from ..models import MfaChallenge
from .challenges import (
    ChallengeInvalid,
    Completion,
    Unfinished,
    challenge_record_failure,
    challenge_spending,
    challenge_use,
)

T = TypeVar("T")

AUTHENTICATOR_CODE_SCOPE = "authenticator_code_account"


@dataclass(frozen=True)
class SecondFactorAnswer:
    """What the client sent: exactly one of the three (the input serializers make sure)."""

    code: str | None = None
    recovery_code: str | None = None
    passkey: dict[str, Any] | None = None

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> "SecondFactorAnswer":
        return cls(code=data.get("code"), recovery_code=data.get("recovery_code"), passkey=data.get("passkey"))


def second_factor_complete(
    request: HttpRequest,
    *,
    user: User,
    answer: SecondFactorAnswer,
    challenge: MfaChallenge | None,
    complete: Callable[[str], T],
    count_client: bool = True,
    session_id: str | None = None,
) -> T:
    """second_factor_verify, then ``complete(method)``, committed with the spending of a right answer (Completion):
    a sign-in whose session cannot start, or a re-authentication that cannot be recorded, spends neither the
    answer nor its challenge. Returns what ``complete`` returned."""
    completion = Completion(complete)
    method = second_factor_verify(
        request,
        user=user,
        answer=answer,
        challenge=challenge,
        count_client=count_client,
        session_id=session_id,
        completion=completion,
    )
    return completion.after(method)


def second_factor_verify(
    request: HttpRequest,
    *,
    user: User,
    answer: SecondFactorAnswer,
    challenge: MfaChallenge | None = None,
    count_client: bool = True,
    session_id: str | None = None,
    completion: Completion[Any] | None = None,
) -> str:
    """Check ``answer`` for ``user``; return the method it proved (assurance.TOTP, RECOVERY_CODE or PASSKEY).

    A passkey needs ``challenge`` (whose WebAuthn challenge it must have signed). A right answer spends
    ``challenge`` with it, in one transaction (module docstring): a challenge spent meanwhile or expired raises
    ChallengeInvalid and leaves the answer unspent, counted as no failure. A wrong answer counts on the sign-in
    limits and on ``challenge``'s failures, is audited, and raises CodeInvalid or PasskeyInvalid; past the
    limits, 429 ``login_locked``, ``throttled`` or (an authenticator code) ``mfa_codes_locked`` before anything is
    checked; an authenticator app whose secret no key decrypts, 409 ``mfa_state_conflict``, with nothing counted.
    ``count_client``: whether the per-IP limit applies (not for a signed-in user's own session, as for the current
    password). ``session_id``: the signed-in session giving the answer, which a wrong one counts against (and
    revokes at its limit, 401). ``completion``: see second_factor_complete."""
    # Imported here: the factor modules import this package's services, which import this module.
    from .passkeys import passkey_assertion_verify
    from .recovery_codes import recovery_code_use

    owner = user if completion is not None else None
    attempt = account_attempt(request, email=user.email, limits=LOGIN, count_client=count_client)
    attempt.raise_if_refused()
    try:
        if answer.passkey is not None:
            if challenge is None:
                raise PasskeyInvalid()
            try:
                with challenge_spending(challenge, owner=owner):
                    passkey_assertion_verify(challenge=challenge, credential=answer.passkey, user=user)
                    challenge_use(challenge=challenge)
                    if completion is not None:
                        completion.inside(PASSKEY)
            except PasskeyInvalid as refused:  # out of the transaction: the failure's count must not roll back with it
                warning = _failed(request, user=user, challenge=challenge, session_id=session_id)
                if warning:
                    refused.detail = ErrorDetail(str(refused.detail) + warning, code=str(refused.get_codes()))
                raise
            method = PASSKEY
        elif answer.code is not None:
            try:
                # Without a session, the code follows the password of a sign-in: a lock then means someone has it.
                right = authenticator_code_check(
                    request,
                    user=user,
                    code=answer.code,
                    after_password=session_id is None,
                    challenge=challenge,
                    completion=completion,
                )
            except (AuthenticatorCodesLocked, MfaStateConflict):
                attempt.refund()  # nothing was checked
                raise
            if not right:
                warning = _failed(request, user=user, challenge=challenge, session_id=session_id)
                raise CodeInvalid(CodeInvalid.default_detail + warning)
            method = TOTP
        else:
            with challenge_spending(challenge, owner=owner):
                right = recovery_code_use(user=user, code=answer.recovery_code or "")
                if right and challenge is not None:
                    challenge_use(challenge=challenge)
                if right and completion is not None:
                    completion.inside(RECOVERY_CODE)
            if not right:
                warning = _failed(request, user=user, challenge=challenge, session_id=session_id)
                raise CodeInvalid(CodeInvalid.default_detail + warning)
            method = RECOVERY_CODE
    except ChallengeInvalid:
        attempt.refund()  # a right answer to a step spent meanwhile: no guess, and nothing spent
        raise
    except Unfinished as unfinished:
        attempt.refund()  # a right answer whose completion failed: no guess, and nothing spent
        raise unfinished.error from None
    attempt.refund()
    return method


def authenticator_code_check(
    request: HttpRequest,
    *,
    user: User,
    code: str,
    after_password: bool,
    challenge: MfaChallenge | None = None,
    completion: Completion[Any] | None = None,
) -> bool:
    """Whether ``code`` is a right code of the user's authenticator app (then it is spent, with ``challenge`` if
    given: see second_factor_verify), counted on the account's own bucket (authenticator_code_attempt) and given
    back when right. A code that could not be checked, its secret under a key MFA_ENCRYPTION_KEYS no longer lists,
    is given back too and raises MfaStateConflict: it was no guess, and the owner, sent to a recovery code, should
    not find the app locked once the key is restored.
    ``after_password``: the code came right after the account's password (a sign-in, the admin's login), not from a
    signed-in session; only then does the lock tell the owner someone has their password. ``completion``: see
    second_factor_complete."""
    from .totp import totp_code_verify  # imported here, as in second_factor_verify

    # Counted outside the transaction: the lock's notice is queued for its commit, and a rollback would drop it.
    first_factor = (challenge.first_factor if challenge is not None else "") or PASSWORD
    usage = authenticator_code_attempt(request, user=user, after_password=after_password, first_factor=first_factor)
    try:
        with challenge_spending(challenge, owner=user if completion is not None else None):
            right = totp_code_verify(user=user, code=code)
            if right and challenge is not None:
                challenge_use(challenge=challenge)  # the code's time step stays free if its challenge is gone
            if right and completion is not None:
                completion.inside(TOTP)
    except (MfaStateConflict, ChallengeInvalid, Unfinished):
        # not checked, or right for a step spent meanwhile or whose completion failed: no guess
        authenticator_code_refund(request, usage, user=user)
        raise
    if right:
        authenticator_code_refund(request, usage, user=user)
    return right


def authenticator_code_attempt(
    request: HttpRequest, *, user: User, after_password: bool, first_factor: str = PASSWORD
) -> Usage | None:
    """Count one authenticator code on the account's own bucket, before it is checked; past the limit, 429
    ``mfa_codes_locked`` (AuthenticatorCodesLocked) unchecked. The usage to give back when the code is right. The
    code that starts the lock tells the owner, when it came ``after_password`` (authenticator_code_check): after the
    sign-in's ``first_factor``, the password or an emailed code."""
    if not settings.RATE_LIMIT_ENABLED:
        return None
    usage = rate_limit_hit(AUTHENTICATOR_CODE_SCOPE, str(user.pk))
    rate_limit_record(request, usage)
    if not usage.allowed:
        if after_password and usage.count == usage.limit + 1:  # the code that finds the bucket just exhausted
            _second_step_failed_notice(
                request,
                user=user,
                what="gave too many wrong codes of your authenticator app, so its codes are refused for "
                f"{wait_in_words(usage.reset_after)}. Your recovery codes and passkeys still work.",
                first_factor=first_factor,
            )
        raise AuthenticatorCodesLocked(wait=usage.reset_after)
    return usage


def authenticator_code_refund(request: HttpRequest, usage: Usage | None, *, user: User) -> None:
    if usage is not None:
        rate_limit_refund_recorded(request, usage, str(user.pk))


def _failed(request: HttpRequest, *, user: User, challenge: MfaChallenge | None, session_id: str | None) -> str:
    """Record a wrong answer; what its refusal adds to its message (session_wrong_answer_count)."""
    spent = challenge is not None and challenge_record_failure(challenge=challenge)
    if spent and challenge is not None and challenge.purpose == MfaChallenge.Purpose.SIGN_IN:
        # This answer spent a sign-in's challenge, whose first factor was right (module docstring).
        _second_step_failed_notice(
            request,
            user=user,
            what=f"gave {settings.MFA_CHALLENGE_MAX_FAILURES} wrong answers to the second step (an authenticator or "
            "recovery code, or a passkey), so that sign-in was stopped.",
            first_factor=challenge.first_factor or PASSWORD,
        )
    audit_on_commit(event=AuditEvent.Event.MFA_FAILED, user_id=user.pk)
    return session_wrong_answer_count(user=user, session_id=session_id)


# At most one "did not complete two-step verification" notice per account in this time: each incident is one
# notice, but someone with the password can start a new sign-in (a new incident) every few minutes, within the
# sign-in limits, and would otherwise fill the owner's inbox. The first one already says what to do.
SECOND_STEP_NOTICE_COOLDOWN_SECONDS = 60 * 60


def _second_step_failed_notice(request: HttpRequest, *, user: User, what: str, first_factor: str) -> None:
    # False: a notice went out within the cooldown. None: Redis could not tell (the cache fails open); then the owner
    # is told anyway, as a second notice is a small price and a lost one leaves them unaware of the incident.
    first = cache.add(f"second-step-failed-notice:{user.pk}", 1, timeout=SECOND_STEP_NOTICE_COOLDOWN_SECONDS)
    if first is not False:
        notify_second_step_failed(
            user=user,
            user_agent=user_agent(request),
            ip_address=client_ip(request),
            what=what,
            first_factor=first_factor,
        )
