"""The second step of a sign-in and re-authentication (docs/mfa.md): thin views over services/sign_in.py.

The passkey options these take come from passkey_apis.py."""

from rest_framework.request import Request
from rest_framework.response import Response

from backend.accounts import services as account_services
from backend.accounts.api_base import (
    PublicAuthApi,
    current_password_confirm,
    current_session_id,
    current_user,
    sign_in_complete,
)
from backend.accounts.assurance import PASSWORD
from backend.accounts.selectors import session_authentication
from backend.accounts.services.reauthentication import SECOND_FACTOR_NEEDED, ReauthenticationRequired
from backend.common.views import ApiView

from . import sign_in_openapi
from .selectors import reauthentication_level
from .services.second_factor import SecondFactorAnswer
from .services.sign_in import mfa_sign_in_finish, second_factor_reauthenticate
from .sign_in_serializers import (
    MfaAuthenticateInputSerializer,
    ReauthenticatedOutputSerializer,
    ReauthenticateInputSerializer,
)


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
        session_id = current_session_id(request)
        if session_id is None:
            raise ReauthenticationRequired()
        session = session_authentication(session_id=session_id)
        password = data.validated_data.get("password")
        if password is not None:
            level = reauthentication_level(current_user(request))
            if not account_services.method_meets_level(level=level, method=PASSWORD):
                raise ReauthenticationRequired(SECOND_FACTOR_NEEDED)
            current_password_confirm(request, password, field="password")
            reauthenticated = account_services.session_reauthenticate(session=session, method=PASSWORD)
        else:
            reauthenticated = second_factor_reauthenticate(
                request._request,
                user=current_user(request),
                session=session,
                answer=SecondFactorAnswer.from_data(data.validated_data),
                reauth_token=data.validated_data.get("reauth_token"),
                complete=lambda method: account_services.session_reauthenticate(session=session, method=method),
            )
        body = {
            "authenticated_at": reauthenticated.authenticated_at,
            "reauthenticated_until": account_services.reauthenticated_until(reauthenticated),
        }
        return Response(ReauthenticatedOutputSerializer(body).data)
