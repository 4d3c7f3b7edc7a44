"""Passwordless sign-in: signing in with a discoverable passkey alone, no password first (docs/mfa.md).

The ceremony itself (its request options, the assertion's verification) is the one every passkey use shares, in
passkeys.py; what is passwordless's own is here: a challenge opened for nobody, and a sign-in that learns whose
account it is from the passkey that answered.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from backend.accounts.assurance import PASSKEY
from backend.accounts.models import User
from backend.accounts.services import user_sign_in_allowed

from ..errors import PasskeyInvalid
from ..models import MfaChallenge
from .challenges import (
    Completion,
    Unfinished,
    challenge_get_open,
    challenge_open,
    challenge_record_failure,
    challenge_spending,
    challenge_use,
)
from .passkeys import CeremonyOptions, passkey_assertion_verify, passkey_authentication_options, passkey_named_in

T = TypeVar("T")


def passwordless_options() -> CeremonyOptions:
    """Start a passwordless sign-in: a challenge for nobody yet, and options with no allowed credentials."""
    opened = challenge_open(purpose=MfaChallenge.Purpose.PASSWORDLESS)
    return CeremonyOptions(
        token=opened.token, options=passkey_authentication_options(challenge=opened.challenge, user=None)
    )


def passwordless_sign_in(*, token: str, credential: dict[str, Any], complete: Callable[[User], T]) -> T:
    """Sign in the account a discoverable passkey names: ``complete(user)`` starts its session, and what it returns
    is returned. A wrong assertion counts on the challenge's failures; a deactivated account is refused like an
    unknown passkey, telling nothing about it; an unverified address is 403 ``email_not_verified`` while
    verification is mandatory, as for a password.

    The passkey's counter, the challenge and the session are spent together or not at all (challenges.Completion):
    a sign-in refused after the assertion verified (a deactivated account, an unconfirmed address, a challenge spent
    meanwhile) or whose session could not start leaves the stored counter and last use as they were. The owner's row
    is locked first, as challenge_spending says, so it is looked up by the credential id before anything is checked."""
    challenge = challenge_get_open(token=token, purpose=MfaChallenge.Purpose.PASSWORDLESS)
    named = passkey_named_in(credential=credential)
    completion = Completion(lambda _method: complete(user))  # run only once ``user`` is known, below
    try:
        with challenge_spending(challenge, owner=named.user if named is not None else None):
            passkey = passkey_assertion_verify(challenge=challenge, credential=credential, user=None)
            user = passkey.user
            if not user.is_active:
                raise PasskeyInvalid()
            user_sign_in_allowed(user=user)
            challenge_use(challenge=challenge)
            completion.inside(PASSKEY)
    except PasskeyInvalid:  # out of the transaction: the failure's count must not roll back with it
        challenge_record_failure(challenge=challenge)
        raise
    except Unfinished as unfinished:
        raise unfinished.error from None
    return completion.after(PASSKEY)
