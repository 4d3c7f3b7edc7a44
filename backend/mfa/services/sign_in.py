"""The second step of a sign-in, and re-authentication with the password or a second factor (docs/mfa.md).

A right password for an account with MFA opens a SIGN_IN challenge instead of a session; its token is all the
client holds until a second factor, checked under the sign-in limits (second_factor.py), spends it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from django.http import HttpRequest

from backend.accounts.assurance import PASSWORD
from backend.accounts.models import AuthSession, User
from backend.accounts.selectors import session_authentication
from backend.accounts.services import credentials_still_current, session_reauthenticate
from backend.accounts.services.reauthentication import SECOND_FACTOR_NEEDED, ReauthenticationRequired
from backend.accounts.services.users import user_password_confirm_counted
from backend.common.db import atomic

from ..models import MfaChallenge
from ..selectors import mfa_methods, reauthentication_method_allowed
from .challenges import ChallengeInvalid, challenge_get_open, challenge_open
from .second_factor import SecondFactorAnswer, second_factor_complete

T = TypeVar("T")


@dataclass(frozen=True)
class SignInChallenge:
    """The second step just opened for a sign-in: what the client needs to finish it (the API answers it with
    sign_in_serializers.MfaChallengeOutputSerializer)."""

    mfa_token: str  # single use; given to the client once, never stored
    methods: list[str]  # what can finish it (selectors.mfa_methods)
    expires_at: datetime


def mfa_sign_in_challenge_open(*, user: User, first_factor: str = PASSWORD) -> SignInChallenge:
    """Open the second step for ``user``, whose first factor (the password, an emailed code, a provider) was right.
    Not if the account's sessions were revoked since it was checked (credentials_still_current): a revocation
    deletes the pending second steps, and one opened after it would survive it."""
    with atomic(mongodb_transaction=False):
        credentials_still_current(user)
        opened = challenge_open(purpose=MfaChallenge.Purpose.SIGN_IN, user=user, first_factor=first_factor)
    return SignInChallenge(
        mfa_token=opened.token, methods=mfa_methods(user=user), expires_at=opened.challenge.expires_at
    )


def mfa_sign_in_finish(
    request: HttpRequest, *, token: str, answer: SecondFactorAnswer, complete: Callable[[User, list[str]], T]
) -> T:
    """Check the second factor for the sign-in ``token`` names, then ``complete(user, amr)`` (start the session;
    ``amr``: the methods the whole sign-in proved) in the transaction that spends the answer and the challenge
    (second_factor_complete): a challenge lost meanwhile (another answer spent it, it expired) leaves a right
    recovery code unused, and so does a session that could not start (an outage's 503: the retry signs in)."""
    challenge = challenge_get_open(token=token, purpose=MfaChallenge.Purpose.SIGN_IN)
    user = challenge.user
    if user is None or not user.is_active:  # deactivated since the password step
        raise ChallengeInvalid()
    first_factor = challenge.first_factor or PASSWORD
    return second_factor_complete(
        request,
        user=user,
        answer=answer,
        challenge=challenge,
        complete=lambda method: complete(user, [first_factor, method]),
    )


def second_factor_reauthenticate(
    request: HttpRequest,
    *,
    user: User,
    session: AuthSession,
    answer: SecondFactorAnswer,
    reauth_token: str | None,
    complete: Callable[[str], T],
) -> T:
    """Check a second factor re-authenticating ``session`` (a passkey answers the session's REAUTHENTICATE
    challenge), then ``complete(method)`` (record the re-authentication) in the transaction that spends the answer
    and the challenge (second_factor_complete); return what ``complete`` returned."""
    challenge = None
    if answer.passkey is not None:
        challenge = challenge_get_open(
            token=reauth_token or "", purpose=MfaChallenge.Purpose.REAUTHENTICATE, session_id=str(session.pk)
        )
    return second_factor_complete(
        request,
        user=user,
        answer=answer,
        challenge=challenge,
        complete=complete,
        count_client=False,
        session_id=str(session.pk),
    )


def session_reauthenticate_with_answer(
    request: HttpRequest,
    *,
    user: User,
    session_id: str,
    password: str | None,
    answer: SecondFactorAnswer,
    reauth_token: str | None,
) -> AuthSession:
    """Re-authenticate ``user``'s own session ``session_id`` with what they gave: the ``password`` when given, else
    the second factor ``answer`` (second_factor_reauthenticate). The password proves one factor, so it is accepted
    only while the account has no second factor (403 ``reauthentication_required`` otherwise); it is checked as a
    current password is (user_password_confirm_counted: on the account's sign-in limits and the session's), a wrong
    one a 400 on ``password``. Returns the session, re-authenticated (accounts' session_reauthenticate)."""
    session = session_authentication(session_id=session_id)
    if password is None:
        return second_factor_reauthenticate(
            request,
            user=user,
            session=session,
            answer=answer,
            reauth_token=reauth_token,
            complete=lambda method: session_reauthenticate(session=session, method=method),
        )
    if not reauthentication_method_allowed(user=user, method=PASSWORD):
        raise ReauthenticationRequired(SECOND_FACTOR_NEEDED)
    user_password_confirm_counted(request, user=user, password=password, session_id=session_id, field="password")
    return session_reauthenticate(session=session, method=PASSWORD)
