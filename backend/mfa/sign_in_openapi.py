"""The OpenAPI description of the sign-in step and of re-authentication (sign_in_apis.py)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema

from backend.accounts.openapi import AUTH_TAGS, RETRY_AFTER_HEADER, SIGNED_IN_COOKIES, _set_cookie_header
from backend.accounts.serializers import AuthOutputSerializer
from backend.common.schema import UNAUTHENTICATED, VALIDATION_ERROR, ErrorSerializer

from .sign_in_serializers import (
    MfaAuthenticateInputSerializer,
    ReauthenticatedOutputSerializer,
    ReauthenticateInputSerializer,
)

SECOND_FACTOR_LIMITED = OpenApiResponse(
    ErrorSerializer,
    description="`login_locked`: too many failed sign-ins for this account from this device or address (wrong "
    "passwords and wrong second factors count alike, so it never tells which); `throttled`: too many attempts "
    "from this client address.",
)

mfa_authenticate = extend_schema(
    tags=AUTH_TAGS,
    summary="Finish a sign-in with a second factor",
    description=(
        "After a login answered 202: the authenticator app's `code`, a `recovery_code`, or a `passkey` answering "
        "POST /api/auth/mfa/authenticate/options/. Success signs in exactly as a login does, and the session "
        "records both methods (`amr`) at level 2 (`aal`). A wrong answer is a 400 `mfa_code_invalid`, "
        "`passkey_invalid` or `passkey_unknown` (a credential id naming no passkey) and counts as a failed "
        "sign-in; the challenge is spent after `MFA_CHALLENGE_MAX_FAILURES` wrong answers. A used, unknown or "
        "spent `mfa_token`: 400 `mfa_challenge_invalid`; an old one: 400 `mfa_challenge_expired`."
    ),
    parameters=[
        _set_cookie_header(200, SIGNED_IN_COOKIES),
        RETRY_AFTER_HEADER,
    ],
    request=MfaAuthenticateInputSerializer,
    responses={200: AuthOutputSerializer, 400: VALIDATION_ERROR, 429: SECOND_FACTOR_LIMITED},
)

reauthenticate = extend_schema(
    tags=AUTH_TAGS,
    summary="Confirm it's you before a sensitive action",
    description=(
        "With the `password` (an account without a second factor only), the authenticator app's `code`, a "
        "`recovery_code` (spent, as at sign-in), or a `passkey` answering POST /api/auth/reauthenticate/options/ "
        "(with its `reauth_token`). Sensitive actions then need no other confirmation until "
        "`reauthenticated_until` (`REAUTH_MAX_AGE_SECONDS`). A wrong password is a 400 on `password`, a wrong "
        "code 400 `mfa_code_invalid`; both count as failed sign-ins, and against the session."
    ),
    parameters=[RETRY_AFTER_HEADER],
    request=ReauthenticateInputSerializer,
    responses={
        200: ReauthenticatedOutputSerializer,
        400: VALIDATION_ERROR,
        401: UNAUTHENTICATED,
        403: OpenApiResponse(
            ErrorSerializer,
            description="`reauthentication_required`: the account has a second factor, so the password alone does "
            "not re-authenticate its sessions (whatever they signed in with); use the authenticator app or a passkey.",
        ),
        429: SECOND_FACTOR_LIMITED,
    },
)
