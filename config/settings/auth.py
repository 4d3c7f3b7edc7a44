"""Authentication settings: passwords and the leaked-password check, JWT, sessions, the refresh and device cookies,
multi-factor authentication and passkeys, and sign-in with OpenID Connect providers.

Part of base.py, which star-imports it after its Cache section and stays the one module the environments import.
``env`` and FRONTEND_URL come from environment.py, with the .env file and the *_FILE secrets already read.
"""

import re
from datetime import timedelta
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from backend.oidc.config import providers_parse
from config.production_checks import breach_api_url_problem

from .environment import FRONTEND_URL, env

# ------------------------------------------------------------------------------
# Authentication
# ------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
PASSWORD_HASHERS = [
    # Argon2id with m=19 MiB, t=2, p=1: Django's default Argon2 (100 MiB per hash) overran the pod's memory.
    "backend.accounts.hashers.BoundedMemoryArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# Django's four, judging the password in NFC as it is hashed, on every path that sets one (the admin's forms and
# manage.py's commands too): backend/accounts/password_validators.py.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "backend.accounts.password_validators.UserAttributeSimilarityValidator"},
    {"NAME": "backend.accounts.password_validators.MinimumLengthValidator"},
    {"NAME": "backend.accounts.password_validators.CommonPasswordValidator"},
    {"NAME": "backend.accounts.password_validators.NumericPasswordValidator"},
    # Leaked-password protection: Have I Been Pwned's range API, k-anonymity, fail open (breached_passwords.py).
    {"NAME": "backend.accounts.password_validators.BreachedPasswordValidator"},
]
# On here and in production; local.py and test.py turn it off unless set, so `make run` and the tests work offline.
PASSWORD_BREACH_CHECK = env.bool("PASSWORD_BREACH_CHECK", default=True)
PASSWORD_BREACH_API_URL = env.str("PASSWORD_BREACH_API_URL", default="https://api.pwnedpasswords.com/range/").strip()
if _breach_api_url_problem := breach_api_url_problem(PASSWORD_BREACH_API_URL):
    raise ImproperlyConfigured(_breach_api_url_problem)
# The whole check's wait, at most (a password set waits on it): a minute would already be far too long.
PASSWORD_BREACH_TIMEOUT_SECONDS = env.float("PASSWORD_BREACH_TIMEOUT_SECONDS", default=2.0, minimum=0.01, maximum=30)
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=60 * 60, minimum=1)

# JWT: simplejwt signs and verifies; sessions and revocation are ours
# (backend/accounts/tokens.py explains why token_blacklist is not used).
# https://django-rest-framework-simplejwt.readthedocs.io/en/latest/settings.html
JWT_SIGNING_KEY = env.str("JWT_SIGNING_KEY", default="").strip()  # trimmed as the list's keys are, below
# Key rotation: newest first, comma-separated; the first signs, all verify (backend/accounts/tokens.py). Unset, the
# one key is JWT_SIGNING_KEY. docs/operations.md, "Rotating the JWT signing key".
# Each key trimmed: "NEW, OLD" must not make " OLD", a different key (every token signed with OLD would fail).
JWT_SIGNING_KEYS = [key.strip() for key in env.list("JWT_SIGNING_KEYS", default=[]) if key.strip()] or (
    [JWT_SIGNING_KEY] if JWT_SIGNING_KEY else []
)
ACCESS_TOKEN_LIFETIME = timedelta(seconds=env.int("ACCESS_TOKEN_LIFETIME_SECONDS", default=5 * 60, minimum=1))
REFRESH_TOKEN_LIFETIME = timedelta(
    seconds=env.int("REFRESH_TOKEN_LIFETIME_SECONDS", default=7 * 24 * 60 * 60, minimum=1)
)
# A session cannot be extended by rotation beyond this age; the user signs in again.
SESSION_MAX_LIFETIME = timedelta(seconds=env.int("SESSION_MAX_LIFETIME_SECONDS", default=30 * 24 * 60 * 60, minimum=1))
# Live sessions one account may hold: a sign-in beyond it signs out the ones used least recently (a script that signs
# in without signing out would otherwise pile up thousands, each listed on the account page until it expires).
# 0: no limit.
SESSIONS_PER_USER_MAX = env.int("SESSIONS_PER_USER_MAX", default=100, minimum=0)
# A refresh token presented again this soon after it was rotated gets the same new token back instead of revoking
# the session as reused: a lost response, a retry or tabs refreshing together. 0 turns the grace off. (Supabase's
# REFRESH_TOKEN_REUSE_INTERVAL: https://supabase.com/docs/guides/auth/sessions#refresh-token-reuse-detection)
REFRESH_REUSE_INTERVAL_SECONDS = env.int("REFRESH_REUSE_INTERVAL_SECONDS", default=10, minimum=0)
SIMPLE_JWT = {
    "ALGORITHM": "HS256",
    "SIGNING_KEY": JWT_SIGNING_KEYS[0] if JWT_SIGNING_KEYS else "",
    "AUTH_TOKEN_CLASSES": ("backend.accounts.tokens.SessionAccessToken",),
    "ACCESS_TOKEN_LIFETIME": ACCESS_TOKEN_LIFETIME,
    "REFRESH_TOKEN_LIFETIME": REFRESH_TOKEN_LIFETIME,
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": False,
    "UPDATE_LAST_LOGIN": False,
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
    "AUTH_HEADER_TYPES": ("Bearer",),
    "LEEWAY": 0,
}

