"""The /api/auth/ endpoints: thin views that validate, call one service or selector, and serialize.

The OpenAPI description of each operation is in openapi.py.
"""

from typing import Any, cast

from rest_framework import status
from rest_framework.exceptions import AuthenticationFailed, Throttled, UnsupportedMediaType
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework_simplejwt.tokens import Token

from backend.common.errors import ErrorCode
from backend.common.request_meta import client_ip, user_agent
from backend.common.views import ApiView

from . import openapi, selectors, serializers, services
from .authentication import SessionJWTAuthentication
from .cookies import device_cookie_set, refresh_cookie_clear, refresh_cookie_get, refresh_cookie_set
from .login_limits import LOGIN, PASSWORD_RESET, account_attempt, account_key, login_email_identity
from .models import User
from .tokens import SESSION_CLAIM


def _token_response(body: dict[str, Any], issued: services.IssuedSession, *, status_code: int) -> Response:
    """A response carrying a new access token (in ``body``) and refresh cookie. ``no-store``: no browser or proxy
    cache may keep either (a shared cache would hand the token to the next client asking)."""
    response = Response(body, status=status_code, headers={"Cache-Control": "no-store"})
    refresh_cookie_set(response, token=issued.tokens.refresh, expires_at=issued.session.expires_at)
    return response


def _signed_in_response(issued: services.IssuedSession, *, status_code: int) -> Response:
    body = {
        "user": serializers.UserOutputSerializer(issued.session.user).data,
        "access": issued.tokens.access,
    }
    return _token_response(body, issued, status_code=status_code)


def _current_session_id(request: Request) -> str | None:
    token = request.auth
    value = token.get(SESSION_CLAIM) if isinstance(token, Token) else None
    return value if isinstance(value, str) else None


def _user(request: Request) -> User:
    """The authenticated user; these views require IsAuthenticated, so never anonymous."""
    return cast(User, request.user)


