"""The OpenAPI description of the authenticator app, recovery code and MFA status endpoints (totp_apis.py)."""

from collections.abc import Callable
from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema

from backend.accounts.account_openapi import _delete_with_body
from backend.accounts.openapi import ACCOUNT_TAGS, REAUTHENTICATION_REQUIRED, RETRY_AFTER_HEADER
from backend.common.schema import UNAUTHENTICATED, ErrorSerializer, ValidationErrorSerializer

from .serializers import MfaStatusOutputSerializer
from .sign_in_openapi import SECOND_FACTOR_LIMITED
from .totp_serializers import (
    RecoveryCodesOutputSerializer,
    TotpConfirmInputSerializer,
    TotpDisableInputSerializer,
    TotpEnrolmentOutputSerializer,
)

# Either shape: invalid input per field, or `{detail, code}` (common.schema makes every 400 accept both).
CODE_INVALID = OpenApiResponse(
    ValidationErrorSerializer,
    description="Invalid input, per field; or `mfa_code_invalid`: the code is wrong or was already used.",
)


# Adding a factor (the app's setup and confirmation, a passkey's options and registration) while the address is
# unconfirmed (services/enrolment.py): one 403 with the step-up's; passkey_openapi.py uses FACTOR_STEP_UP_REFUSED too.
_EMAIL_NOT_VERIFIED = (
    "`email_not_verified`: the account's email address is not confirmed yet (while `EMAIL_VERIFICATION` is "
    "`optional` or `mandatory`); follow the emailed link (or ask for a new one), then retry."
)
FACTOR_STEP_UP_REFUSED = OpenApiResponse(
    ErrorSerializer, description=f"{REAUTHENTICATION_REQUIRED.description} Or {_EMAIL_NOT_VERIFIED}"
)


def _conflict(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=f"`mfa_state_conflict`: {description}")


mfa_status = extend_schema(
    tags=ACCOUNT_TAGS,
    summary="The account's second factors",
    description=(
        "Whether a password alone still signs in, the authenticator app's state, the recovery codes left, the "
        "passkeys, and how this session was authenticated (and until when step-up endpoints need no "
        "re-authentication)."
    ),
    responses={200: MfaStatusOutputSerializer, 401: UNAUTHENTICATED},
)

totp_enrol_start = extend_schema(
    tags=ACCOUNT_TAGS,
    summary="Start setting up an authenticator app",
    description=(
        "Step-up. A new secret, its `otpauth://` URI and that URI's QR code (SVG), shown once; a setup not "
        "confirmed yet is replaced. POST mfa/totp/confirm/ with a code from the app enables it."
    ),
    request=None,
    responses={
        201: TotpEnrolmentOutputSerializer,
        401: UNAUTHENTICATED,
        403: FACTOR_STEP_UP_REFUSED,
        409: _conflict("the authenticator app is already enabled."),
    },
)

totp_enrol_confirm = extend_schema(
    tags=ACCOUNT_TAGS,
    summary="Enable the authenticator app with its first code",
    description=(
        "Returns the ten recovery codes, shown once, if this is the account's first factor (else an empty list). "
        "This session then counts as signed in with two factors. Wrong codes count as failed sign-ins."
    ),
    parameters=[RETRY_AFTER_HEADER],
    request=TotpConfirmInputSerializer,
    responses={
        200: RecoveryCodesOutputSerializer,
        400: CODE_INVALID,
        401: UNAUTHENTICATED,
        403: FACTOR_STEP_UP_REFUSED,
        409: _conflict("no setup is waiting for confirmation (or the app is already enabled)."),
        429: SECOND_FACTOR_LIMITED,
    },
)

_totp_disable = extend_schema(
    tags=ACCOUNT_TAGS,
    summary="Disable the authenticator app",
    description=(
        "Step-up, and confirmed with a current `code` of the app or a `recovery_code` (exactly one). Without a "
        "passkey left, the recovery codes are deleted too. Wrong codes count as failed sign-ins."
    ),
    parameters=[RETRY_AFTER_HEADER],
    request=TotpDisableInputSerializer,
    responses={
        204: OpenApiResponse(description="Disabled."),
        400: CODE_INVALID,
        401: UNAUTHENTICATED,
        403: REAUTHENTICATION_REQUIRED,
        409: _conflict("the authenticator app is not enabled."),
        429: SECOND_FACTOR_LIMITED,
    },
)


def totp_disable(view_method: Callable[..., Any]) -> Callable[..., Any]:
    return _totp_disable(_delete_with_body(view_method))


recovery_codes_regenerate = extend_schema(
    tags=ACCOUNT_TAGS,
    summary="Generate new recovery codes",
    description="Step-up. Ten new codes, shown once; the previous ones are refused from now on.",
    request=None,
    responses={
        200: RecoveryCodesOutputSerializer,
        401: UNAUTHENTICATED,
        403: REAUTHENTICATION_REQUIRED,
        409: _conflict("the account has no second factor, or another request replaced the codes meanwhile."),
    },
)
