"""The /api/auth/ endpoints: thin views that validate, call one service or selector, and serialize.

The OpenAPI description of each operation is in openapi.py.
"""

from typing import Any, cast

from rest_framework import status
from rest_framework.exceptions import AuthenticationFailed, UnsupportedMediaType
from rest_framework.request import Request
from rest_framework.response import Response

from backend.common.errors import ErrorCode
from backend.common.request_meta import client_ip, user_agent
from backend.common.throttles import client_limits_refund, rate_limit_enforce
from backend.common.views import ApiView

from . import account_openapi, account_serializers, openapi, selectors, serializers, services
from .api_base import (
    PublicAuthApi,
    current_session_id,
    current_user,
    first_factor_passed,
    reauthentication_require_confirming,
    signed_in_response,
)
from .assurance import PASSWORD
from .authentication import SessionJWTAuthentication
from .cookies import device_cookie_get, device_cookie_set, refresh_cookie_clear, refresh_cookie_get
from .login_limits import LOGIN, PASSWORD_RESET, account_attempt, device_account, device_accounts
from .models import User
from .services.password_reset import password_reset_confirm, password_reset_request
from .tokens import SESSION_CLAIM, InvalidRefreshToken, refresh_token_decode


class _CookieAuthAPI(PublicAuthApi):
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


class RegisterApi(PublicAuthApi):
    rate_limit_scopes = ("register_ip",)

    @openapi.register
    def post(self, request: Request) -> Response:
        data = serializers.RegisterInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if services.email_verification_mandatory():  # no session until the emailed link is followed
            user = services.user_register_unverified(**data.validated_data)
            body = {"user": serializers.UserOutputSerializer(user).data, "email_verification_required": True}
            return Response(body, status=status.HTTP_202_ACCEPTED)
        issued = services.user_register(
            **data.validated_data, user_agent=user_agent(request), ip_address=client_ip(request)
        )
        response = signed_in_response(issued, status_code=status.HTTP_201_CREATED)
        device_cookie_set(response, account=device_account(issued.session.user))
        return response


class LoginApi(PublicAuthApi):
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
        return first_factor_passed(request, user=user, first_factor=PASSWORD)


class RefreshApi(_CookieAuthAPI):
    # Per client IP, only failures stay counted (anon and refresh_ip are given back once a refresh works): every
    # user behind one address (an office, a mobile carrier's NAT) refreshes every few minutes, and they must not
    # refuse each other. Each session's own refreshes count on refresh_session instead.
    rate_limit_scopes = ("refresh_ip",)

    @openapi.refresh
    def post(self, request: Request) -> Response:
        raw, from_cookie = self.refresh_token_from(request)
        if not raw:
            raise services.RefreshRejected("No refresh token was provided.", code=ErrorCode.REFRESH_TOKEN_MISSING)
        try:
            _session_refresh_count(request, raw)
            issued = services.session_rotate(
                raw_refresh=raw, user_agent=user_agent(request), ip_address=client_ip(request)
            )
        except AuthenticationFailed as exc:
            response = self.handle_exception(exc)
            if from_cookie:
                refresh_cookie_clear(response)  # it is dead; the browser should drop it
            return response
        client_limits_refund(request._request, scopes=("anon", *self.rate_limit_scopes))
        return signed_in_response(issued, status_code=status.HTTP_200_OK)


def _session_refresh_count(request: Request, raw: str) -> None:
    """Count this refresh on its session's ``refresh_session`` limit (429 over it); a token that does not verify
    names no session, and session_rotate refuses it."""
    try:
        session_id = str(refresh_token_decode(raw)[SESSION_CLAIM])
    except InvalidRefreshToken:
        return
    rate_limit_enforce(request._request, "refresh_session", session_id)


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
        user = current_user(request)
        known_device = device_cookie_get(request._request, accounts=device_accounts(user)) is not None
        services.sessions_revoke_for_user(user=user, acting_session_id=current_session_id(request))
        response = Response(status=status.HTTP_204_NO_CONTENT)
        refresh_cookie_clear(response)
        if known_device:
            # The new revocation key retired every device cookie (login_limits.account_key): the browser that asked
            # stays a known device of the account, so its owner's next sign-in is neither news nor locked out.
            device_cookie_set(response, account=device_account(user))
        return response


