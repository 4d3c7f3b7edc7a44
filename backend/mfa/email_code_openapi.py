"""The OpenAPI description of the sign-in with an emailed code (email_code_apis.py)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema

from backend.accounts.openapi import AUTH_TAGS, RETRY_AFTER_HEADER, SIGNED_IN_COOKIES, _set_cookie_header
from backend.accounts.serializers import AuthOutputSerializer
from backend.common.schema import VALIDATION_ERROR, ErrorSerializer, ValidationErrorSerializer

from .email_code_serializers import (
    LoginCodeConfirmInputSerializer,
    LoginCodeRequestInputSerializer,
    LoginCodeRequestOutputSerializer,
)
from .sign_in_serializers import MfaChallengeOutputSerializer

DISABLED = OpenApiResponse(
    ErrorSerializer, description="`not_found`: sign-in by code is off (`LOGIN_BY_CODE_ENABLED`)."
)

login_code_request = extend_schema(
    tags=AUTH_TAGS,
    summary="Email a sign-in code",
    description=(
        "Emails an 8-digit code to the address, if an active account has it, and answers the same either way: a "
        "`login_token` for this browser, which the code works with only. The code works once, for "
        "`LOGIN_CODE_MAX_AGE_SECONDS` (default 600); asking again replaces it. An address not confirmed yet (while "
        "verification is on) gets a notice pointing to the password reset instead. Limited per client address "
        "(`login_code_ip`) and, as reset emails are, per account and device (docs/security.md)."
    ),
    parameters=[RETRY_AFTER_HEADER],
    request=LoginCodeRequestInputSerializer,
    responses={
        202: LoginCodeRequestOutputSerializer,
        400: VALIDATION_ERROR,
        404: DISABLED,
        429: OpenApiResponse(ErrorSerializer, description="`throttled`: too many codes asked."),
    },
)

login_code_confirm = extend_schema(
    tags=AUTH_TAGS,
    summary="Sign in with an emailed code",
    description=(
        'Checks the code for `login_token` and signs in exactly as a login does, with `amr` `["email_code"]`; an '
        "account with a second factor gets the second step instead (202, as a login), its `amr` then "
        '`["email_code", ...]`. A wrong code counts as a failed sign-in of the account (the login limits) and on '
        "the code, which `MFA_CHALLENGE_MAX_FAILURES` wrong tries spend."
    ),
    parameters=[_set_cookie_header(200, SIGNED_IN_COOKIES), RETRY_AFTER_HEADER],
    request=LoginCodeConfirmInputSerializer,
    responses={
        200: AuthOutputSerializer,
        202: OpenApiResponse(
            MfaChallengeOutputSerializer,
            description="The code is right and the account has a second factor: no session yet; finish with "
            "POST /api/auth/mfa/authenticate/ before `expires_at`.",
        ),
        # Either shape (common.schema makes every 400 accept both): invalid input per field, or `{detail, code}`.
        400: OpenApiResponse(
            ValidationErrorSerializer,
            description="`login_code_invalid`: the code is wrong, or no longer valid (expired, used, replaced, "
            "tried too often), or the token names no code. The same answer for each, so it does not tell whether "
            "the address has an account. Or a validation error.",
        ),
        404: DISABLED,
        429: OpenApiResponse(
            ErrorSerializer,
            description="`login_locked`: too many failed sign-ins of the account from this device or from devices "
            "it does not know; `throttled`: too many attempts from this client address.",
        ),
    },
)
