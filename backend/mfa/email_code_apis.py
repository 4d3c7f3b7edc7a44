"""Sign-in with an emailed code (docs/mfa.md): thin views over services/email_code.py."""

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from backend.accounts.api_base import NO_STORE, PublicAuthApi, first_factor_passed
from backend.accounts.assurance import EMAIL_CODE
from backend.accounts.login_limits import LOGIN_CODE, account_attempt
from backend.common.request_meta import client_ip, user_agent

from . import email_code_openapi
from .email_code_serializers import (
    LoginCodeConfirmInputSerializer,
    LoginCodeRequestInputSerializer,
    LoginCodeRequestOutputSerializer,
)
from .services.email_code import email_code_request, email_code_sign_in


class _LoginCodeApi(PublicAuthApi):
    def initial(self, request: Request, *args: object, **kwargs: object) -> None:
        if not settings.LOGIN_BY_CODE_ENABLED:  # before the rate limits: nothing to count for an endpoint that is off
            raise NotFound()
        super().initial(request, *args, **kwargs)


class LoginCodeRequestApi(_LoginCodeApi):
    rate_limit_scopes = ("login_code_ip",)

    @email_code_openapi.login_code_request
    def post(self, request: Request) -> Response:
        data = LoginCodeRequestInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        email = data.validated_data["email"]
        # Per account and device, as reset emails are (login_limits.py): nobody can use up the owner's codes.
        account_attempt(request._request, email=email, limits=LOGIN_CODE).raise_if_throttled()
        token, expires_at = email_code_request(
            email=email, user_agent=user_agent(request), ip_address=client_ip(request)
        )
        body = LoginCodeRequestOutputSerializer({"login_token": token, "expires_at": expires_at}).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers=NO_STORE)


class LoginCodeConfirmApi(_LoginCodeApi):
    # The account's sign-in limits, login_ip among them, count each code checked (services/email_code.py).

    @email_code_openapi.login_code_confirm
    def post(self, request: Request) -> Response:
        data = LoginCodeConfirmInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return email_code_sign_in(
            request._request,
            token=data.validated_data["login_token"],
            code=data.validated_data["code"],
            complete=lambda user: first_factor_passed(request, user=user, first_factor=EMAIL_CODE),
        )
