"""The OpenAPI description of the sign-in with OpenID Connect providers (apis.py; docs/sso.md)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, PolymorphicProxySerializer, extend_schema

from backend.accounts.openapi import (
    ACCOUNT_TAGS,
    AUTH_TAGS,
    REAUTHENTICATION_REQUIRED,
    RETRY_AFTER_HEADER,
    SIGNED_IN_COOKIES,
    _set_cookie_header,
)
from backend.accounts.serializers import AuthOutputSerializer
from backend.common.schema import UNAUTHENTICATED, ErrorSerializer, ValidationErrorSerializer
from backend.mfa.sign_in_serializers import MfaChallengeOutputSerializer, ReauthenticatedOutputSerializer

from .serializers import (
    CallbackInputSerializer,
    ConnectedOutputSerializer,
    IdentitiesOutputSerializer,
    ProvidersOutputSerializer,
    StartInputSerializer,
    StartOutputSerializer,
)

FLOW_COOKIE = (
    "`__Host-sad_oidc` (Path=/; Secure) or, over local http, `sad_oidc` (Path=/api/auth/oidc/): the signed flow "
    "(provider, state, nonce, PKCE verifier, intent, start time); httpOnly; SameSite=Lax; Max-Age "
    "`OIDC_FLOW_MAX_AGE_SECONDS`."
)
PROVIDER_UNAVAILABLE = OpenApiResponse(
    ErrorSerializer,
    description="`oidc_provider_unavailable`: the provider cannot be reached, is too slow or failed; retry after "
    "`Retry-After` seconds. (`service_unavailable`: the database cannot be reached.)",
)
RETRY_AFTER_503 = OpenApiParameter(
    name="Retry-After",
    location=OpenApiParameter.HEADER,
    type=OpenApiTypes.INT,
    response=[503],
    description="Seconds to wait.",
)
PROVIDER_PARAMETER = OpenApiParameter(
    name="provider", location=OpenApiParameter.PATH, type=OpenApiTypes.STR, description="The provider's id."
)
IDENTITY_ID = OpenApiParameter(
    name="identity_id", location=OpenApiParameter.PATH, type=OpenApiTypes.UUID, description="The identity's id."
)

providers = extend_schema(
    tags=AUTH_TAGS,
    summary="Sign-in providers",
    description="The OpenID Connect providers configured (`OIDC_PROVIDERS`), in their order; empty when none is.",
    responses={200: ProvidersOutputSerializer},
)

start = extend_schema(
    tags=AUTH_TAGS,
    summary="Start a sign-in with a provider",
    description=(
        "The provider's authorization URL (the code flow with PKCE S256, a random state and nonce) to send the "
        "browser to, and the flow's cookie. The provider redirects back to `{FRONTEND_URL}/login/oidc/callback`, "
        "whose page posts the `code` and `state` to POST /api/auth/oidc/callback/ within "
        "`OIDC_FLOW_MAX_AGE_SECONDS`. `intent` `connect` connects the provider to the signed-in account instead: it "
        "needs a Bearer token, a recent authentication and a confirmed address. `intent` `reauthenticate` "
        "re-authenticates the signed-in session with a provider connected to its account (a Bearer token; the "
        "provider is asked to sign its user in again: `prompt=login`, `max_age=0`). Limited per client address "
        "(`oidc_start_ip`)."
    ),
    parameters=[PROVIDER_PARAMETER, _set_cookie_header(200, FLOW_COOKIE), RETRY_AFTER_503],
    request=StartInputSerializer,
    responses={
        200: StartOutputSerializer,
        400: OpenApiResponse(ValidationErrorSerializer, description="Invalid input, per field."),
        401: OpenApiResponse(
            ErrorSerializer,
            description="`connect` or `reauthenticate` without an access token, or with one that is not valid.",
        ),
        403: OpenApiResponse(
            ErrorSerializer,
            description="`reauthentication_required`: (`connect`) re-authenticate first; (`reauthenticate`) the "
            "account has a second factor, re-authenticate with it. `email_not_verified` (`connect`): the account's "
            "address is not confirmed yet (verification on).",
        ),
        404: OpenApiResponse(ErrorSerializer, description="`not_found`: no provider has this id."),
        503: PROVIDER_UNAVAILABLE,
    },
)

callback = extend_schema(
    tags=AUTH_TAGS,
    summary="Finish a sign-in with a provider",
    description=(
        "Exchanges the code for the provider's ID token, verifies it, and, for `sign_in`: signs in to the account "
        'the identity is connected to (200, or 202 for its second step, as a login, `amr` `["oidc"]`); else '
        "creates an account with the provider's verified address and no password (201), unless an account has "
        "that address already (400 `oidc_account_exists`: never linked automatically; docs/sso.md). For "
        "`connect`: connects the identity to the account of the session that started the flow (Bearer token), "
        "200 `{identity}` (again for one already connected to it). For `reauthenticate`: re-authenticates that "
        "session, as POST /api/auth/reauthenticate/ does, if the identity is connected to its account and the "
        "provider signed its user in during the flow (`auth_time`). A sign-in counts as a recent authentication "
        "only then, too (docs/sso.md). Always clears the flow cookie. Failed "
        "sign-ins count on `login_ip`; new accounts on `register_ip`; every call on `oidc_callback_ip`."
    ),
    parameters=[
        _set_cookie_header(200, f"{SIGNED_IN_COOKIES} Clears the flow cookie."),
        RETRY_AFTER_HEADER,
        RETRY_AFTER_503,
    ],
    request=CallbackInputSerializer,
    responses={
        200: OpenApiResponse(
            PolymorphicProxySerializer(
                component_name="OidcCallbackOutput",
                serializers=[AuthOutputSerializer, ConnectedOutputSerializer, ReauthenticatedOutputSerializer],
                resource_type_field_name=None,
            ),
            description="Signed in (`sign_in`): `{user, access}` and the refresh cookie. For `connect`: "
            "`{identity}`. For `reauthenticate`: `{authenticated_at, reauthenticated_until}`.",
        ),
        201: OpenApiResponse(AuthOutputSerializer, description="A new account, signed in."),
        202: OpenApiResponse(
            MfaChallengeOutputSerializer,
            description="The account has a second factor: no session yet; finish with POST "
            "/api/auth/mfa/authenticate/ before `expires_at`.",
        ),
        400: OpenApiResponse(
            ValidationErrorSerializer,
            description="`oidc_failed`: no flow cookie, or a tampered or expired one, the wrong state, a code the "
            "provider refused, an ID token that did not verify, or (`connect`, `reauthenticate`) not the session that "
            "started it, or (`reauthenticate`) an identity not connected to the account or no new sign-in at the "
            "provider; start again. `oidc_account_exists`, `oidc_email_unverified` (`sign_in`), `oidc_identity_taken` "
            "(`connect`): docs/sso.md. Or a validation error.",
        ),
        401: OpenApiResponse(ErrorSerializer, description="`invalid_credentials`: the account is deactivated."),
        403: OpenApiResponse(
            ErrorSerializer,
            description="`email_not_verified`: the account's address is not confirmed while `EMAIL_VERIFICATION` "
            "is `mandatory`, or (`connect`) no longer confirmed. `reauthentication_required`: (`reauthenticate`) "
            "the account has a second factor, re-authenticate with it; (`connect`) the session's authentication is no "
            "longer recent (start again after re-authenticating). Checked before the code is spent.",
        ),
        429: OpenApiResponse(
            ErrorSerializer,
            description="`throttled`: too many callbacks, failed sign-ins or new accounts from this client address.",
        ),
        503: PROVIDER_UNAVAILABLE,
    },
)

identities = extend_schema(
    tags=ACCOUNT_TAGS,
    summary="Connected sign-in providers",
    description="The account's provider identities, oldest first, and whether it has a password.",
    responses={200: IdentitiesOutputSerializer, 401: UNAUTHENTICATED},
)

identity_delete = extend_schema(
    tags=ACCOUNT_TAGS,
    summary="Disconnect a sign-in provider",
    parameters=[IDENTITY_ID],
    description=(
        "Step-up. The identity no longer signs in. Allowed for the account's last way in: the emailed sign-in "
        "code and the password reset still work (docs/sso.md). The owner is emailed."
    ),
    responses={
        204: OpenApiResponse(description="Disconnected."),
        401: UNAUTHENTICATED,
        403: REAUTHENTICATION_REQUIRED,
        404: OpenApiResponse(ErrorSerializer, description="No identity of yours has this id."),
    },
)
