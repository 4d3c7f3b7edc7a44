"""DRF authentication: a simplejwt access token whose session is still live."""

from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token

from backend.common.db_router import replica_pin_if_recent_writer

from .selectors import session_is_live
from .tokens import SESSION_CLAIM


class SessionJWTAuthentication(JWTAuthentication):
    """Bearer access token → user, refused once its session is revoked or expired.

    simplejwt verifies signature, expiry and type; the session check is one cache
    lookup (the database only on a miss), so revocation applies on the very next
    request on every worker sharing the cache.
    """

    def get_validated_token(self, raw_token: bytes) -> Token:
        token = super().get_validated_token(raw_token)
        # Read replicas: the user is known now, before any read of their rows (get_user comes next).
        replica_pin_if_recent_writer(token.get(api_settings.USER_ID_CLAIM))
        session_id = token.get(SESSION_CLAIM)
        if not isinstance(session_id, str) or not session_is_live(session_id=session_id):
            raise AuthenticationFailed(
                "This session has been signed out or has expired. Sign in again.",
                code="session_revoked",
            )
        return token
