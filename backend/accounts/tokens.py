"""Minting and verifying JWTs for server-side sessions.

simplejwt signs and verifies the tokens. Revocation is ours: simplejwt's
``token_blacklist`` app stores every whole token with integer keys, and a
blacklisted *refresh* token leaves its access tokens working until they expire.
Here both token kinds carry the session id (``sid``); the session row holds only
a hash of the current refresh ``jti``, and revoking the row stops both at once.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime

from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken

SESSION_CLAIM = "sid"


class InvalidRefreshToken(Exception):
    """The refresh token is malformed, badly signed, expired or of the wrong type."""


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str
    refresh_jti: str


def hash_jti(jti: str) -> str:
    return hashlib.sha256(jti.encode()).hexdigest()


def token_pair_issue(*, user_id: str, session_id: str, refresh_expires_at: datetime) -> TokenPair:
    """Sign a refresh token expiring at ``refresh_expires_at`` and an access token, both bound to the session."""
    refresh = RefreshToken()
    refresh["user_id"] = user_id
    refresh[SESSION_CLAIM] = session_id
    refresh["exp"] = int(refresh_expires_at.timestamp())
    access = refresh.access_token  # copies user_id and sid, gets its own short exp
    return TokenPair(access=str(access), refresh=str(refresh), refresh_jti=str(refresh["jti"]))


def refresh_token_decode(raw: str) -> RefreshToken:
    """Verify signature, expiry and type; return the token or raise InvalidRefreshToken."""
    if not raw or not isinstance(raw, str):
        raise InvalidRefreshToken("No refresh token was provided.")
    try:
        token = RefreshToken(raw)  # type: ignore[arg-type]
    except TokenError as exc:
        raise InvalidRefreshToken(str(exc)) from exc
    if not token.get(SESSION_CLAIM) or not token.get("user_id"):
        raise InvalidRefreshToken("Token is not bound to a session.")
    return token
