"""Every ``code`` the API can put in a ``{"detail": "...", "code": "..."}`` error body.

Validation errors are not here: they use DRF's ``{"field": ["message"]}`` shape instead.
Raise with ``code=ErrorCode.X`` (or ``default_code = ErrorCode.X``) so a new code is declared,
described and documented (OpenAPI enum, docs/api.md) in one place.
"""

from enum import StrEnum


class ErrorCode(StrEnum):
    """A stable machine-readable error code; each member also knows its HTTP status(es) and when it is returned."""

    statuses: tuple[int, ...]
    description: str

    def __new__(cls, value: str, statuses: tuple[int, ...], description: str) -> "ErrorCode":
        member = str.__new__(cls, value)
        member._value_ = value
        member.statuses = statuses
        member.description = description
        return member

    # Authentication (access token, refresh token, credentials).
    NOT_AUTHENTICATED = "not_authenticated", (401,), "The endpoint needs an access token and none was sent."
    BAD_AUTHORIZATION_HEADER = (
        "bad_authorization_header",
        (401,),
        "The Authorization header is not of the form `Bearer <token>`.",
    )
    TOKEN_NOT_VALID = (
        "token_not_valid",
        (401,),
        "The access token is malformed, badly signed, expired, or not bound to a session and a user.",
    )
    SESSION_REVOKED = (
        "session_revoked",
        (401,),
        "The access token's session was signed out, revoked or has expired.",
    )
    USER_INACTIVE = "user_inactive", (401,), "The access token belongs to a deactivated account."
    INVALID_CREDENTIALS = "invalid_credentials", (401,), "Login with an unknown email or a wrong password."
    REFRESH_TOKEN_MISSING = (
        "refresh_token_missing",
        (401,),
        "Refresh was called with neither a refresh cookie nor a refresh token in the body.",
    )
    INVALID_REFRESH_TOKEN = (
        "invalid_refresh_token",
        (401,),
        "The refresh token is malformed, expired, or its session has ended.",
    )
    REFRESH_TOKEN_REUSED = (
        "refresh_token_reused",
        (401,),
        "An already-rotated refresh token was presented; its whole session is revoked as stolen.",
    )
    # Access and routing.
    PERMISSION_DENIED = "permission_denied", (403,), "The request is authenticated but not allowed to do this."
    NOT_FOUND = "not_found", (404,), "No such path under /api/, or no such object for the signed-in user."
    METHOD_NOT_ALLOWED = "method_not_allowed", (405,), "The path exists but does not accept this HTTP method."
    NOT_ACCEPTABLE = "not_acceptable", (406,), "The Accept header excludes `application/json`, the only format served."
    # Request bodies.
    BAD_REQUEST = (
        "bad_request",
        (400,),
        "The request is malformed below the API (e.g. an invalid Content-Length or a disallowed Host).",
    )
    PARSE_ERROR = "parse_error", (400,), "The body is not valid JSON, or is nested too deeply."
    REQUEST_TOO_LARGE = "request_too_large", (413,), "The body is larger than the configured maximum request size."
    UNSUPPORTED_MEDIA_TYPE = (
        "unsupported_media_type",
        (415,),
        "The body is not `application/json` (required whenever a refresh cookie is sent, against cross-site forms).",
    )
    # Concurrency and load.
    CONFLICT = "conflict", (409,), "Concurrent writers kept winning; retrying the same request is safe."
    PRECONDITION_FAILED = (
        "precondition_failed",
        (412,),
        "`If-Match` names an ETag the resource no longer has: it changed since the client read it.",
    )
    THROTTLED = "throttled", (429,), "A rate limit is exhausted; retry after the `Retry-After` seconds."
    SERVER_ERROR = "server_error", (500,), "An unexpected failure on the server."


def error_codes() -> list[str]:
    """Every error code, in declaration order."""
    return [code.value for code in ErrorCode]
