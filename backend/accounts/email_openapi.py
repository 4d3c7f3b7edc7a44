"""The OpenAPI description of the /api/auth/email/ endpoints (drf-spectacular), applied in email_apis.py; the style
of openapi.py."""

from drf_spectacular.utils import OpenApiResponse, extend_schema

from backend.common.schema import UNAUTHENTICATED, VALIDATION_ERROR, ErrorSerializer, ValidationErrorSerializer

from . import email_serializers
from .openapi import ACCOUNT_TAGS, AUTH_TAGS, REAUTHENTICATION_REQUIRED, RETRY_AFTER_HEADER

# A 400 is either shape (common.schema.document_transport_errors makes it anyOf ValidationError, Error).
LINK_REJECTED = OpenApiResponse(
    ValidationErrorSerializer,
    description="`link_expired`: the link is older than `EMAIL_LINK_MAX_AGE_SECONDS` (ask for a new one); "
    "`link_invalid`: malformed, tampered with, already used, or superseded. A missing or malformed `token` is a "
    "validation error on `token`.",
)
THROTTLED = OpenApiResponse(ErrorSerializer, description="`throttled`: too many requests; see `Retry-After`.")

email_verify = extend_schema(
    tags=AUTH_TAGS,
    summary="Confirm the email address with the emailed link",
    description=(
        "The SPA's `/verify-email#token=…` page (the token in the link's fragment, which no server receives) posts "
        "the link's token. The link works once and expires after "
        "`EMAIL_LINK_MAX_AGE_SECONDS` (3 days by default); it also stops working if the address changes."
    ),
    request=email_serializers.EmailLinkInputSerializer,
    responses={
        200: email_serializers.EmailVerifiedOutputSerializer,
        400: OpenApiResponse(ValidationErrorSerializer, description=LINK_REJECTED.description),
    },
)

email_verify_resend = extend_schema(
    tags=AUTH_TAGS,
    summary="Email a new verification link",
    description=(
        "Always 202, whether or not an account has this address and whether or not it is confirmed already, so "
        "accounts cannot be discovered. Limited per client address, and per account by device as password-reset "
        "emails are."
    ),
    parameters=[RETRY_AFTER_HEADER],
    request=email_serializers.EmailVerifyResendInputSerializer,
    responses={202: OpenApiResponse(description="Accepted."), 400: VALIDATION_ERROR, 429: THROTTLED},
)

email_change = extend_schema(
    tags=ACCOUNT_TAGS,
    summary="Change the email address (sends a link to the new one)",
    description=(
        "Emails a confirmation link to `new_email`; nothing changes until it is followed. If another account has "
        "that address the answer is the same 202 and the address gets a notice instead of a link. The current "
        "password is checked as for a password change: a wrong one is a 400 on `current_password`, counted as a "
        "failed sign-in (429 `login_locked` past the account's limits), and the fifth on a session revokes it "
        "(401 `session_revoked`). The same address as now is a 400 on `new_email`. An account without a password "
        "(created by a sign-in provider, docs/sso.md) omits `current_password` and needs a recent authentication "
        "instead (403 `reauthentication_required`)."
    ),
    parameters=[RETRY_AFTER_HEADER],
    request=email_serializers.EmailChangeInputSerializer,
    responses={
        202: OpenApiResponse(description="Accepted: a link (or a notice) is on its way to the new address."),
        400: VALIDATION_ERROR,
        401: UNAUTHENTICATED,
        403: REAUTHENTICATION_REQUIRED,
        429: OpenApiResponse(
            ErrorSerializer,
            description="`throttled`: too many email changes asked by this user or client address; "
            "`login_locked`: too many wrong passwords for this account from this device or address.",
        ),
    },
)

email_change_pending = extend_schema(
    tags=ACCOUNT_TAGS,
    summary="The email change waiting to be confirmed",
    description=(
        "The latest change asked (POST /api/auth/email/change/) while its link would still work: null once it is "
        "confirmed, cancelled, replaced by a newer request, expired, or cancelled by a password change, by signing "
        "out every session or by signing out the session that asked. A request for an address another account has "
        "shows here as well, as the 202 did not tell."
    ),
    responses={200: email_serializers.EmailChangePendingOutputSerializer, 401: UNAUTHENTICATED},
)

email_change_cancel = extend_schema(
    tags=ACCOUNT_TAGS,
    summary="Cancel the email change waiting to be confirmed",
    description=(
        "Its link stops working at once. 204 whether or not a change was pending, so a retried request gets the "
        "same answer; a cancellation is recorded in the account's activity."
    ),
    responses={204: OpenApiResponse(description="Cancelled, or nothing was pending."), 401: UNAUTHENTICATED},
)

email_change_confirm = extend_schema(
    tags=AUTH_TAGS,
    summary="Confirm an email change with the link sent to the new address",
    description=(
        "Sets the new address (confirmed), signs out every session of the account except the one that asked for "
        "the change, and tells the old address. The link works once and expires after "
        "`EMAIL_LINK_MAX_AGE_SECONDS`. It is cancelled (400 `link_invalid`) by a password change or reset, by "
        "signing out every session, and by signing out the session that asked: the owner who follows a new "
        "sign-in notice's advice also undoes a change asked with a stolen password. If another account took the "
        "address meanwhile, 400 `email_taken`."
    ),
    request=email_serializers.EmailLinkInputSerializer,
    responses={
        200: email_serializers.EmailChangedOutputSerializer,
        400: OpenApiResponse(
            ValidationErrorSerializer,
            description=f"{LINK_REJECTED.description} `email_taken`: another account has the address now.",
        ),
    },
)
