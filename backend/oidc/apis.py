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
    PublicAuthApi,
    current_session_id,
    current_user,
    reauthentication_require,
    sign_in_complete,
    signed_in_response,
)
from backend.accounts.assurance import OIDC
from backend.accounts.authentication import SessionJWTAuthentication
from backend.accounts.cookies import device_cookie_set
from backend.accounts.login_limits import device_account
from backend.accounts.models import User
from backend.accounts.selectors import session_authentication
from backend.accounts.services.reauthentication import (
    SECOND_FACTOR_NEEDED,
    ReauthenticationRequired,
    method_meets_level,
    session_recent_authentication_require,
)
from backend.accounts.tokens import SESSION_CLAIM
from backend.common.ratelimit import Usage, rate_limit_refund
from backend.common.request_meta import client_ip, user_agent
from backend.common.throttles import client_rate_identity, rate_limit_enforce
from backend.common.views import ApiView
from backend.mfa.selectors import email_confirmation_required, mfa_enabled, reauthentication_level
from backend.mfa.services.sign_in import mfa_sign_in_challenge
from backend.mfa.sign_in_serializers import ReauthenticatedOutputSerializer

from . import openapi, selectors
from .config import provider_get, provider_name, providers_configured
from .errors import OidcFailed, OidcNeedsConfirmedEmail, OidcProviderUnavailable
from .serializers import (
    CallbackInputSerializer,
    IdentitiesOutputSerializer,
    IdentityOutputSerializer,
    ProvidersOutputSerializer,
    StartInputSerializer,
    StartOutputSerializer,
)
from .services.flow import (
    CONNECT,
    REAUTHENTICATE,
    SESSION_INTENTS,
    Flow,
    flow_cookie_clear,
    flow_cookie_set,
    flow_from_cookie,
    oidc_flow_start,
)
from .services.identities import (
    ProviderIdentity,
    identity_connect,
    identity_delete,
    identity_reauthenticated,
    provider_identity_get,
)
from .services.sign_in import oidc_sign_in_account

NO_STORE = {"Cache-Control": "no-store"}


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
        if intent == CONNECT:
            reauthentication_require(request)
            if email_confirmation_required(user=current_user(request)):
                raise OidcNeedsConfirmedEmail()
        if intent == REAUTHENTICATE:  # (the callback checks again: a factor may be added meanwhile)
            _reauthentication_by_provider_allowed(current_user(request))
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
        code, state = data.validated_data["code"], data.validated_data["state"]
        failure = _sign_in_failure_count(request)  # given back below unless this turns out a failed sign-in
        try:
            flow, provider = flow_from_cookie(request._request, state=state)
            if flow.intent in SESSION_INTENTS:
                _refund(request, failure)  # the signed-in session's own action, not a sign-in
                user = _flow_session_user(request, flow=flow)
                if flow.intent == CONNECT:
                    _connect_still_allowed(user=user, flow=flow)
                seen = provider_identity_get(flow=flow, provider=provider, code=code)
                if flow.intent == REAUTHENTICATE:
                    return _reauthenticate(flow=flow, user=user, seen=seen)
                identity, _ = identity_connect(user=user, seen=seen, session_id=flow.session_id)
                return Response({"identity": IdentityOutputSerializer(identity).data}, headers=NO_STORE)
            seen = provider_identity_get(flow=flow, provider=provider, code=code)
            user, created = oidc_sign_in_account(request._request, seen=seen)
        except OidcProviderUnavailable:
            _refund(request, failure)  # the provider's failure, not the client's
            raise
        _refund(request, failure)
        recent = seen.signed_in_during(flow)  # a silent sign-in (the provider's session) is no recent authentication
        if created:  # as a registration: no new-device notice for an account made just now
            issued = account_services.session_start(
                user=user, user_agent=user_agent(request), ip_address=client_ip(request), amr=(OIDC,), recent=recent
            )
            response = signed_in_response(issued, status_code=status.HTTP_201_CREATED)
            device_cookie_set(response, account=device_account(user))
            return response
        account_services.user_sign_in_allowed(user=user)  # 403 email_not_verified while verification is mandatory
        if mfa_enabled(user=user):  # a second factor finishes the sign-in, as after a password
            body = mfa_sign_in_challenge(user=user, first_factor=OIDC)
            return Response(body, status=status.HTTP_202_ACCEPTED, headers=NO_STORE)
        return sign_in_complete(request, user=user, amr=(OIDC,), recent=recent)


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


def _connect_still_allowed(*, user: User, flow: Flow) -> None:
    """What start/ asked of a connection, asked again when the provider sends the user back (up to
    OIDC_FLOW_MAX_AGE_SECONDS later), before the code is spent: a recent authentication of the session and a confirmed
    address. A connected identity signs in without the password, so a flow started in a recent session (by a script in
    the page, say) must not finish once the session is no longer recent, nor after the address changed."""
    session_recent_authentication_require(session_id=str(flow.session_id), level=reauthentication_level(user))
    if email_confirmation_required(user=user):
        raise OidcNeedsConfirmedEmail()


def _reauthentication_by_provider_allowed(user: User) -> None:
    """Like the password, a provider proves one factor: an account with a second factor re-authenticates with it."""
    if not method_meets_level(level=reauthentication_level(user), method=OIDC):
        raise ReauthenticationRequired(SECOND_FACTOR_NEEDED)


def _reauthenticate(*, flow: Flow, user: User, seen: ProviderIdentity) -> Response:
    """Re-authenticate the session that started ``flow`` with an identity connected to its account, which its
    owner signed in to again at the provider (docs/sso.md, "Re-authentication"). Like the password, it proves one
    factor: an account with a second factor re-authenticates with it (403, as POST reauthenticate/ says)."""
    _reauthentication_by_provider_allowed(user)
    session = session_authentication(session_id=str(flow.session_id))
    reauthenticated = identity_reauthenticated(user=user, session=session, seen=seen, flow=flow)
    body = {
        "authenticated_at": reauthenticated.authenticated_at,
        "reauthenticated_until": account_services.reauthenticated_until(reauthenticated),
    }
    return Response(ReauthenticatedOutputSerializer(body).data, headers=NO_STORE)


def _sign_in_failure_count(request: Request) -> Usage | None:
    """Count this callback on ``login_ip`` (failed sign-ins per client address) before anything is checked, so
    parallel failures cannot all slip in; given back once it is known not to be a failed sign-in (as the login's
    attempts are: backend/accounts/login_limits.py). 429 when the address is over the limit."""
    return rate_limit_enforce(request._request, "login_ip", client_rate_identity(request._request))


def _refund(request: Request, usage: Usage | None) -> None:
    if usage is not None:
        rate_limit_refund(usage, client_rate_identity(request._request))


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
