"""DRF authentication: a simplejwt access token whose session is still live and whose user may sign in."""

import threading
import uuid
from collections import OrderedDict
from typing import Any

from django.db import router
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token
from rest_framework_simplejwt.utils import aware_utcnow

from backend.common.db_router import replica_pin_if_recent_writer
from backend.common.errors import ErrorCode
from backend.common.ids import is_uuid_text
from backend.common.ratelimit import PendingHit
from backend.common.throttles import api_user_hit, api_user_hit_settle

from .errors import SessionEnded
from .models import User
from .selectors import Access, access_check
from .tokens import SESSION_CLAIM, KeyRingTokenBackend, key_ring

# Access tokens whose signature this process has verified, by their exact bytes: verifying the same
# bytes again can only give the same answer, so a repeat costs a dict lookup and the expiry check.
# Bounded (oldest out first); the session and user checks still run on every request.
_VERIFIED_MAX = 4096
# Each is remembered with the key ring that verified it: a changed ring (a key removed) verifies again.
_verified: OrderedDict[bytes, tuple[KeyRingTokenBackend, Token]] = OrderedDict()
_verified_lock = threading.Lock()


def _verified_token(raw_token: bytes) -> Token | None:
    with _verified_lock:
        remembered = _verified.get(raw_token)
        if remembered is not None:
            _verified.move_to_end(raw_token)
    if remembered is None or remembered[0] is not key_ring():
        return None
    token = remembered[1]
    try:
        token.check_exp(current_time=aware_utcnow())
    except TokenError:
        return None  # verified again below, which refuses it with simplejwt's own error
    return token


def _token_verified(authentication: Any, raw_token: bytes) -> Token:
    """simplejwt's verification (``authentication``: JWTAuthentication's own), with a claim no date can hold (an
    ``exp`` past year 9999, or one that is no number) refused as an invalid token: simplejwt lets the error through.
    Only a token our key signed gets that far."""
    try:
        return authentication.get_validated_token(raw_token)  # type: ignore[no-any-return]
    except (OverflowError, ValueError, TypeError) as exc:
        raise InvalidToken("Token has an impossible claim.") from exc


def _remember(raw_token: bytes, token: Token) -> Token:
    with _verified_lock:
        _verified[raw_token] = (key_ring(), token)
        if len(_verified) > _VERIFIED_MAX:
            _verified.popitem(last=False)
    return token


class SessionJWTAuthentication(JWTAuthentication):
    """Bearer access token → user, refused once its session is revoked or expired, or its user deactivated.

    simplejwt verifies signature, expiry and type. Whether the session is live and the user active is
    one cache round trip (session_cache.py; the database only on a miss), so revocation and deactivation
    apply on the very next request on every worker sharing the cache. The user is then built from the
    token's id without a query: its other fields load, all at once, on first use (User.refresh_from_db).
    """

    _request: Request | None = None

    def authenticate(self, request: Request) -> tuple[Any, Token] | None:
        self._request = request  # DRF makes one instance per request
        return super().authenticate(request)

    def get_validated_token(self, raw_token: bytes) -> Token:
        token = _verified_token(raw_token) or _remember(raw_token, _token_verified(super(), raw_token))
        session_id, user_id = token.get(SESSION_CLAIM), token.get(api_settings.USER_ID_CLAIM)
        if not is_uuid_text(session_id) or not is_uuid_text(user_id):
            raise InvalidToken("Token is not bound to a session and a user.")
        # Read replicas: the user is known now, before any read of their rows (get_user comes next).
        replica_pin_if_recent_writer(user_id)
        request, view = self._request, self._view()
        keys = view.read_ahead_keys(request, owner_id=user_id) if view is not None and request is not None else None
        read_ahead = dict.fromkeys(keys) if keys else None
        # The user's rate-limit count rides on the same round trip (common/throttles.py); the token names the user.
        hit = self._user_hit(user_id)
        access: Access | None = None
        try:
            access = access_check(session_id=session_id, user_id=user_id, read_ahead=read_ahead, hit=hit)
        finally:
            if hit is not None and request is not None:  # given back unless the request goes on to the throttle
                api_user_hit_settle(request._request, hit, signed_in=access is Access.LIVE)
        if view is not None:
            view.read_ahead = read_ahead  # filled in by access_check
        if access is Access.SESSION_ENDED:
            raise SessionEnded()
        if access is Access.USER_INACTIVE:
            raise AuthenticationFailed("User is inactive", code=ErrorCode.USER_INACTIVE)
        return token

    def _view(self) -> Any:
        """This request's view when it declares cached reads (common.views.ApiView.cached_reads): their keys
        are fetched with the session's, so a cached read costs no second round trip. (Duck-typed: DRF imports
        this module while it defines APIView, so it cannot import the ApiView subclass.)"""
        view = (getattr(self._request, "parser_context", None) or {}).get("view")
        return view if getattr(view, "cached_reads", None) else None

    def _user_hit(self, user_id: str) -> PendingHit | None:
        """The ``user`` rate-limit hit of this request's view, keyed as the throttle keys it (``str(user.pk)``);
        only when DRF runs this authentication for the view, right before its throttles (a view that calls it by
        hand, as logout does, has been counted already)."""
        request = self._request
        view = (getattr(request, "parser_context", None) or {}).get("view")
        authenticators = getattr(view, "authentication_classes", ())
        if request is None or not any(issubclass(kind, SessionJWTAuthentication) for kind in authenticators):
            return None
        try:
            identity = str(uuid.UUID(user_id))
        except ValueError:
            return None  # refused below as it always was; the throttle never runs
        return api_user_hit(request._request, view, identity)

    def get_user(self, validated_token: Token) -> User:  # type: ignore[override]
        try:
            user_id = uuid.UUID(validated_token[api_settings.USER_ID_CLAIM])
        except (KeyError, ValueError, TypeError) as exc:
            raise InvalidToken("Token contained no recognizable user identification") from exc
        # Known to exist and be active (get_validated_token); every other field is deferred.
        return User.from_db(router.db_for_read(User), ["id", "is_active"], [user_id, True])
