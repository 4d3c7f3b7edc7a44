"""Under /api/auth/mfa/ (docs/mfa.md): the account's MFA status (read by status_selectors.py), its authenticator app
(services/totp.py: enrolling, confirming and turning it off, the last with a second factor checked by
services/second_factor.py) and its recovery codes (services/recovery_codes.py). The OpenAPI description is in
totp_openapi.py."""

from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from backend.accounts.api_base import (
    NO_STORE,
    current_session_id,
    current_user,
    enrolment_finish_allowed,
    reauthentication_require,
)
from backend.common.views import ApiView

from . import totp_openapi
from .serializers import MfaStatusOutputSerializer
from .services.recovery_codes import recovery_codes_regenerate
from .services.second_factor import SecondFactorAnswer
from .services.totp import totp_disable_with_answer, totp_enrol_confirm, totp_enrol_start
from .status_selectors import mfa_status_get
from .totp_serializers import (
    RecoveryCodesOutputSerializer,
    TotpConfirmInputSerializer,
    TotpDisableInputSerializer,
    TotpEnrolmentOutputSerializer,
)


class MfaStatusApi(ApiView):
    @totp_openapi.mfa_status
    def get(self, request: Request) -> Response:
        body = mfa_status_get(user=current_user(request), session_id=current_session_id(request))
        return Response(MfaStatusOutputSerializer(body).data)


class TotpApi(ApiView):
    @totp_openapi.totp_enrol_start
    def post(self, request: Request) -> Response:
        reauthentication_require(request)
        enrolment = totp_enrol_start(user=current_user(request))
        body = TotpEnrolmentOutputSerializer(enrolment).data
        return Response(body, status=status.HTTP_201_CREATED, headers=NO_STORE)

    @totp_openapi.totp_disable
    def delete(self, request: Request) -> Response:
        reauthentication_require(request)
        data = TotpDisableInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        totp_disable_with_answer(
            request=request._request,
            user=current_user(request),
            answer=SecondFactorAnswer.from_data(data.validated_data),
            session_id=current_session_id(request),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class TotpConfirmApi(ApiView):
    @totp_openapi.totp_enrol_confirm
    def post(self, request: Request) -> Response:
        data = TotpConfirmInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        enrolment_finish_allowed(request)
        codes = totp_enrol_confirm(
            user=current_user(request),
            code=data.validated_data["code"],
            acting_session_id=current_session_id(request),
            request=request._request,
        )
        return Response(RecoveryCodesOutputSerializer({"recovery_codes": codes}).data, headers=NO_STORE)


class RecoveryCodesApi(ApiView):
    @totp_openapi.recovery_codes_regenerate
    def post(self, request: Request) -> Response:
        reauthentication_require(request)
        codes = recovery_codes_regenerate(user=current_user(request))
        return Response(RecoveryCodesOutputSerializer({"recovery_codes": codes}).data, headers=NO_STORE)
