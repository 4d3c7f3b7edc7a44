"""Helpers for the MFA tests: an authenticator app (enabled as the SPA does, or given directly), its real codes from
pyotp, the endpoints' paths and standard answers, and sessions whose last authentication is old."""

import time
from datetime import timedelta

import pyotp
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from backend.accounts.models import AuthSession, User
from backend.mfa.crypto import secret_encrypt
from backend.mfa.models import TotpAuthenticator

MFA = "/api/auth/mfa/"
AUTHENTICATE = "/api/auth/mfa/authenticate/"
TOTP = "/api/auth/mfa/totp/"
TOTP_CONFIRM = "/api/auth/mfa/totp/confirm/"
RECOVERY_CODES = "/api/auth/mfa/recovery-codes/"

CODE_INVALID = {
    "detail": "That code is not right, or it was already used. Enter the current code, or a recovery code.",
    "code": "mfa_code_invalid",
}
PASSKEY_INVALID = {
    "detail": "That passkey could not be verified. Try again, or use another way to sign in.",
    "code": "passkey_invalid",
}
PASSKEY_UNKNOWN = {
    "detail": "This passkey is no longer registered here: it was deleted, or its account was. "
    "Sign in with your password or another passkey.",
    "code": "passkey_unknown",
}
CHALLENGE_INVALID = {
    "detail": "This sign-in step is unknown, was already used or was interrupted. Start again.",
    "code": "mfa_challenge_invalid",
}
CHALLENGE_EXPIRED = {"detail": "This step took too long. Start again.", "code": "mfa_challenge_expired"}
SECOND_FACTOR_NEEDED = {
    "detail": "This account has two-step verification: confirm it's you with your authenticator app or a passkey "
    "(POST /api/auth/reauthenticate/), then try again.",
    "code": "reauthentication_required",
}
WITH_PASSKEY = ("pwd", "passkey")  # how an account with a passkey signs in: the password, then the passkey
LONG_AGO = 3600  # seconds: a last authentication far older than REAUTH_MAX_AGE_SECONDS
REAUTH_REQUIRED = {
    "detail": "Confirm it's you: re-authenticate (POST /api/auth/reauthenticate/), then try again.",
    "code": "reauthentication_required",
}


def email_confirmed(user) -> None:
    """Mark ``user``'s address confirmed, as following its verification link does: adding a second factor needs it
    (backend/mfa/services/enrolment.py). The MFA tests' own ``user`` fixtures are confirmed already."""
    User.objects.filter(pk=user.pk).update(email_verified=True)
    user.email_verified = True


def authenticator_app_enabled(user) -> pyotp.TOTP:
    """Give ``user`` a confirmed authenticator app directly; return the app itself, to compute real codes with."""
    secret = pyotp.random_base32()
    TotpAuthenticator.objects.create(user=user, secret_encrypted=secret_encrypt(secret), confirmed_at=timezone.now())
    return pyotp.TOTP(secret)


def enable_totp(client: APIClient) -> tuple[str, list[str]]:
    """Set up and confirm the authenticator app through the API with a real code; returns its secret and the
    recovery codes."""
    started = client.post(TOTP, {}, format="json")
    assert started.status_code == 201, started.content
    secret = started.json()["secret"]
    confirmed = client.post(TOTP_CONFIRM, {"code": code_now(secret)}, format="json")
    assert confirmed.status_code == 200, confirmed.content
    return secret, confirmed.json()["recovery_codes"]


def code_now(secret: str, *, steps: int = 0) -> str:
    """The app's code ``steps`` time steps from now (1: the next one; negative: earlier)."""
    return pyotp.TOTP(secret).at(time.time(), counter_offset=steps)


def code_of_step(app: pyotp.TOTP, steps_from_now: int) -> str:
    """``app``'s code ``steps_from_now`` 30-second steps away (negative: earlier)."""
    return code_now(app.secret, steps=steps_from_now)


def authentication_aged(session_id: object, seconds: int | None = None) -> None:
    """As if ``session_id`` last authenticated ``seconds`` ago (by default just past REAUTH_MAX_AGE_SECONDS)."""
    age = seconds if seconds is not None else settings.REAUTH_MAX_AGE_SECONDS + 1
    AuthSession.objects.filter(pk=session_id).update(authenticated_at=timezone.now() - timedelta(seconds=age))


def sign_in_step(user) -> str:
    """A new sign-in of ``user`` past its password: the second step's ``mfa_token``."""
    from tests.backend.accounts.helpers import login  # imported here: that module's helpers import this one's callers

    response = login(APIClient(), user.email)
    assert response.status_code == 202, response.content
    return response.json()["mfa_token"]


def second_step_answer(token: str, **answer: object):
    """``answer`` (a code, a recovery code or a passkey) to the second step ``token`` names, from a new client."""
    return APIClient().post(AUTHENTICATE, {"mfa_token": token, **answer}, format="json")