# The refresh token's cookie. Path-scoped so it only travels to /api/auth/.
# SameSite=Strict: the SPA is same-origin, so no cross-site request ever needs it.
REFRESH_COOKIE_NAME = env.str("REFRESH_COOKIE_NAME", default="sad_refresh").strip()
REFRESH_COOKIE_PATH = "/api/auth/"
REFRESH_COOKIE_SAMESITE = env.str("REFRESH_COOKIE_SAMESITE", default="Strict").strip().capitalize()
REFRESH_COOKIE_SECURE = env.bool("REFRESH_COOKIE_SECURE", default=True)
REFRESH_COOKIE_DOMAIN = env.str("REFRESH_COOKIE_DOMAIN", default="") or None
# Checked here, not when the first sign-in sets the cookie: a name or SameSite value the cookie cannot take made every
# sign-in a 500, after its session was written. A name is an RFC 6265 token. (SameSite=None needs Secure:
# backend/accounts/checks.py checks that on the final settings, as local.py and production.py change Secure.)
if not re.fullmatch(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+", REFRESH_COOKIE_NAME):
    raise ImproperlyConfigured(
        f"REFRESH_COOKIE_NAME={REFRESH_COOKIE_NAME!r} is not a cookie name: use letters, digits, '-' and '_'."
    )
if REFRESH_COOKIE_SAMESITE not in ("Strict", "Lax", "None"):
    raise ImproperlyConfigured(
        f"REFRESH_COOKIE_SAMESITE={REFRESH_COOKIE_SAMESITE!r} is not Strict, Lax or None (Strict is the default)."
    )

# The device cookie: a signed, per-account marker that this browser has signed in before, so its failed sign-ins
# count on a bucket of its own (backend/accounts/login_limits.py). Path=/ (the API's and the admin's login forms
# both read it) and, when Secure (REFRESH_COOKIE_SECURE), named with the __Host- prefix (backend/accounts/cookies.py).
DEVICE_COOKIE_NAME = "sad_device"
DEVICE_COOKIE_MAX_AGE_SECONDS = env.int("DEVICE_COOKIE_MAX_AGE_SECONDS", default=365 * 24 * 60 * 60, minimum=1)

# ------------------------------------------------------------------------------
# Multi-factor authentication (docs/mfa.md; backend/mfa/)
# ------------------------------------------------------------------------------
# Encrypts TOTP secrets at rest (Fernet), newest first: the first encrypts, every one decrypts, and
# `manage.py mfa_rotate_key` re-encrypts every secret with the first. Unset (local use only), a key is derived from
# SECRET_KEY; production refuses to start without one.
# Trimmed as JWT_SIGNING_KEYS are: " OLD" would be another valid key, and every secret under OLD unreadable.
MFA_ENCRYPTION_KEYS = [key.strip() for key in env.list("MFA_ENCRYPTION_KEYS", default=[]) if key.strip()] or [
    key for key in [env.str("MFA_ENCRYPTION_KEY", default="").strip()] if key
]
# The name authenticator apps show beside the account's email (the otpauth:// URI's issuer).
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="Scalable Auth Dashboard")
# How long the second step of a sign-in (and a passkey ceremony) may take.
MFA_CHALLENGE_MAX_AGE_SECONDS = env.int("MFA_CHALLENGE_MAX_AGE_SECONDS", default=5 * 60, minimum=1)
# Wrong codes one sign-in challenge takes before it is spent (the account's sign-in limits apply as well).
MFA_CHALLENGE_MAX_FAILURES = env.int("MFA_CHALLENGE_MAX_FAILURES", default=5, minimum=1)
# Signing in with a one-time code sent to the account's address (POST /api/auth/login/code/), and how long a code
# works. A first factor, as the password is: an account with a second factor is still asked for it (docs/mfa.md).
LOGIN_BY_CODE_ENABLED = env.bool("LOGIN_BY_CODE_ENABLED", default=True)
LOGIN_CODE_MAX_AGE_SECONDS = env.int("LOGIN_CODE_MAX_AGE_SECONDS", default=10 * 60, minimum=60)
# Password, email and second-factor changes and account deletion need an authentication this recent, at the
# account's level (a second factor when it has one, whatever the session signed in with; docs/mfa.md).
REAUTH_MAX_AGE_SECONDS = env.int("REAUTH_MAX_AGE_SECONDS", default=5 * 60, minimum=1)
# Staff cannot sign in to the Django admin until they have an authenticator app. (Any account with a second factor
# is asked for a code there anyway: backend/accounts/admin_login.py.)
MFA_REQUIRED_FOR_STAFF = env.bool("MFA_REQUIRED_FOR_STAFF", default=False)
# WebAuthn relying party: passkeys are bound to RP_ID (a domain, never an IP address) and accepted only from
# ORIGINS. Defaults follow FRONTEND_URL; a laptop on http://127.0.0.1 uses "localhost" (open the app there).
# https://www.w3.org/TR/webauthn-3/#relying-party-identifier
_frontend_host = urlsplit(FRONTEND_URL).hostname or "localhost"
_frontend_host_is_ip = _frontend_host.replace(".", "").isdigit() or ":" in _frontend_host
_frontend_url_host = f"[{_frontend_host}]" if ":" in _frontend_host else _frontend_host  # IPv6 is bracketed in a URL
WEBAUTHN_RP_ID = env.str("WEBAUTHN_RP_ID", default="localhost" if _frontend_host_is_ip else _frontend_host)
WEBAUTHN_RP_NAME = env.str("WEBAUTHN_RP_NAME", default="Scalable Auth Dashboard")
WEBAUTHN_ORIGINS = env.list(
    "WEBAUTHN_ORIGINS",
    default=[FRONTEND_URL, FRONTEND_URL.replace(_frontend_url_host, "localhost")]
    if _frontend_host_is_ip
    else [FRONTEND_URL],
)

