"""The OpenAPI description of the passkey endpoints (passkey_apis.py)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema

from backend.accounts.openapi import (
    ACCOUNT_TAGS,
    AUTH_TAGS,
    REAUTHENTICATION_REQUIRED,
    RETRY_AFTER_HEADER,
    SIGNED_IN_COOKIES,
    _set_cookie_header,
)
from backend.accounts.serializers import AuthOutputSerializer
from backend.common.schema import UNAUTHENTICATED, VALIDATION_ERROR, ErrorSerializer, ValidationErrorSerializer

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
from .totp_openapi import FACTOR_STEP_UP_REFUSED

NOT_FOUND = OpenApiResponse(ErrorSerializer, description="No passkey of yours has this id.")
NO_PASSKEY = OpenApiResponse(ErrorSerializer, description="`mfa_state_conflict`: the account has no passkey.")
CHALLENGE_REJECTED = (
    "`mfa_challenge_invalid`: the token is unknown, was already used, belongs to another flow (or session) or took "
    "too many wrong answers; `mfa_challenge_expired`: it is older than `MFA_CHALLENGE_MAX_AGE_SECONDS`."
)
# Either shape (common.schema makes every 400 accept both): invalid input per field, or `{detail, code}`.
PASSKEY_REJECTED = OpenApiResponse(
    ValidationErrorSerializer,
    description="Invalid input, per field; `passkey_invalid`: the response did not verify (a malformed or another "
    "account's credential, wrong challenge, origin or signature, no user verification, a sign counter that did not "
    "rise, or a credential already registered); `passkey_unknown`: no passkey has that credential id (deleted, or "
    f"its account deleted: the SPA tells the browser to forget it); {CHALLENGE_REJECTED}",
)
PASSKEY_OPTIONS_LIMITED = OpenApiResponse(
    ErrorSerializer, description="`throttled`: too many passkey sign-ins from this client address."
)

list_passkeys = extend_schema(
    tags=ACCOUNT_TAGS,
    summary="The account's passkeys",
    description="Oldest first (GET /api/auth/mfa/ lists them too, with the rest of the account's second factors).",
    responses={200: PasskeyOutputSerializer(many=True), 401: UNAUTHENTICATED},
)

registration_options = extend_schema(
    tags=ACCOUNT_TAGS,
    summary="Start adding a passkey",
    description=(
        "Step-up. Creation options for `@simplewebauthn/browser`'s `startRegistration` (attestation `none`, user "
        "verification required, a resident key preferred, the account's passkeys excluded) and the "
        "`registration_token` to send back with the result, from this session, within "
        "`MFA_CHALLENGE_MAX_AGE_SECONDS`."
    ),
    request=None,
    responses={200: PasskeyRegistrationOptionsOutputSerializer, 401: UNAUTHENTICATED, 403: FACTOR_STEP_UP_REFUSED},
)

register = extend_schema(
    tags=ACCOUNT_TAGS,
    summary="Add a passkey",
    description=(
        "Verifies `startRegistration`'s result against the options of `registration_token` and saves the passkey. "
        "Returns it, and the ten recovery codes, shown once, if this is the account's first factor (else an empty "
        "list). This session then counts as signed in with two factors. The owner is emailed."
    ),
    request=PasskeyRegisterInputSerializer,
    responses={
        201: PasskeyRegisteredOutputSerializer,
        400: PASSKEY_REJECTED,
        401: UNAUTHENTICATED,
        403: FACTOR_STEP_UP_REFUSED,
    },
)

# A UUID, like every id; any other value finds no passkey (404), as docs/api.md says of malformed ids.
PASSKEY_ID = OpenApiParameter("passkey_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The passkey's id.")

rename = extend_schema(
    tags=ACCOUNT_TAGS,
    summary="Rename a passkey",
    parameters=[PASSKEY_ID],
    request=PasskeyRenameInputSerializer,
    responses={200: PasskeyOutputSerializer, 400: VALIDATION_ERROR, 401: UNAUTHENTICATED, 404: NOT_FOUND},
)

delete = extend_schema(
    tags=ACCOUNT_TAGS,
    summary="Delete a passkey",
    parameters=[PASSKEY_ID],
    description=(
        "Step-up. The passkey no longer signs in; with no second factor left, the recovery codes are deleted too. "
        "The owner is emailed."
    ),
    responses={
        204: OpenApiResponse(description="Deleted."),
        401: UNAUTHENTICATED,
        403: REAUTHENTICATION_REQUIRED,
        404: NOT_FOUND,
    },
)

mfa_authenticate_options = extend_schema(
    tags=AUTH_TAGS,
    summary="Passkey options for a sign-in's second step",
    description=(
        "After a login answered 202 with `passkey` among its `methods`: request options for `startAuthentication`, "
        "limited to the account's passkeys. Answer with POST /api/auth/mfa/authenticate/ `{mfa_token, passkey}`. "
        "Asking again replaces the options (only the newest can be answered)."
    ),
    request=MfaAuthenticateOptionsInputSerializer,
    responses={
        200: AuthenticationOptionsOutputSerializer,
        400: OpenApiResponse(ValidationErrorSerializer, description=f"Invalid input, per field; {CHALLENGE_REJECTED}"),
        409: NO_PASSKEY,
    },
)

passwordless_options = extend_schema(
    tags=AUTH_TAGS,
    summary="Start signing in with a passkey, without a password",
    description=(
        "Request options with no `allowCredentials`: the browser offers the discoverable passkeys it holds for this "
        "site. Answer with POST /api/auth/passkey/login/ `{passkey_token, passkey}` within "
        "`MFA_CHALLENGE_MAX_AGE_SECONDS`. Limited per client address (`passkey_options_ip`)."
    ),
    parameters=[RETRY_AFTER_HEADER],
    request=None,
    responses={200: PasswordlessOptionsOutputSerializer, 429: PASSKEY_OPTIONS_LIMITED},
)

passwordless_login = extend_schema(
    tags=AUTH_TAGS,
    summary="Sign in with a passkey",
    description=(
        "Verifies `startAuthentication`'s result (a discoverable passkey: its user handle names the account) and "
        'signs in exactly as a login does, with `amr` `["passkey"]` at level 2 (`aal`). While email verification '
        "is mandatory, an unconfirmed address is 403 `email_not_verified`. Limited per client address "
        "(`passkey_options_ip`); a `passkey_token` takes `MFA_CHALLENGE_MAX_FAILURES` wrong answers at most."
    ),
    parameters=[
        _set_cookie_header(200, SIGNED_IN_COOKIES),
        RETRY_AFTER_HEADER,
    ],
    request=PasswordlessLoginInputSerializer,
    responses={
        200: AuthOutputSerializer,
        400: PASSKEY_REJECTED,
        403: OpenApiResponse(ErrorSerializer, description="`email_not_verified`: confirm the address first."),
        429: PASSKEY_OPTIONS_LIMITED,
    },
)

reauthenticate_options = extend_schema(
    tags=AUTH_TAGS,
    summary="Passkey options to re-authenticate",
    description=(
        "Request options for `startAuthentication`, limited to the account's passkeys, and the `reauth_token` of "
        "this session's ceremony; answer with POST /api/auth/reauthenticate/ `{reauth_token, passkey}`."
    ),
    request=None,
    responses={200: ReauthenticateOptionsOutputSerializer, 401: UNAUTHENTICATED, 409: NO_PASSKEY},
)
