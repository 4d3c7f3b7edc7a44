"""Minting and verifying JWTs for server-side sessions.

simplejwt signs and verifies the tokens. Revocation is ours: simplejwt's
``token_blacklist`` app stores every whole token with integer keys, and a
blacklisted *refresh* token leaves its access tokens working until they expire.
Here both token kinds carry the session id (``sid``); the session row holds only
a hash of the current refresh ``jti``, and revoking the row stops both at once.

Signing keys rotate without signing anybody out (``JWT_SIGNING_KEYS``, newest first): the newest signs, every
listed key verifies, and each token names its key in the ``kid`` header. simplejwt's backend has one key, so
``KeyRingTokenBackend`` adds the ring (docs/operations.md, "Rotating the JWT signing key").
"""

import hashlib
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import jwt
from django.conf import settings
from django.utils.crypto import salted_hmac
from rest_framework_simplejwt.backends import TokenBackend
from rest_framework_simplejwt.exceptions import TokenBackendError, TokenBackendExpiredToken, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from backend.common.ids import is_uuid_text

SESSION_CLAIM = "sid"
AMR_CLAIM = "amr"  # how the session was authenticated (assurance.py)
AAL_CLAIM = "aal"


class InvalidRefreshToken(Exception):
    """The refresh token is malformed, badly signed, expired or of the wrong type."""


# -- signing keys ---------------------------------------------------------------------------------------------------
def key_id(key: str) -> str:
    """The ``kid`` naming ``key`` in a token's header: a truncated hash, which says nothing usable about the key."""
    return hashlib.sha256(b"jwt-signing-key-id\0" + key.encode()).hexdigest()[:16]


class KeyRingTokenBackend(TokenBackend):  # type: ignore[misc]  # simplejwt's classes are untyped here
    """simplejwt's HMAC backend with several keys: the first signs (its ``kid`` in the header), any verifies.

    A token with a ``kid`` is checked against that key only, so a removed key's tokens are refused; a token
    without one (minted before key ids existed) is checked against each key in turn.
    """

    def __init__(self, keys: tuple[str, ...]) -> None:
        if not keys:
            raise TokenBackendError("No JWT signing key is configured (JWT_SIGNING_KEYS or JWT_SIGNING_KEY).")
        super().__init__(
            api_settings.ALGORITHM,
            keys[0],
            api_settings.VERIFYING_KEY,  # unused by HS* (the signing key verifies)
            api_settings.AUDIENCE,
            api_settings.ISSUER,
            None,  # no JWK URL: the keys are ours
            api_settings.LEEWAY,
            api_settings.JSON_ENCODER,
        )
        if not self.algorithm.startswith("HS"):
            raise TokenBackendError("JWT_SIGNING_KEYS holds shared secrets: only HS* algorithms are supported.")
        self.keys = {key_id(key): key for key in keys}
        self.signing_kid = key_id(keys[0])

    def encode(self, payload: dict[str, Any]) -> str:
        claims = payload.copy()
        if self.audience is not None:
            claims["aud"] = self.audience
        if self.issuer is not None:
            claims["iss"] = self.issuer
        return jwt.encode(
            claims,
            self.keys[self.signing_kid],
            algorithm=self.algorithm,
            headers={"kid": self.signing_kid},
            json_encoder=self.json_encoder,
        )

    def decode(self, token: Any, verify: bool = True) -> dict[str, Any]:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.InvalidTokenError as exc:
            raise TokenBackendError("Token is invalid") from exc
        if kid is None:
            candidates = list(self.keys.values())
        elif isinstance(kid, str) and kid in self.keys:
            candidates = [self.keys[kid]]
        else:
            raise TokenBackendError("Token is signed with a key that is no longer accepted")
        for key in candidates:
            try:
                return jwt.decode(
                    token,
                    key,
                    algorithms=[self.algorithm],
                    audience=self.audience,
                    issuer=self.issuer,
                    leeway=self.get_leeway(),
                    options={"verify_aud": self.audience is not None, "verify_signature": verify},
                )
            except jwt.InvalidSignatureError:
                continue
            except jwt.ExpiredSignatureError as exc:
                raise TokenBackendExpiredToken("Token is expired") from exc
            except jwt.InvalidTokenError as exc:
                raise TokenBackendError("Token is invalid") from exc
        raise TokenBackendError("Token is invalid")


