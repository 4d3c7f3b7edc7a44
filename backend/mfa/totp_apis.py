"""The account's MFA status, its authenticator app and its recovery codes under /api/auth/mfa/ (docs/mfa.md): thin
views over services/totp.py and services/recovery_codes.py. The OpenAPI description is in totp_openapi.py."""

from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from backend.accounts import services as account_services
from backend.accounts.api_base import (
    ReauthenticationRequired,
    current_session_id,
    current_user,
    enrolment_finish_allowed,
    reauthentication_require,
)
from backend.accounts.assurance import TOTP
from backend.accounts.login_limits import LOGIN, account_attempt
from backend.accounts.selectors import session_authentication
from backend.accounts.services.sessions import SessionEnded
from backend.common.views import ApiView

from . import selectors, totp_openapi
from .errors import FactorNeedsConfirmedEmail, MfaStateConflict
from .serializers import MfaStatusOutputSerializer
from .services.recovery_codes import recovery_codes_regenerate
from .services.second_factor import SecondFactorAnswer, second_factor_verify
from .services.totp import NOT_ENABLED, totp_disable, totp_enrol_confirm, totp_enrol_start
from .status_selectors import mfa_status_get
from .totp_serializers import (
    RecoveryCodesOutputSerializer,
    TotpConfirmInputSerializer,
    TotpDisableInputSerializer,
    TotpEnrolmentOutputSerializer,
)

# Secrets and recovery codes are shown once: no browser or proxy cache may keep them.
NO_STORE = {"Cache-Control": "no-store"}


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
        user = current_user(request)
        if selectors.totp_confirmed_get(user=user) is None:  # before the check: no code to spend on nothing
            raise MfaStateConflict(NOT_ENABLED)
        # The user's own session: the per-IP sign-in limit does not apply, the account's buckets do.
        answer = SecondFactorAnswer.from_data(data.validated_data)
        second_factor_verify(
            request._request, user=user, answer=answer, count_client=False, session_id=current_session_id(request)
        )
        totp_disable(user=user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TotpConfirmApi(ApiView):
    @totp_openapi.totp_enrol_confirm
    def post(self, request: Request) -> Response:
        data = TotpConfirmInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        enrolment_finish_allowed(request)
        user = current_user(request)
        # A wrong first code counts as a failed sign-in like any other code (second_factor.py): the same buckets,
        # counted before the check and given back when right, so guessing cannot go faster here.
        attempt = account_attempt(request._request, email=user.email, limits=LOGIN, count_client=False)
        attempt.raise_if_refused()
        session_id = current_session_id(request)
        try:
            codes = totp_enrol_confirm(user=user, code=data.validated_data["code"], acting_session_id=session_id)
        except (MfaStateConflict, FactorNeedsConfirmedEmail, ReauthenticationRequired, SessionEnded):
            attempt.refund()  # nothing was guessed wrong: refused before the code was checked, or after a right one
            raise
        attempt.refund()
        if session_id is not None:
            # The user just proved the factor: this session now counts as signed in with two.
            account_services.session_factor_proven(session=session_authentication(session_id=session_id), method=TOTP)
        return Response(RecoveryCodesOutputSerializer({"recovery_codes": codes}).data, headers=NO_STORE)


class RecoveryCodesApi(ApiView):
    @totp_openapi.recovery_codes_regenerate
    def post(self, request: Request) -> Response:
        reauthentication_require(request)
        user = current_user(request)
        if not selectors.mfa_enabled(user=user):
            raise MfaStateConflict("Recovery codes come with a second factor: enable the authenticator app first.")
        codes = recovery_codes_regenerate(user=user)
        return Response(RecoveryCodesOutputSerializer({"recovery_codes": codes}).data, headers=NO_STORE)
