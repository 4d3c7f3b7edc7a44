"""The OpenAPI description of the /api/auth/ endpoints (drf-spectacular): one decorator per operation, applied in
apis.py.

Kept out of the views so that apis.py reads as the HTTP behaviour alone.
"""

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema

from backend.common.schema import BODY_REQUIRED, UNAUTHENTICATED, UNSUPPORTED_MEDIA, VALIDATION_ERROR, ErrorSerializer
from backend.mfa.sign_in_serializers import MfaChallengeOutputSerializer

from . import email_serializers, serializers

AUTH_TAGS = ["auth"]
ACCOUNT_TAGS = ["account"]

REFRESH_COOKIE_PARAMETER = OpenApiParameter(
    name=settings.REFRESH_COOKIE_NAME,
    location=OpenApiParameter.COOKIE,
    type=OpenApiTypes.STR,
    required=False,
    description=(
        "The refresh token, set by every sign-in (register, login, mfa/authenticate, passkey/login) and refresh "
        "as an httpOnly cookie with Path=/api/auth/ and SameSite. Browsers send it automatically; other clients "
        "may send it here or as `{refresh}` in the body."
    ),
)
ROTATED_COOKIE = (
    f"The refresh token, rotated: `{settings.REFRESH_COOKIE_NAME}`, httpOnly; Path=/api/auth/; SameSite; Secure "
    "outside local http. A client that is not a browser reads its value here and sends it back as `{refresh}` "
    "(docs/api.md)."
)
# A finished sign-in (and a confirmed password reset) also marks the client as a known device of the account, whose
# failed sign-ins then count on a bucket of their own (login_limits.py); a client that keeps it is not news to the
# owner at its next sign-in either.
_DEVICE_COOKIE = "device cookie (httpOnly, Path=/, SameSite=Strict); send it back on later sign-ins."
DEVICE_COOKIE = f"The {_DEVICE_COOKIE}"
SIGNED_IN_COOKIES = f"{ROTATED_COOKIE} Also the {_DEVICE_COOKIE}"
CLEARED_COOKIE = "Clears the refresh-token cookie."
# An endpoint confirmed with the current password (a password change, deleting the account): its 429s.
CURRENT_PASSWORD_LIMITED = OpenApiResponse(
    ErrorSerializer,
    description="`login_locked`: too many failed sign-ins (wrong current passwords included) for this "
    "account from this device or address; `throttled`: the per-user request limit.",
)
# A sensitive action without a recent authentication at the account's level (api_base.reauthentication_require).
REAUTHENTICATION_REQUIRED = OpenApiResponse(
    ErrorSerializer,
    description="`reauthentication_required`: the session has not authenticated within `REAUTH_MAX_AGE_SECONDS` at "
    "the account's level (a second factor when it has one); POST /api/auth/reauthenticate/, then retry "
    "(docs/mfa.md).",
)
# An operation documenting its own 429 (common.schema adds Retry-After only to the default one).
RETRY_AFTER_HEADER = OpenApiParameter(
    name="Retry-After",
    location=OpenApiParameter.HEADER,
    type=OpenApiTypes.INT,
    response=[429],
    description="Seconds to wait.",
)


def _set_cookie_header(status_code: int, description: str) -> OpenApiParameter:
    return OpenApiParameter(
        name="Set-Cookie",
        location=OpenApiParameter.HEADER,
        type=OpenApiTypes.STR,
        response=[status_code],
        description=description,
    )


# ------------------------------------------------------------------------------
# Signing in and out
# ------------------------------------------------------------------------------
register = extend_schema(
    tags=AUTH_TAGS,
    summary="Create an account and sign in",
    description=(
        "Emails a link to confirm the address unless `EMAIL_VERIFICATION` is `none`. While it is `mandatory`, "
        "nobody is signed in: 202 with the account and `email_verification_required`, no token and no cookie."
    ),
    parameters=[_set_cookie_header(201, SIGNED_IN_COOKIES)],
    request=serializers.RegisterInputSerializer,
    responses={
        201: serializers.AuthOutputSerializer,
        202: email_serializers.RegisterPendingOutputSerializer,
        400: VALIDATION_ERROR,
    },
)

login = extend_schema(
    tags=AUTH_TAGS,
    summary="Sign in with email and password",
    description=(
        "Failed sign-ins are limited per device: a browser that signed in to the account before (its device "
        "cookie) on its own, any other per account and client address, and all of those together per account "
        "(docs/security.md). A refusal by those limits is 429 `login_locked`, saying how long to wait and "
        "pointing to the password reset; the per-address limit on attempts is 429 `throttled`."
    ),
    parameters=[
        _set_cookie_header(200, SIGNED_IN_COOKIES),
        RETRY_AFTER_HEADER,
    ],
    request=serializers.LoginInputSerializer,
    responses={
        200: serializers.AuthOutputSerializer,
        202: OpenApiResponse(
            MfaChallengeOutputSerializer,
            description="The password is right and the account has a second factor: no session yet; finish with "
            "POST /api/auth/mfa/authenticate/ before `expires_at`.",
        ),
        400: VALIDATION_ERROR,
        401: OpenApiResponse(ErrorSerializer, description="Invalid email or password."),
        403: OpenApiResponse(
            ErrorSerializer,
            description="`email_not_verified`: the password is right but the address is not confirmed yet, while "
            "`EMAIL_VERIFICATION` is `mandatory`.",
        ),
        429: OpenApiResponse(
            ErrorSerializer,
            description="`login_locked`: too many failed sign-ins from this device or from devices the account "
            "does not know; `throttled`: too many attempts from this client address.",
        ),
    },
)

