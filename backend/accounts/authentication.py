"""DRF authentication: a simplejwt access token whose session is still live and whose user may sign in."""

import uuid

from django.db import router
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token

from .models import User
from .selectors import Access, access_check
from .tokens import SESSION_CLAIM


class SessionJWTAuthentication(JWTAuthentication):
    """Bearer access token → user, refused once its session is revoked or expired, or its user deactivated.

    simplejwt verifies signature, expiry and type. Whether the session is live and the user active is
    one cache round trip (session_cache.py; the database only on a miss), so revocation and deactivation
    apply on the very next request on every worker sharing the cache. The user is then built from the
    token's id without a query: its other fields load, all at once, on first use (User.refresh_from_db).
    """

    def get_validated_token(self, raw_token: bytes) -> Token:
        token = super().get_validated_token(raw_token)
        session_id, user_id = token.get(SESSION_CLAIM), token.get(api_settings.USER_ID_CLAIM)
        if not isinstance(session_id, str) or not isinstance(user_id, str):
            raise InvalidToken("Token is not bound to a session and a user.")
        access = access_check(session_id=session_id, user_id=user_id)
        if access is Access.SESSION_ENDED:
            raise AuthenticationFailed(
                "This session has been signed out or has expired. Sign in again.",
                code="session_revoked",
            )
        if access is Access.USER_INACTIVE:
            raise AuthenticationFailed("User is inactive", code="user_inactive")
        return token

    def get_user(self, validated_token: Token) -> User:  # type: ignore[override]
        try:
            user_id = uuid.UUID(validated_token[api_settings.USER_ID_CLAIM])
        except (KeyError, ValueError, TypeError) as exc:
            raise InvalidToken("Token contained no recognizable user identification") from exc
        # Known to exist and be active (get_validated_token); every other field is deferred.
        return User.from_db(router.db_for_read(User), ["id", "is_active"], [user_id, True])
