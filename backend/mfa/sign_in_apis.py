"""The second step of a sign-in and re-authentication (docs/mfa.md): thin views over services/sign_in.py.

The passkey options these take come from passkey_apis.py."""

from rest_framework.request import Request
from rest_framework.response import Response

from backend.accounts.api_base import PublicAuthApi, current_session_id_required, current_user, sign_in_complete
from backend.common.views import ApiView

from . import sign_in_openapi
from .services.second_factor import SecondFactorAnswer
from .services.sign_in import mfa_sign_in_finish, session_reauthenticate_with_answer
from .sign_in_serializers import MfaAuthenticateInputSerializer, ReauthenticateInputSerializer, reauthenticated_data


class MfaAuthenticateApi(PublicAuthApi):
    @sign_in_openapi.mfa_authenticate
    def post(self, request: Request) -> Response:
        data = MfaAuthenticateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return mfa_sign_in_finish(
            request._request,
            token=data.validated_data["mfa_token"],
            answer=SecondFactorAnswer.from_data(data.validated_data),
            complete=lambda user, amr: sign_in_complete(request, user=user, amr=amr),
        )


class ReauthenticateApi(ApiView):
    @sign_in_openapi.reauthenticate
    def post(self, request: Request) -> Response:
        data = ReauthenticateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reauthenticated = session_reauthenticate_with_answer(
            request._request,
            user=current_user(request),
            session_id=current_session_id_required(request),
            password=data.validated_data.get("password"),
            answer=SecondFactorAnswer.from_data(data.validated_data),
            reauth_token=data.validated_data.get("reauth_token"),
        )
        return Response(reauthenticated_data(reauthenticated))