_ring: KeyRingTokenBackend | None = None
_ring_lock = threading.Lock()


def key_ring() -> KeyRingTokenBackend:
    """The backend for the configured keys, built once (again if the keys change, as tests do)."""
    global _ring
    keys = tuple(settings.JWT_SIGNING_KEYS)
    ring = _ring
    if ring is None or tuple(ring.keys.values()) != keys:
        with _ring_lock:
            ring = _ring = KeyRingTokenBackend(keys)
    return ring


class SessionAccessToken(AccessToken):  # type: ignore[misc]
    """An access token signed and verified with the key ring (SIMPLE_JWT's AUTH_TOKEN_CLASSES names it)."""

    def get_token_backend(self) -> TokenBackend:
        return key_ring()


class SessionRefreshToken(RefreshToken):  # type: ignore[misc]
    access_token_class = SessionAccessToken

    def get_token_backend(self) -> TokenBackend:
        return key_ring()


# -- issuing --------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str
    refresh_jti: str


def hash_jti(jti: str) -> str:
    return hashlib.sha256(jti.encode()).hexdigest()


def child_jti(parent_jti: str, *, secret: str | None = None) -> str:
    """The jti of the refresh token that rotating ``parent_jti`` issues: derived, not random, so the server can
    issue the same child again within the reuse grace window from the parent alone, storing no token (and two
    racing rotations of one parent agree on their child). Only the parent's holder, with the server's secret,
    can compute it. ``secret``: SECRET_KEY unless given (a child derived before SECRET_KEY rotated)."""
    return salted_hmac("backend.accounts.tokens.child_jti", parent_jti, secret=secret, algorithm="sha256").hexdigest()[
        :32
    ]


def token_pair_issue(
    *,
    user_id: str,
    session_id: str,
    refresh_expires_at: datetime,
    refresh_jti: str | None = None,
    issued_at: datetime | None = None,
    amr: list[str] | None = None,
    aal: int = 1,
) -> TokenPair:
    """Sign a refresh token expiring at ``refresh_expires_at`` and an access token, both bound to the session and
    stating how it was authenticated (``amr``, ``aal``: assurance.py).

    Given the same ``refresh_jti``, ``issued_at``, expiry and session (and signing key), the refresh token is the
    very same string: the reuse grace window re-issues a child this way."""
    refresh = SessionRefreshToken()
    if refresh_jti is not None:
        refresh[api_settings.JTI_CLAIM] = refresh_jti
    if issued_at is not None:
        refresh["iat"] = int(issued_at.timestamp())
    refresh["user_id"] = user_id
    refresh[SESSION_CLAIM] = session_id
    refresh["exp"] = int(refresh_expires_at.timestamp())
    refresh[AMR_CLAIM] = amr or ["pwd"]
    refresh[AAL_CLAIM] = aal
    access = refresh.access_token  # copies user_id and sid, gets its own jti, iat and short exp
    return TokenPair(access=str(access), refresh=str(refresh), refresh_jti=str(refresh[api_settings.JTI_CLAIM]))


def refresh_token_decode(raw: str) -> RefreshToken:
    """Verify signature, expiry and type; return the token or raise InvalidRefreshToken."""
    if not raw or not isinstance(raw, str):
        raise InvalidRefreshToken("No refresh token was provided.")
    try:
        token = SessionRefreshToken(raw)  # type: ignore[arg-type]
    except TokenError as exc:
        raise InvalidRefreshToken(str(exc)) from exc
    except (OverflowError, ValueError, TypeError) as exc:  # a claim no date can hold; only our key signed it
        raise InvalidRefreshToken("Token has an impossible claim.") from exc
    if not is_uuid_text(token.get(SESSION_CLAIM)) or not is_uuid_text(token.get("user_id")):
        raise InvalidRefreshToken("Token is not bound to a session and a user.")
    return token
