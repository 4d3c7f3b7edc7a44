"""Signing in with a one-time code emailed to the account's address (docs/mfa.md, "Sign-in with an emailed code").

A first factor, as the password is: whoever reads the mailbox can sign in, as a password reset would let them; an
account with a second factor is still asked for it (the code opens the same second step as the password).

1. ``email_code_request``: the client gets a random token (256 bits) at once, whether or not an account has the
   address. Off the request (email_queue_unseen, as for a reset link, so neither the answer nor its timing tells
   whether the address has an account): the look-up, then for an active account an EMAIL_CODE challenge bound to
   that token and an email with an 8-digit code. Only SHA-256(token) and SHA-256(token:code) are stored: the table
   gives nothing to sign in with, and the code alone is nothing without the token the asking browser holds.
2. ``email_code_sign_in``: the code, checked under the sign-in limits (a wrong one counts as a failed sign-in of the
   account, login_limits.LOGIN, and on the challenge, spent at MFA_CHALLENGE_MAX_FAILURES), then the sign-in's
   completion, committed with the challenge's spending (challenges.Completion): a session that cannot start (an
   outage's 503) leaves the code for the retry.

One code per account at a time: asking again replaces it. A password change or reset, a sign-out everywhere or a
deactivation deletes it (accounts.services.sessions_revoke_for_user), as it does a pending second step. An address
not confirmed yet gets no code but a notice pointing to the password reset: with ``optional`` verification anyone
can register someone else's address, and a code would sign its owner in to the intruder's account, password and
all (pre-hijacking); the reset replaces the password and handles that case (password_reset_confirm). Every refusal
reads the same, 400 ``login_code_invalid``: an unknown token, a wrong, expired, spent or replaced code.
"""

import functools
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from backend.accounts.assurance import EMAIL_CODE
from backend.accounts.emails import notify_sign_in_code_unconfirmed, send_sign_in_code
from backend.accounts.login_limits import LOGIN, account_attempt
from backend.accounts.models import User, normalize_email
from backend.accounts.services import email_verification_enabled
from backend.audit.services import audit_login_failed
from backend.common.db import atomic
from backend.common.mail import email_queue_unseen

from ..errors import LoginCodeInvalid
from ..models import MfaChallenge
from .challenges import (
    ChallengeInvalid,
    Completion,
    Unfinished,
    challenge_get_open,
    challenge_open,
    challenge_record_failure,
    challenge_spending,
    challenge_token_new,
    challenge_use,
)

T = TypeVar("T")

CODE_DIGITS = 8
# What a person may type around the digits: "1234 5678", "1234-5678".
_SEPARATORS = re.compile(r"[\s-]")


def email_code_request(*, email: str, user_agent: str, ip_address: str | None) -> tuple[str, datetime]:
    """Hand out a token for a sign-in code to ``email``, emailed off the request if an active account has that
    address (module docstring). Returns the token and when a code sent now stops working."""
    token = challenge_token_new()
    expires_at = timezone.now() + timedelta(seconds=settings.LOGIN_CODE_MAX_AGE_SECONDS)
    send = functools.partial(_code_send, email=email, token=token, user_agent=user_agent, ip_address=ip_address)
    email_queue_unseen(send)
    return token, expires_at


def _code_send(*, email: str, token: str, user_agent: str, ip_address: str | None) -> None:
    user = User.objects.filter(email=normalize_email(email), is_active=True).first()
    if user is None:
        return
    if email_verification_enabled() and not user.email_verified:
        notify_sign_in_code_unconfirmed(user=user)
        return
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    with atomic():
        MfaChallenge.objects.filter(user=user, purpose=MfaChallenge.Purpose.EMAIL_CODE).delete()  # one at a time
        challenge_open(
            purpose=MfaChallenge.Purpose.EMAIL_CODE,
            user=user,
            first_factor=EMAIL_CODE,
            code_hash=_code_hash(token, code),
            token=token,
            max_age_seconds=settings.LOGIN_CODE_MAX_AGE_SECONDS,
        )
        send_sign_in_code(user=user, code=code, user_agent=user_agent, ip_address=ip_address)


def _code_hash(token: str, code: str) -> str:
    return hashlib.sha256(f"{token}:{code}".encode()).hexdigest()


def email_code_sign_in(request: HttpRequest, *, token: str, code: str, complete: Callable[[User], T]) -> T:
    """Check ``code`` for the sign-in code ``token`` names, then ``complete(user)`` (start the session, or open the
    second step) in the transaction that spends the challenge; return what it returned. LoginCodeInvalid for every
    refusal (module docstring); past the sign-in limits, 429 before the code is checked."""
    try:
        challenge = challenge_get_open(token=token, purpose=MfaChallenge.Purpose.EMAIL_CODE)
    except ChallengeInvalid:  # ChallengeExpired too: told apart, an unknown token would read differently
        raise LoginCodeInvalid() from None
    user = challenge.user
    if user is None or not user.is_active:
        raise LoginCodeInvalid()
    attempt = account_attempt(request, email=user.email, limits=LOGIN)
    attempt.raise_if_refused()
    typed = _SEPARATORS.sub("", code)
    if not hmac.compare_digest(challenge.code_hash, _code_hash(token, typed)):
        challenge_record_failure(challenge=challenge)
        audit_login_failed(email=user.email)
        raise LoginCodeInvalid()
    completion = Completion(lambda method: complete(user))
    try:
        with challenge_spending(challenge, owner=user):
            challenge_use(challenge=challenge)
            completion.inside(EMAIL_CODE)
    except ChallengeInvalid:  # spent meanwhile by a parallel request with the same code: no guess
        attempt.refund()
        raise LoginCodeInvalid() from None
    except Unfinished as unfinished:  # a right code whose sign-in could not finish: unspent, for the retry
        attempt.refund()
        raise unfinished.error from None
    attempt.refund()
    return completion.after(EMAIL_CODE)
