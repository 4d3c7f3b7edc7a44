"""Passkeys under /api/auth/ (docs/mfa.md): registering, listing, renaming and deleting them, the request options of
the ceremonies that use one (a sign-in's second step, a re-authentication), and passwordless sign-in. Thin views
over services/passkeys.py and services/passwordless.py; the OpenAPI description is in passkey_openapi.py."""

from typing import Any

from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from backend.accounts.api_base import (
    NO_STORE,
    PublicAuthApi,
    current_session_id,
    current_session_id_required,
    current_user,
    enrolment_finish_allowed,
    reauthentication_require,
    sign_in_complete,
)
from backend.accounts.assurance import PASSKEY
from backend.common.views import ApiView

from . import passkey_openapi, selectors
from .passkey_serializers import (
    AuthenticationOptionsOutputSerializer,
    MfaAuthenticateOptionsInputSerializer,
    PasskeyRegisteredOutputSerializer,
    PasskeyRegisterInputSerializer,
    PasskeyRegistrationOptionsOutputSerializer,
    PasskeyRenameInputSerializer,
    PasswordlessLoginInputSerializer,
    PasswordlessOptionsOutputSerializer,
    ReauthenticateOptionsOutputSerializer,
)
from .serializers import PasskeyOutputSerializer
from .services.passkeys import (
    passkey_delete,
    passkey_reauthentication_options,
    passkey_register,
    passkey_registration_options,
    passkey_rename,
    passkey_sign_in_options,
)
from .services.passwordless import passwordless_options, passwordless_sign_in


class PasskeyRegistrationOptionsApi(ApiView):
    @passkey_openapi.registration_options
    def post(self, request: Request) -> Response:
        reauthentication_require(request)
        started = passkey_registration_options(
            user=current_user(request), session_id=current_session_id_required(request)
        )
        body = {"registration_token": started.token, "options": started.options}
        return Response(PasskeyRegistrationOptionsOutputSerializer(body).data, headers=NO_STORE)


class PasskeysApi(ApiView):
    @passkey_openapi.list_passkeys
    def get(self, request: Request) -> Response:
        passkeys = selectors.passkey_list(user=current_user(request))
        return Response(PasskeyOutputSerializer(passkeys, many=True).data)

    @passkey_openapi.register
    def post(self, request: Request) -> Response:
        data = PasskeyRegisterInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        enrolment_finish_allowed(request)
        session_id = current_session_id_required(request)
        # The challenge's session and the one saving the passkey (checked again, then raised to two factors) are
        # one here; a shell may name only the former (passkey_register).
        passkey, codes = passkey_register(
            user=current_user(request),
            session_id=session_id,
            token=data.validated_data["registration_token"],
            name=data.validated_data["name"],
            credential=data.validated_data["passkey"],
            acting_session_id=session_id,
        )
        body = PasskeyRegisteredOutputSerializer({"passkey": passkey, "recovery_codes": codes}).data
        return Response(body, status=status.HTTP_201_CREATED, headers=NO_STORE)


class PasskeyDetailApi(ApiView):
    body_after_lookup = True  # another account's passkey is a 404 whatever the request holds

    @passkey_openapi.rename
    def patch(self, request: Request, passkey_id: str, **kwargs: Any) -> Response:
        passkey = selectors.passkey_get_for_user(user=current_user(request), passkey_id=passkey_id)
        data = PasskeyRenameInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        passkey = passkey_rename(passkey=passkey, name=data.validated_data["name"])
        return Response(PasskeyOutputSerializer(passkey).data)

    @passkey_openapi.delete
    def delete(self, request: Request, passkey_id: str, **kwargs: Any) -> Response:
        passkey = selectors.passkey_get_for_user(user=current_user(request), passkey_id=passkey_id)
        self.check_body(request)
        reauthentication_require(request)
        passkey_delete(passkey=passkey, session_id=current_session_id(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class MfaAuthenticateOptionsApi(PublicAuthApi):
    @passkey_openapi.mfa_authenticate_options
    def post(self, request: Request) -> Response:
        data = MfaAuthenticateOptionsInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        options = passkey_sign_in_options(token=data.validated_data["mfa_token"])
        return Response(AuthenticationOptionsOutputSerializer({"options": options}).data, headers=NO_STORE)


class PasswordlessOptionsApi(PublicAuthApi):
    # Each call writes a challenge row for nobody in particular: limited per client address.
    rate_limit_scopes = ("passkey_options_ip",)

    @passkey_openapi.passwordless_options
    def post(self, request: Request) -> Response:
        started = passwordless_options()
        body = {"passkey_token": started.token, "options": started.options}
        return Response(PasswordlessOptionsOutputSerializer(body).data, headers=NO_STORE)


class PasswordlessLoginApi(PublicAuthApi):
    # No account is named until the passkey is verified, so the account's sign-in buckets cannot apply before the
    # check: the per-address limit does, and each challenge takes MFA_CHALLENGE_MAX_FAILURES wrong answers at most.
    rate_limit_scopes = ("passkey_options_ip",)

    @passkey_openapi.passwordless_login
    def post(self, request: Request) -> Response:
        data = PasswordlessLoginInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return passwordless_sign_in(
            token=data.validated_data["passkey_token"],
            credential=data.validated_data["passkey"],
            complete=lambda user: sign_in_complete(request, user=user, amr=(PASSKEY,)),
        )


class ReauthenticateOptionsApi(ApiView):
    @passkey_openapi.reauthenticate_options
    def post(self, request: Request) -> Response:
        started = passkey_reauthentication_options(
            user=current_user(request), session_id=current_session_id_required(request)
        )
        body = {"reauth_token": started.token, "options": started.options}
        return Response(ReauthenticateOptionsOutputSerializer(body).data, headers=NO_STORE)
