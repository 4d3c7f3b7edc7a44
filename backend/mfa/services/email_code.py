"""Signing in with a one-time code emailed to the account's address (docs/mfa.md, "Sign-in with an emailed code").

A first factor, as the password is: whoever reads the mailbox can sign in, as a password reset would let them; an
account with a second factor is still asked for it (the code opens the same second step as the password).

1. ``email_code_request``: the client gets a token at once, whether or not an account has the address: random
   (256 bits) and signed together with the address as typed, so the confirmation knows whose sign-in limits to count
   before it knows whether a code exists. Off the request (email_queue_unseen, as for a reset link, so neither the
   answer nor its timing tells whether the address has an account): the look-up, then for an active account an
   EMAIL_CODE challenge bound to that token and an email with an 8-digit code. Only SHA-256(token) and
   SHA-256(token:code) are stored: the table gives nothing to sign in with, and the code alone is nothing without
   the token the asking browser holds.
2. ``email_code_sign_in``: one failed sign-in of the token's address is counted on the password's buckets
   (login_limits.LOGIN) before anything is looked up, and given back only by the right code: a token that names no
   code (an address without an account, a code replaced or spent) counts as a wrong code does, so the limits, their
   headers and their lockout read the same for every address. A wrong code also counts on the challenge, spent at
   MFA_CHALLENGE_MAX_FAILURES. The right one is spent in the transaction that completes the sign-in
   (challenges.Completion): a session that cannot start (an outage's 503) leaves the code for the retry.

One code per account at a time: asking again replaces it (asks are serialized on the account's row). A password
change or reset, a sign-out everywhere, a deactivation or an email change (the owner's, or an operator's in the
admin) deletes it (accounts.services.sessions_revoke_for_user), as it does a pending second step; and a code is
refused once the account no longer has the address it went to, whatever changed it. An address not confirmed yet gets
no code but a notice pointing to the password reset: with ``optional`` verification anyone can register someone
else's address, and a code would sign its owner in to the intruder's account, password and all (pre-hijacking);
the reset replaces the password and handles that case (password_reset_confirm). Every refusal reads the same, 400
``login_code_invalid``.

A session signed in with the code alone does not count as a recent authentication (accounts.services.session_start):
adding a factor, or anything else that asks for one, needs the password (or a second factor) first. Otherwise a
moment's access to the mailbox would be enough to add a passkey of one's own, unnoticed, which a later password
reset keeps.
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
from django.core import signing
from django.http import HttpRequest
from django.utils import timezone

from backend.accounts.assurance import EMAIL_CODE
from backend.accounts.emails.links import notify_sign_in_code_unconfirmed, send_sign_in_code
from backend.accounts.login_limits import LOGIN, account_attempt
from backend.accounts.models import User
from backend.accounts.normalization import normalize_email
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


_SIGNING_SALT = "backend.mfa.email_code"


def email_code_request(*, email: str, user_agent: str, ip_address: str | None) -> tuple[str, datetime]:
    """Hand out a token for a sign-in code to ``email``, emailed off the request if an active account has that
    address (module docstring). Returns the token and when a code sent now stops working."""
    token = login_token_new(email)
    expires_at = timezone.now() + timedelta(seconds=settings.LOGIN_CODE_MAX_AGE_SECONDS)
    send = functools.partial(_code_send, email=email, token=token, user_agent=user_agent, ip_address=ip_address)
    email_queue_unseen(send)
    return token, expires_at


def login_token_new(email: str) -> str:
    """A new token for a code to ``email``: random, and signed with the address (SECRET_KEY; accepted under
    SECRET_KEY_FALLBACKS, as every Django signature is)."""
    return signing.dumps({"e": normalize_email(email), "n": challenge_token_new()}, salt=_SIGNING_SALT, compress=True)


def _code_send(*, email: str, token: str, user_agent: str, ip_address: str | None) -> None:
    address = normalize_email(email)
    user = User.objects.filter(email=address, is_active=True).first()
    if user is None:
        return
    with atomic():
        # The account's row first, as every other writer of its challenges takes it (a sign-out everywhere, a
        # confirmation, a deletion; challenges.challenge_spending): in the other order they deadlock. Read again
        # under the lock: an email change or a deactivation committed since the look-up sends nothing, and two asks
        # at once leave one code.
        confirmed = (
            User.objects.select_for_update()
            .filter(pk=user.pk, email=address, is_active=True)
            .values_list("email_verified", flat=True)
            .first()
        )
        if confirmed is None:
            return
        if email_verification_enabled() and not confirmed:
            notify_sign_in_code_unconfirmed(user=user)
            return
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
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
    refusal (module docstring); past the sign-in limits, 429 before anything is looked up."""
    try:
        # The token's age is the code's at most: an older one names nothing, and is refused as such, uncounted.
        email = signing.loads(token, salt=_SIGNING_SALT, max_age=settings.LOGIN_CODE_MAX_AGE_SECONDS)["e"]
    except (signing.BadSignature, TypeError, KeyError):
        raise LoginCodeInvalid() from None
    attempt = account_attempt(request, email=email, limits=LOGIN)
    attempt.raise_if_refused()
    try:
        challenge = challenge_get_open(token=token, purpose=MfaChallenge.Purpose.EMAIL_CODE)
    except ChallengeInvalid:  # ChallengeExpired too: told apart, an unknown token would read differently
        challenge = None
    user = challenge.user if challenge is not None else None
    # The code went to the token's address: once the account has another (an operator moved it, a script's update
    # that deleted no code), whoever reads the old mailbox is no longer its holder.
    moved = user is not None and normalize_email(user.email) != normalize_email(email)
    if challenge is None or user is None or not user.is_active or moved:
        audit_login_failed(email=email)  # counted as a wrong code: the same for an address without an account
        raise LoginCodeInvalid()
    typed = _SEPARATORS.sub("", code)
    if not hmac.compare_digest(challenge.code_hash, _code_hash(token, typed)):
        challenge_record_failure(challenge=challenge)
        audit_login_failed(email=email)
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
