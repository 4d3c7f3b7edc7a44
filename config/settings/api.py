"""The HTTP API's settings: rate limits, REST framework and OpenAPI, the request body limit, CORS and idempotency keys.

Part of base.py, which star-imports it after its Cache section and stays the one module the environments import.
``env`` comes from environment.py, with the .env file and the *_FILE secrets already read.
"""

from corsheaders.defaults import default_headers as default_cors_headers

from .environment import env

# ------------------------------------------------------------------------------
# Rate limits (backend/common/ratelimit.py): LIMIT/PERIOD, e.g. 5/15m, 100/h, 10/30s.
# Each scope is set by RATE_LIMIT_<SCOPE>, e.g. RATE_LIMIT_LOGIN_IP=20/5m.
# ------------------------------------------------------------------------------
RATE_LIMIT_ENABLED = env.bool("RATE_LIMIT_ENABLED", default=True)  # false only for benchmarks
_DEFAULT_RATES = {
    "anon": "120/1m",  # every unauthenticated API call, per client IP
    "user": "600/1m",  # every authenticated API call, per user
    # Sign-in limits by device (OWASP's device cookies; backend/accounts/login_limits.py): a browser that signed in
    # to the account before counts its failures apart, so nobody else's failures can lock it out.
    "login_ip": "20/5m",  # login attempts per client IP, from devices unknown to the account
    "login_email_device": "5/15m",  # failed logins per (account, known device)
    "login_email_ip": "5/15m",  # failed logins per (account, client IP), from unknown devices
    "login_email": "30/15m",  # failed logins per account from all unknown devices: the ceiling
    "register_ip": "10/1h",
    "password_reset_ip": "10/1h",
    "password_reset_email_device": "3/1h",  # reset emails asked per (account, known device)
    "password_reset_email_ip": "3/1h",  # reset emails asked per (account, client IP), from unknown devices
    "password_reset_email": "10/1h",  # reset emails asked per account from all unknown devices: the ceiling
    # Wrong current passwords, or second-factor answers at re-authentication, per session: the one that reaches the
    # limit ends the session.
    "password_change_session": "5/30d",
    "refresh_ip": "60/1m",  # failed token refreshes per client IP (one that works is given back)
    "refresh_session": "60/1m",  # token refreshes per session (each page load or new tab refreshes once)
    # Email verification and change (backend/accounts/email_apis.py).
    "email_verify_ip": "30/1h",  # verification links followed, per client IP
    "email_verify_resend_ip": "10/1h",  # verification emails asked, per client IP
    "email_verify_resend_email_device": "3/1h",  # ... per (account, known device)
    "email_verify_resend_email_ip": "3/1h",  # ... per (account, client IP), from unknown devices
    "email_verify_resend_email": "10/1h",  # ... per account from all unknown devices: the ceiling
    "email_change_ip": "20/1h",  # email changes asked, per client IP
    "email_change_user": "5/1h",  # email changes asked, per user
    "email_change_confirm_ip": "30/1h",  # email-change links followed, per client IP
    # Data exports (GET /api/auth/me/export/) per user: each streams the whole account.
    "export_user": "5/1h",
    # Wrong authenticator-app codes per account, whatever the device (backend/mfa/services/second_factor.py): six
    # digits are the one guessable answer, and known-device cookies must not multiply the guesses.
    "authenticator_code_account": "20/1d",
    # Passkey ceremonies started without an account (passwordless sign-in), per client IP. Every second-factor code
    # and passkey checked counts on the sign-in limits above (docs/mfa.md).
    "passkey_options_ip": "30/5m",
    # Sign-in codes by email (backend/mfa/services/email_code.py), asked per client IP and, as reset emails are, per
    # (account, known device), per (account, client IP) and per account. Wrong codes count on the login limits.
    "login_code_ip": "10/1h",
    "login_code_email_device": "3/1h",
    "login_code_email_ip": "3/1h",
    "login_code_email": "10/1h",
    # Sign-in with OpenID Connect providers (backend/oidc), per client IP: flows started, and callbacks (failed
    # sign-ins among them count on login_ip too, new accounts on register_ip).
    "oidc_start_ip": "30/5m",
    "oidc_callback_ip": "30/5m",
}
RATE_LIMITS = {scope: env.str(f"RATE_LIMIT_{scope.upper()}", default=rate) for scope, rate in _DEFAULT_RATES.items()}

# ------------------------------------------------------------------------------
# REST framework and OpenAPI
# ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["backend.accounts.authentication.SessionJWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["backend.common.parsers.SafeJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "backend.common.negotiation.ContentNegotiation",  # DRF's, reading META
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "backend.common.exceptions.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["backend.common.throttles.ApiRateThrottle"],
    "UNAUTHENTICATED_USER": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Scalable Auth Dashboard API",
    "DESCRIPTION": (
        "Email/password accounts with short-lived JWT access tokens and rotating "
        "refresh tokens in an httpOnly cookie, server-side sessions, and per-user tasks."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "backend.common.schema.document_transport_errors",
    ],
    "ENUM_NAME_OVERRIDES": {
        "TaskStatusEnum": "backend.tasks.models.Task.Status",
        "TaskPriorityEnum": "backend.tasks.models.Task.Priority",
        "ErrorCodeEnum": "backend.common.errors.error_code_choices",
    },
}

# ------------------------------------------------------------------------------
# Request limits
# ------------------------------------------------------------------------------
# Bodies above this are refused with 413 before any parsing (common.middleware).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("MAX_REQUEST_BODY_BYTES", default=256 * 1024, minimum=1)

# ------------------------------------------------------------------------------
# CORS: the SPA is served same-origin; list other origins explicitly.
# ------------------------------------------------------------------------------
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_ALLOW_CREDENTIALS = True
CORS_URLS_REGEX = r"^/api/.*$"
# Listed origins may use conditional requests and idempotency keys, and read the ETag, replay and rate-limit headers.
CORS_ALLOW_HEADERS = (*default_cors_headers, "if-match", "if-none-match", "idempotency-key")
CORS_EXPOSE_HEADERS = [
    "ETag",
    "Idempotent-Replayed",
    "Retry-After",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
]

# How long an Idempotency-Key is remembered with the response it got (backend/common/idempotency.py).
IDEMPOTENCY_KEY_TTL_SECONDS = env.int("IDEMPOTENCY_KEY_TTL_SECONDS", default=24 * 60 * 60, minimum=1)