# ------------------------------------------------------------------------------
# Sign-in with OpenID Connect providers (docs/sso.md; backend/oidc/)
# ------------------------------------------------------------------------------
# A JSON list of {"id", "name", "issuer", "client_id", "client_secret", "scopes"?}; empty (the default): off. Checked
# here, so a mistake stops the start saying how to fix it (backend/oidc/config.py); never logged.
try:  # empty counts as unset, as for the other settings
    _oidc_providers_raw = env.json("OIDC_PROVIDERS") if env.str("OIDC_PROVIDERS", default="").strip() else []
except ValueError:  # the JSON's own error would quote the value, secrets and all
    raise ImproperlyConfigured(
        'OIDC_PROVIDERS is not valid JSON: write a list such as [{"id": "google", "name": "Google", "issuer": '
        '"https://accounts.google.com", "client_id": "...", "client_secret": "..."}] (docs/sso.md).'
    ) from None
OIDC_PROVIDERS = providers_parse(_oidc_providers_raw)
# How long a sign-in may take at the provider (the signed flow cookie's lifetime), and each call to it.
OIDC_FLOW_MAX_AGE_SECONDS = env.int("OIDC_FLOW_MAX_AGE_SECONDS", default=10 * 60, minimum=60)
OIDC_HTTP_TIMEOUT_SECONDS = env.float("OIDC_HTTP_TIMEOUT_SECONDS", default=5.0, minimum=0.1, maximum=60.0)
