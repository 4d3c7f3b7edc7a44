"""The /api/auth/email/ endpoints: address verification and email change. Thin views, as in apis.py; the OpenAPI
description of each operation is in email_openapi.py, the flows in services/email_verification.py and
services/email_change.py."""

from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from backend.common.views import ApiView

from . import email_openapi, email_serializers, selectors, services
from .api_base import PublicAuthApi, current_session_id, current_user, reauthentication_require_confirming
from .cookies import device_cookie_set
from .login_limits import EMAIL_VERIFY_RESEND, account_attempt, device_account
from .models import User
from .serializers import UserOutputSerializer


class EmailVerifyApi(PublicAuthApi):
    rate_limit_scopes = ("email_verify_ip",)

    @email_openapi.email_verify
    def post(self, request: Request) -> Response:
        data = email_serializers.EmailLinkInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.email_verify(token=data.validated_data["token"])
        return _known_device(Response({"email": user.email, "email_verified": user.email_verified}), user)


class EmailVerifyResendApi(PublicAuthApi):
    rate_limit_scopes = ("email_verify_resend_ip",)

    @email_openapi.email_verify_resend
    def post(self, request: Request) -> Response:
        data = email_serializers.EmailVerifyResendInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # Per account, by device, as password-reset emails (login_limits.py): nobody can use up the owner's.
        attempt = account_attempt(request._request, email=data.validated_data["email"], limits=EMAIL_VERIFY_RESEND)
        attempt.raise_if_throttled()
        services.email_verification_resend(email=data.validated_data["email"])
        return Response(status=status.HTTP_202_ACCEPTED)


class EmailChangeApi(ApiView):
    rate_limit_scopes = ("email_change_ip",)
    rate_limit_user_scopes = ("email_change_user",)

    @email_openapi.email_change
    def post(self, request: Request) -> Response:
        data = email_serializers.EmailChangeInputSerializer(
            data=request.data, account_has_password=current_user(request).has_usable_password()
        )
        data.is_valid(raise_exception=True)
        user = current_user(request)
        reauthentication_require_confirming(request, current_password=data.validated_data.get("current_password"))
        services.email_change_request(
            user=user, new_email=data.validated_data["new_email"], session_id=current_session_id(request)
        )
        return Response(status=status.HTTP_202_ACCEPTED)


class EmailChangePendingApi(ApiView):
    """Apart from EmailChangeApi: its rate limits count changes asked, not the account page's reads."""

    @email_openapi.email_change_pending
    def get(self, request: Request) -> Response:
        pending = selectors.email_change_pending_get(user_id=str(current_user(request).pk))
        return Response(email_serializers.EmailChangePendingOutputSerializer({"pending": pending}).data)

    @email_openapi.email_change_cancel
    def delete(self, request: Request) -> Response:
        services.email_change_cancel(user=current_user(request), session_id=current_session_id(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class EmailChangeConfirmApi(PublicAuthApi):
    rate_limit_scopes = ("email_change_confirm_ip",)

    @email_openapi.email_change_confirm
    def post(self, request: Request) -> Response:
        data = email_serializers.EmailLinkInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.email_change_confirm(token=data.validated_data["token"])
        return _known_device(Response({"user": UserOutputSerializer(user).data}), user)


def _known_device(response: Response, user: User) -> Response:
    """The browser that followed a link proved it reads the account's mail: it becomes a known device for the
    address (as after a password reset), so signing in from it sends no new-device notice and is not locked out
    with unknown devices (login_limits.py). After an email change this moves the device to the new address."""
    device_cookie_set(response, account=device_account(user))
    return response