class _PublicAuthAPI(ApiView):
    """Endpoints reachable without an access token; a stale Authorization header is ignored."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    def get_authenticate_header(self, request: Request) -> str:
        # Without this DRF turns our 401s (bad credentials, dead refresh token) into 403s.
        return SessionJWTAuthentication().authenticate_header(request)


class _CookieAuthAPI(_PublicAuthAPI):
    """Endpoints driven by the refresh cookie accept only a JSON body (the schema requires one), so a cross-site
    form cannot reach them."""

    def refresh_token_from(self, request: Request) -> tuple[str | None, bool]:
        """The presented refresh token (the body's wins) and whether it came from the cookie."""
        media_type = (request.content_type or "").split(";")[0].strip().lower()
        if media_type != "application/json":
            raise UnsupportedMediaType(request.content_type or "none")
        cookie = refresh_cookie_get(request)
        body = serializers.RefreshInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        from_body = body.validated_data.get("refresh")
        if from_body:
            return from_body, False
        return cookie, cookie is not None


class RegisterApi(_PublicAuthAPI):
    rate_limit_scopes = ("register_ip",)

    @openapi.register
    def post(self, request: Request) -> Response:
        data = serializers.RegisterInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        issued = services.user_register(
            **data.validated_data, user_agent=user_agent(request), ip_address=client_ip(request)
        )
        response = _signed_in_response(issued, status_code=status.HTTP_201_CREATED)
        device_cookie_set(response, account=account_key(login_email_identity(issued.session.user.email)))
        return response


class LoginApi(_PublicAuthAPI):
    # login_ip is counted by account_attempt, for devices the account does not know only.

    @openapi.login
    def post(self, request: Request) -> Response:
        data = serializers.LoginInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # Counted on this device's buckets before the password is checked, so parallel guesses cannot all slip
        # in; a successful attempt is given back, leaving only failures counted (login_limits.py).
        attempt = account_attempt(request._request, email=data.validated_data["email"], limits=LOGIN)
        attempt.raise_if_refused()
        user = services.user_authenticate(**data.validated_data)
        attempt.refund()
        issued = services.session_start(user=user, user_agent=user_agent(request), ip_address=client_ip(request))
        response = _signed_in_response(issued, status_code=status.HTTP_200_OK)
        device_cookie_set(response, account=attempt.account)
        return response


class RefreshApi(_CookieAuthAPI):
    rate_limit_scopes = ("refresh_ip",)

    @openapi.refresh
    def post(self, request: Request) -> Response:
        raw, from_cookie = self.refresh_token_from(request)
        if not raw:
            raise services.RefreshRejected("No refresh token was provided.", code=ErrorCode.REFRESH_TOKEN_MISSING)
        try:
            issued = services.session_rotate(
                raw_refresh=raw, user_agent=user_agent(request), ip_address=client_ip(request)
            )
        except AuthenticationFailed as exc:
            response = self.handle_exception(exc)
            if from_cookie:
                refresh_cookie_clear(response)  # it is dead; the browser should drop it
            return response
        return _token_response({"access": issued.tokens.access}, issued, status_code=status.HTTP_200_OK)


class LogoutApi(_CookieAuthAPI):
    @openapi.logout
    def post(self, request: Request) -> Response:
        raw, _ = self.refresh_token_from(request)
        services.session_logout(raw_refresh=raw, access_session=self._access_token_session(request))
        response = Response(status=status.HTTP_204_NO_CONTENT)
        refresh_cookie_clear(response)
        return response

    @staticmethod
    def _access_token_session(request: Request) -> tuple[User, str] | None:
        """A still-valid access token also names a session to end; an expired or revoked one is ignored."""
        try:
            result = SessionJWTAuthentication().authenticate(request)
        except AuthenticationFailed:
            return None
        if result is None:
            return None
        user, token = result
        return cast(User, user), str(token[SESSION_CLAIM])


class LogoutAllApi(ApiView):
    @openapi.logout_all
    def post(self, request: Request) -> Response:
        services.sessions_revoke_for_user(user=_user(request), acting_session_id=_current_session_id(request))
        response = Response(status=status.HTTP_204_NO_CONTENT)
        refresh_cookie_clear(response)
        return response


class MeApi(ApiView):
    @openapi.me_retrieve
    def get(self, request: Request) -> Response:
        return Response(serializers.UserOutputSerializer(_user(request)).data)

    @openapi.me_update
    def patch(self, request: Request) -> Response:
        data = serializers.ProfileUpdateInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        user = _user(request)
        if "name" in data.validated_data:  # PATCH: only what is given changes
            user = services.user_update(user=user, name=data.validated_data["name"])
        return Response(serializers.UserOutputSerializer(user).data)


class PasswordChangeApi(ApiView):
    @openapi.password_change
    def post(self, request: Request) -> Response:
        data = serializers.PasswordChangeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user, session_id = _user(request), _current_session_id(request)
        # A wrong current password is a failed sign-in for the account's limits (per known device, or per
        # address and account): counted first, given back if right (login_limits.py).
        attempt = account_attempt(request._request, email=user.email, limits=LOGIN, count_client=False)
        attempt.raise_if_refused()
        services.user_password_confirm(
            user=user, password=data.validated_data["current_password"], session_id=session_id
        )
        attempt.refund()
        services.user_change_password(
            user=user, new_password=data.validated_data["new_password"], keep_session_id=session_id
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordResetApi(_PublicAuthAPI):
    rate_limit_scopes = ("password_reset_ip",)

    @openapi.password_reset
    def post(self, request: Request) -> Response:
        data = serializers.PasswordResetInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        attempt = account_attempt(request._request, email=data.validated_data["email"], limits=PASSWORD_RESET)
        if attempt.refused is not None:
            raise Throttled(wait=attempt.refused.reset_after)
        services.password_reset_request(email=data.validated_data["email"])
        return Response(status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmApi(_PublicAuthAPI):
    @openapi.password_reset_confirm
    def post(self, request: Request) -> Response:
        data = serializers.PasswordResetConfirmInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.password_reset_confirm(**data.validated_data)
        response = Response(status=status.HTTP_204_NO_CONTENT)
        # The browser that proved it reads the account's mail becomes a known device: it can sign in at once,
        # even while sign-in from unknown devices is locked out (login_limits.py).
        device_cookie_set(response, account=account_key(login_email_identity(user.email)))
        return response


class SessionListApi(ApiView):
    @openapi.sessions_list
    def get(self, request: Request) -> Response:
        sessions = selectors.session_list_live(user=_user(request))
        context = {"current_session_id": _current_session_id(request)}
        return Response(serializers.SessionOutputSerializer(sessions, many=True, context=context).data)


class SessionDetailApi(ApiView):
    @openapi.session_revoke
    def delete(self, request: Request, session_id: str, **kwargs: Any) -> Response:
        session = selectors.session_get_for_user(user=_user(request), session_id=session_id)
        services.session_revoke(session=session)
        return Response(status=status.HTTP_204_NO_CONTENT)
