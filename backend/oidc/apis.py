"""/api/auth/oidc/: signing in with OpenID Connect providers (docs/sso.md). Thin views over services/; the OpenAPI
description is in openapi.py."""

from typing import Any, cast

from rest_framework import status
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated, NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework_simplejwt.tokens import Token

from backend.accounts import services as account_services
from backend.accounts.api_base import (
    NO_STORE,
    PublicAuthApi,
    current_session_id,
    current_user,
    first_factor_passed,
    reauthentication_require,
    signed_in_response,
)
from backend.accounts.assurance import OIDC
from backend.accounts.authentication import SessionJWTAuthentication
from backend.accounts.cookies import device_cookie_set
from backend.accounts.login_limits import device_account
from backend.accounts.models import User
from backend.accounts.tokens import SESSION_CLAIM
from backend.common.ratelimit import Usage
from backend.common.request_meta import client_ip, user_agent
from backend.common.throttles import client_rate_identity, rate_limit_enforce, rate_limit_refund_recorded
from backend.common.views import ApiView
from backend.mfa.sign_in_serializers import reauthenticated_data

from . import openapi, selectors
from .config import provider_get, provider_name, providers_configured
from .errors import OidcFailed, OidcProviderUnavailable
from .serializers import (
    CallbackInputSerializer,
    ConnectedOutputSerializer,
    IdentitiesOutputSerializer,
    ProvidersOutputSerializer,
    StartInputSerializer,
    StartOutputSerializer,
)
from .services.flow import SESSION_INTENTS, Flow, flow_cookie_clear, flow_cookie_set, flow_from_cookie, oidc_flow_start
from .services.identities import identity_delete
from .services.intents import (
    IdentityConnected,
    SessionReauthenticated,
    oidc_callback_finish,
    oidc_start_allowed,
)


def _bearer_session(request: Request) -> tuple[User, Token] | None:
    """The user and access token of the request's Authorization header, if it holds a valid one (these views are
    public: only ``connect`` needs one). Raises AuthenticationFailed for a bad one."""
    result = SessionJWTAuthentication().authenticate(request)
    if result is None:
        return None
    user, token = result
    request.user, request.auth = user, token  # for reauthentication_require and current_session_id
    return cast(User, user), cast(Token, token)


class ProvidersApi(PublicAuthApi):
    @openapi.providers
    def get(self, request: Request) -> Response:
        listed = [{"id": provider.id, "name": provider.name} for provider in providers_configured()]
        return Response(ProvidersOutputSerializer({"providers": listed}).data)


class StartApi(PublicAuthApi):
    rate_limit_scopes = ("oidc_start_ip",)
    body_after_lookup = True  # an unknown provider is a 404 whatever the body holds (the body is read next)

    @openapi.start
    def post(self, request: Request, provider: str, **kwargs: Any) -> Response:
        found = provider_get(provider)
        if found is None:
            raise NotFound()
        data = StartInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        intent = data.validated_data["intent"]
        session_id = None
        if intent in SESSION_INTENTS:
            if _bearer_session(request) is None:
                raise NotAuthenticated()
            session_id = current_session_id(request)
            oidc_start_allowed(user=current_user(request), intent=intent, session_id=session_id)
        url, cookie = oidc_flow_start(provider=found, intent=intent, session_id=session_id)
        response = Response(StartOutputSerializer({"authorization_url": url}).data, headers=NO_STORE)
        flow_cookie_set(response, cookie)
        return response


class CallbackApi(PublicAuthApi):
    rate_limit_scopes = ("oidc_callback_ip",)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        flow_cookie_clear(response)  # one try per flow, whatever the answer
        return response

    @openapi.callback
    def post(self, request: Request) -> Response:
        data = CallbackInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        failure = _SignInFailureCount(request)  # given back below unless this turns out a failed sign-in
        try:
            flow, provider = flow_from_cookie(request._request, state=data.validated_data["state"])
            session_user = None
            if flow.intent in SESSION_INTENTS:
                failure.give_back()  # the signed-in session's own action, not a sign-in
                session_user = _flow_session_user(request, flow=flow)
            finished = oidc_callback_finish(
                request._request,
                flow=flow,
                provider=provider,
                code=data.validated_data["code"],
                session_user=session_user,
            )
        except OidcProviderUnavailable:
            failure.give_back()  # the provider's failure, not the client's
            raise
        if isinstance(finished, IdentityConnected):
            return Response(ConnectedOutputSerializer({"identity": finished.identity}).data, headers=NO_STORE)
        if isinstance(finished, SessionReauthenticated):
            return Response(reauthenticated_data(finished.session), headers=NO_STORE)
        failure.give_back()
        if finished.created:  # as a registration: no new-device notice for an account made just now
            issued = account_services.session_start(
                user=finished.user,
                user_agent=user_agent(request),
                ip_address=client_ip(request),
                amr=(OIDC,),
                recent=finished.recent,
            )
            response = signed_in_response(issued, status_code=status.HTTP_201_CREATED)
            device_cookie_set(response, account=device_account(finished.user))
            return response
        return first_factor_passed(request, user=finished.user, first_factor=OIDC, recent=finished.recent)


def _flow_session_user(request: Request, *, flow: Flow) -> User:
    """The user of the session that started ``flow`` (to connect or re-authenticate), whose Bearer token the
    callback must carry: checked before the code is spent (any other token, or none: OidcFailed)."""
    try:
        signed_in = _bearer_session(request)
    except AuthenticationFailed:  # a bad or revoked token: this flow cannot finish either way
        signed_in = None
    if signed_in is None or str(signed_in[1].get(SESSION_CLAIM)) != str(flow.session_id):
        raise OidcFailed()
    return signed_in[0]


class _SignInFailureCount:
    """This callback, counted on ``login_ip`` (failed sign-ins per client address) before anything is checked, so
    parallel failures cannot all slip in; given back once it is known not to be a failed sign-in (as the login's
    attempts are: backend/accounts/login_limits.py). 429 when the address is over the limit. Given back at most
    once, whichever of the reasons come true (a session's flow whose provider then fails is both): a second refund
    would take back another request's failure."""

    def __init__(self, request: Request) -> None:
        self._request = request._request
        self._usage: Usage | None = rate_limit_enforce(self._request, "login_ip", client_rate_identity(self._request))

    def give_back(self) -> None:
        usage, self._usage = self._usage, None
        if usage is not None:
            rate_limit_refund_recorded(self._request, usage, client_rate_identity(self._request))


class IdentitiesApi(ApiView):
    @openapi.identities
    def get(self, request: Request) -> Response:
        user = current_user(request)
        body = {"has_password": user.has_usable_password(), "identities": selectors.identity_list(user=user)}
        return Response(IdentitiesOutputSerializer(body).data)


class IdentityDetailApi(ApiView):
    body_after_lookup = True  # another account's identity is a 404 whatever the request holds

    @openapi.identity_delete
    def delete(self, request: Request, identity_id: str, **kwargs: Any) -> Response:
        identity = selectors.identity_get_for_user(user=current_user(request), identity_id=identity_id)
        self.check_body(request)
        reauthentication_require(request)
        identity_delete(
            identity=identity,
            provider_name=provider_name(identity.provider),
            session_id=current_session_id(request),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