refresh = extend_schema(
    tags=AUTH_TAGS,
    summary="Rotate the refresh token and get a new access token",
    description=(
        "Every call rotates the refresh token. Presenting an already-rotated token is "
        "treated as theft: the whole session is revoked and 401 is returned, except for the token rotated last "
        "within `REFRESH_REUSE_INTERVAL_SECONDS` (default 10) of its rotation, which gets the same new refresh "
        "token again (a lost response, a retry, tabs refreshing together). The body also carries the signed-in "
        "user, so a client restoring its session needs no second request. The body is JSON (`{}` with the "
        "cookie): anything else is 415, so a cross-site form cannot use the cookie."
    ),
    extensions={BODY_REQUIRED: True},
    parameters=[REFRESH_COOKIE_PARAMETER, _set_cookie_header(200, ROTATED_COOKIE)],
    request=serializers.RefreshInputSerializer,
    responses={
        200: serializers.AuthOutputSerializer,
        400: VALIDATION_ERROR,
        401: OpenApiResponse(ErrorSerializer, description="Invalid, expired, revoked or reused token."),
        415: UNSUPPORTED_MEDIA,
    },
)

logout = extend_schema(
    tags=AUTH_TAGS,
    summary="Sign out this device",
    description=(
        "Revokes the session of the refresh cookie (or body token) and clears the cookie. "
        "Works without a valid access token. The body is JSON (`{}` with the cookie): anything else is 415, "
        "so a cross-site form cannot sign anyone out."
    ),
    extensions={BODY_REQUIRED: True},
    parameters=[REFRESH_COOKIE_PARAMETER, _set_cookie_header(204, CLEARED_COOKIE)],
    request=serializers.RefreshInputSerializer,
    responses={
        204: OpenApiResponse(description="Signed out."),
        400: VALIDATION_ERROR,
        415: UNSUPPORTED_MEDIA,
    },
)

logout_all = extend_schema(
    tags=AUTH_TAGS,
    summary="Sign out everywhere",
    parameters=[
        _set_cookie_header(
            204,
            f"{CLEARED_COOKIE} From a known device of the account (its device cookie), also a new device cookie: "
            "signing out everywhere retired the old one.",
        )
    ],
    request=None,
    responses={
        204: OpenApiResponse(description="Every session revoked."),
        401: UNAUTHENTICATED,
    },
)

# ------------------------------------------------------------------------------
# Passwords
# ------------------------------------------------------------------------------
password_change = extend_schema(
    tags=ACCOUNT_TAGS,
    summary="Change the password",
    description=(
        "Revokes every other session; this one stays signed in. A wrong `current_password` is a 400, audited, "
        "and counts as a failed sign-in on the account's limits (429 `login_locked` once they are exhausted); "
        "the fifth wrong one on a session (`RATE_LIMIT_PASSWORD_CHANGE_SESSION`) revokes it: 401 `session_revoked`. "
        "An account without a password (created by a sign-in provider, docs/sso.md) sets its first one here: it "
        "omits `current_password` and needs a recent authentication instead (403 `reauthentication_required`)."
    ),
    parameters=[RETRY_AFTER_HEADER],
    request=serializers.PasswordChangeInputSerializer,
    responses={
        204: None,
        400: VALIDATION_ERROR,
        401: UNAUTHENTICATED,
        403: REAUTHENTICATION_REQUIRED,
        429: CURRENT_PASSWORD_LIMITED,
    },
)

password_reset = extend_schema(
    tags=AUTH_TAGS,
    summary="Email a password-reset link",
    description="Always 202, whether or not an account has this email, so accounts cannot be discovered.",
    request=serializers.PasswordResetInputSerializer,
    responses={202: OpenApiResponse(description="Accepted."), 400: VALIDATION_ERROR},
)

password_reset_confirm = extend_schema(
    tags=AUTH_TAGS,
    summary="Set a new password from a reset link",
    description="Signs out every session of the account. The client that followed the link becomes a known device "
    "of the account (the device cookie), so it can sign in at once even while sign-ins are locked out.",
    parameters=[_set_cookie_header(204, DEVICE_COOKIE)],
    request=serializers.PasswordResetConfirmInputSerializer,
    responses={204: None, 400: VALIDATION_ERROR},
)

# ------------------------------------------------------------------------------
# The signed-in account
# ------------------------------------------------------------------------------
me_retrieve = extend_schema(
    tags=ACCOUNT_TAGS,
    summary="The signed-in user",
    responses={200: serializers.UserOutputSerializer, 401: UNAUTHENTICATED},
)

me_update = extend_schema(
    tags=ACCOUNT_TAGS,
    summary="Update the display name",
    description="Only the fields given change; an empty object changes nothing.",
    request=serializers.ProfileUpdateInputSerializer(partial=True),
    responses={200: serializers.UserOutputSerializer, 400: VALIDATION_ERROR, 401: UNAUTHENTICATED},
)

sessions_list = extend_schema(
    tags=ACCOUNT_TAGS,
    summary="The signed-in user's live sessions, newest first",
    responses={200: serializers.SessionOutputSerializer(many=True), 401: UNAUTHENTICATED},
)

session_revoke = extend_schema(
    tags=ACCOUNT_TAGS,
    summary="Revoke one of the signed-in user's sessions",
    # A UUID, like every id; any other value finds no session (404), as docs/api.md says of malformed ids.
    parameters=[
        OpenApiParameter("session_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The session's id.")
    ],
    request=None,
    responses={
        204: None,
        401: UNAUTHENTICATED,
        404: OpenApiResponse(ErrorSerializer, description="No such session for this user."),
    },
)