class MeApi(ApiView):
    @openapi.me_retrieve
    def get(self, request: Request) -> Response:
        return Response(serializers.UserOutputSerializer(current_user(request)).data)

    @openapi.me_update
    def patch(self, request: Request) -> Response:
        data = serializers.ProfileUpdateInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        user = current_user(request)
        if "name" in data.validated_data:  # PATCH: only what is given changes
            user = services.user_update(user=user, name=data.validated_data["name"])
        return Response(serializers.UserOutputSerializer(user).data)

    @account_openapi.me_delete
    def delete(self, request: Request) -> Response:
        data = account_serializers.AccountDeleteInputSerializer(
            data=request.data, account_has_password=current_user(request).has_usable_password()
        )
        data.is_valid(raise_exception=True)
        reauthentication_require_confirming(request, current_password=data.validated_data.get("current_password"))
        services.user_delete(user=current_user(request), acting_session_id=current_session_id(request))
        response = Response(status=status.HTTP_204_NO_CONTENT)
        refresh_cookie_clear(response)
        return response


class PasswordChangeApi(ApiView):
    @openapi.password_change
    def post(self, request: Request) -> Response:
        data = serializers.PasswordChangeInputSerializer(
            data=request.data, account_has_password=current_user(request).has_usable_password()
        )
        data.is_valid(raise_exception=True)
        user, session_id = current_user(request), current_session_id(request)
        reauthentication_require_confirming(request, current_password=data.validated_data.get("current_password"))
        services.user_change_password(
            user=user, new_password=data.validated_data["new_password"], keep_session_id=session_id
        )
        response = Response(status=status.HTTP_204_NO_CONTENT)
        # The change retired every device cookie of the account (login_limits.account_key); this browser has just
        # proved the password, so it stays a known device.
        device_cookie_set(response, account=device_account(user))
        return response


class PasswordResetApi(PublicAuthApi):
    rate_limit_scopes = ("password_reset_ip",)

    @openapi.password_reset
    def post(self, request: Request) -> Response:
        data = serializers.PasswordResetInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        attempt = account_attempt(request._request, email=data.validated_data["email"], limits=PASSWORD_RESET)
        attempt.raise_if_throttled()
        password_reset_request(email=data.validated_data["email"])
        return Response(status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmApi(PublicAuthApi):
    @openapi.password_reset_confirm
    def post(self, request: Request) -> Response:
        data = serializers.PasswordResetConfirmInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = password_reset_confirm(**data.validated_data)
        response = Response(status=status.HTTP_204_NO_CONTENT)
        # The browser that proved it reads the account's mail becomes a known device: it can sign in at once,
        # even while sign-in from unknown devices is locked out (login_limits.py).
        device_cookie_set(response, account=device_account(user))
        return response


class SessionListApi(ApiView):
    @openapi.sessions_list
    def get(self, request: Request) -> Response:
        sessions = selectors.session_list_live(user=current_user(request))
        context = {"current_session_id": current_session_id(request)}
        return Response(serializers.SessionOutputSerializer(sessions, many=True, context=context).data)


class SessionDetailApi(ApiView):
    body_after_lookup = True  # another user's session is a 404 whatever the request holds

    @openapi.session_revoke
    def delete(self, request: Request, session_id: str, **kwargs: Any) -> Response:
        session = selectors.session_get_for_user(user=current_user(request), session_id=session_id)
        self.check_body(request)
        services.session_revoke(session=session)
        return Response(status=status.HTTP_204_NO_CONTENT)
