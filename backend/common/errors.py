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
    NOT_AUTHENTICATED = (
        "not_authenticated",
        (401,),
        "The endpoint needs an access token and the request has no `Authorization: Bearer` header.",
    )
    AUTHENTICATION_FAILED = (
        "authentication_failed",
        (401,),
        "The Authorization header says `Bearer` but does not hold exactly one token.",
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
        "The refresh token is malformed or expired, its session has ended, or its account is deactivated.",
    )
    REFRESH_TOKEN_REUSED = (
        "refresh_token_reused",
        (401,),
        "An already-rotated refresh token was presented; its whole session is revoked as stolen.",
    )
    EMAIL_NOT_VERIFIED = (
        "email_not_verified",
        (403,),
        "The account's email address is not confirmed yet: login with the right password while verification is "
        "mandatory, or, while verification is on (`EMAIL_VERIFICATION` `optional` or `mandatory`), adding a second "
        "factor (starting or confirming an authenticator app, a passkey's options or registration) or connecting a "
        "sign-in provider (`oidc/{provider}/start/` with intent `connect`, and its callback); follow the emailed "
        "link, or ask for a new one.",
    )
    # Emailed links (address verification, email change).
    LINK_EXPIRED = (
        "link_expired",
        (400,),
        "The emailed link is older than it may be (EMAIL_LINK_MAX_AGE_SECONDS); ask for a new one.",
    )
    LINK_INVALID = (
        "link_invalid",
        (400,),
        "The emailed link is malformed or tampered with, was already used, or was superseded (the address changed) "
        "or cancelled (an email change, by a password change or reset, or by signing out the session that asked or "
        "every session).",
    )
    EMAIL_TAKEN = (
        "email_taken",
        (400,),
        "Confirming an email change to an address that another account took meanwhile.",
    )
    # Multi-factor authentication and re-authentication (docs/mfa.md).
    REAUTHENTICATION_REQUIRED = (
        "reauthentication_required",
        (403,),
        "A sensitive action (password, email or second-factor change, account deletion) needs an authentication "
        "newer than REAUTH_MAX_AGE_SECONDS at the account's level (a second factor when it has one); POST "
        "/api/auth/reauthenticate/, then retry.",
    )
    MFA_CHALLENGE_INVALID = (
        "mfa_challenge_invalid",
        (400,),
        "The sign-in, passkey or re-authentication challenge token is unknown, was already used, belongs to "
        "another flow, or took too many wrong codes; start again.",
    )
    MFA_CHALLENGE_EXPIRED = (
        "mfa_challenge_expired",
        (400,),
        "The challenge is older than MFA_CHALLENGE_MAX_AGE_SECONDS; sign in (or start the ceremony) again.",
    )
    LOGIN_CODE_INVALID = (
        "login_code_invalid",
        (400,),
        "The emailed sign-in code is wrong, expired, already used, replaced by a newer one or tried too often, or "
        "the login_token names no code; check the latest email, or ask for a new code.",
    )
    MFA_CODE_INVALID = (
        "mfa_code_invalid",
        (400,),
        "The authenticator or recovery code is wrong, or was already used (a code is accepted once).",
    )
    MFA_CODES_LOCKED = (
        "mfa_codes_locked",
        (429,),
        "Too many wrong authenticator codes for this account, from any device (`authenticator_code_account`); retry "
        "after `Retry-After` seconds. Meanwhile a passkey or a recovery code works.",
    )
    PASSKEY_INVALID = (
        "passkey_invalid",
        (400,),
        "The passkey's response did not verify: a malformed or another account's credential, wrong challenge, origin "
        "or signature, a sign counter that went back, or no user verification; also a deactivated account's passkey "
        "(it tells nothing about the account).",
    )
    PASSKEY_UNKNOWN = (
        "passkey_unknown",
        (400,),
        "No passkey has this credential id: it was deleted, or its account was. The SPA tells the browser to "
        "forget it (WebAuthn's `signalUnknownCredential`); sign in another way.",
    )
    MFA_STATE_CONFLICT = (
        "mfa_state_conflict",
        (409,),
        "The request does not fit the account's second factors: enrolling an authenticator app twice, confirming "
        "one never started, or regenerating recovery codes with no second factor.",
    )
    # Sign-in with OpenID Connect providers (docs/sso.md).
    OIDC_FAILED = (
        "oidc_failed",
        (400,),
        "The sign-in with the provider could not be completed: its flow cookie is missing, tampered with or older "
        "than OIDC_FLOW_MAX_AGE_SECONDS, the state does not match, the provider refused the code, or its ID token "
        "did not verify; also a connection finished by another session than the one that started it. Start again.",
    )
    OIDC_PROVIDER_UNAVAILABLE = (
        "oidc_provider_unavailable",
        (503,),
        "The identity provider could not be reached, was too slow (OIDC_HTTP_TIMEOUT_SECONDS) or answered with a "
        "server error; retry after `Retry-After` seconds.",
    )
    OIDC_ACCOUNT_EXISTS = (
        "oidc_account_exists",
        (400,),
        "An account already has the provider's email address and this identity is not connected to it: sign in to "
        "that account another way, then connect the provider from the account page. Never linked automatically.",
    )
    OIDC_EMAIL_UNVERIFIED = (
        "oidc_email_unverified",
        (400,),
        "The provider gave no email address, or did not say it is verified (`email_verified`), so no account can be "
        "created with it.",
    )
    OIDC_IDENTITY_TAKEN = (
        "oidc_identity_taken",
        (400,),
        "Connecting a provider identity that is already connected to another account.",
    )
    # Access and routing.
    PERMISSION_DENIED = (
        "permission_denied",
        (403,),
        "Django's PermissionDenied reached the API; no endpoint raises it today (users only reach their own data).",
    )
    NOT_FOUND = (
        "not_found",
        (404,),
        "No such path under /api/, no such object among the signed-in user's, or a page past the last one.",
    )
    METHOD_NOT_ALLOWED = "method_not_allowed", (405,), "The path exists but does not accept this HTTP method."
    NOT_ACCEPTABLE = "not_acceptable", (406,), "The Accept header excludes `application/json`, the only format served."
    # Request bodies.
    BAD_REQUEST = (
        "bad_request",
        (400,),
        "The request is malformed below the API: an invalid Content-Length, a disallowed Host, and the like.",
    )
    PARSE_ERROR = "parse_error", (400,), "The body is not valid JSON, or is nested too deeply."
    INVALID_IF_MATCH = (
        "invalid_if_match",
        (400,),
        "`If-Match` is neither `*` nor a comma-separated list of quoted ETags (an empty one counts as absent).",
    )
    LENGTH_REQUIRED = (
        "length_required",
        (411,),
        "The body was sent without a `Content-Length` (`Transfer-Encoding: chunked`); send it with one.",
    )
    REQUEST_TOO_LARGE = "request_too_large", (413,), "The body is larger than the configured maximum request size."
    UNSUPPORTED_MEDIA_TYPE = (
        "unsupported_media_type",
        (415,),
        "The Content-Type is not `application/json`: on any body, and on every refresh or logout.",
    )
    INVALID_IDEMPOTENCY_KEY = (
        "invalid_idempotency_key",
        (400,),
        "`Idempotency-Key` is longer than 255 characters or holds a space or a character outside printable ASCII.",
    )
    IDEMPOTENCY_KEY_REUSED = (
        "idempotency_key_reused",
        (422,),
        "The `Idempotency-Key` was used in the last 24 hours for a different request (another body or endpoint).",
    )
    # Concurrency and load.
    CONFLICT = (
        "conflict",
        (409,),
        "A concurrent request got in the way: writers kept winning a compare-and-set, or what the write refers to "
        "was deleted meanwhile; retrying is safe.",
    )
    PRECONDITION_FAILED = (
        "precondition_failed",
        (412,),
        "`If-Match` names an ETag the resource no longer has: it changed since the client read it.",
    )
    LOGIN_LOCKED = (
        "login_locked",
        (429,),
        "Too many failed sign-ins to this account from this device, or from devices it has not signed in from; "
        "retry after `Retry-After` seconds, or reset the password (that browser can then sign in at once).",
    )
    THROTTLED = "throttled", (429,), "A rate limit is exhausted; retry after `Retry-After` seconds."
    DATABASE_TIMEOUT = (
        "database_timeout",
        (504,),
        "The database cancelled a statement that ran or waited for a lock too long (statement_timeout, "
        "lock_timeout); retrying shortly is safe.",
    )
    SERVER_ERROR = "server_error", (500,), "An unexpected failure on the server."
    SERVICE_UNAVAILABLE = (
        "service_unavailable",
        (503,),
        "The database cannot be reached right now (down, restarting, or no free connection in time); "
        "retry after `Retry-After` seconds.",
    )


def error_code_choices() -> list[tuple[str, str]]:
    """``(code, when it is returned)`` for every error code: the choices that document ``code`` in OpenAPI."""
    return [(code.value, code.description) for code in ErrorCode]
