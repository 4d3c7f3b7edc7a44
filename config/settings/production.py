"""Production settings: HTTPS only, secrets and services required from the environment."""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config.production_checks import (
    email_backend_problem,
    frontend_url_problem,
    key_and_key_list_problem,
    redis_url_problem,
    signing_key_problem,
    smtp_settings_problem,
    webauthn_origins_problem,
    webauthn_rp_id_problem,
)

from .base import *  # noqa: F403
from .base import (
    EMAIL_BACKEND,
    FRONTEND_URL,
    JWT_SIGNING_KEYS,
    MFA_ENCRYPTION_KEYS,
    REDIS_URL,
    SECRET_KEY,
    SECRET_KEY_FALLBACKS,
    SILENCED_SYSTEM_CHECKS,
    WEBAUTHN_ORIGINS,
    WEBAUTHN_RP_ID,
    env,
)

# ------------------------------------------------------------------------------
# Required configuration: refuse to start rather than run with a weak default.
# ------------------------------------------------------------------------------
_required = {
    "SECRET_KEY": SECRET_KEY,
    "JWT_SIGNING_KEY": JWT_SIGNING_KEYS[0] if JWT_SIGNING_KEYS else "",  # or JWT_SIGNING_KEYS
    # Encrypts the TOTP secrets at rest; auth.py's fallback, derived from SECRET_KEY, is for a laptop only.
    "MFA_ENCRYPTION_KEY": MFA_ENCRYPTION_KEYS[0] if MFA_ENCRYPTION_KEYS else "",  # or MFA_ENCRYPTION_KEYS
    "DATABASE_URL": env.str("DATABASE_URL", default=""),
    "REDIS_URL": REDIS_URL,
    # environment.py's and email.py's defaults (http://127.0.0.1:8000, the console backend) are for a laptop only.
    "FRONTEND_URL": env.str("FRONTEND_URL", default=""),
    "EMAIL_BACKEND": env.str("EMAIL_BACKEND", default=""),
}
for _name, _value in _required.items():
    if not _value:
        _file = env.str(f"{_name}_FILE", default="")  # config/secret_files.py: a file that is missing or empty
        _why = "is empty" if Path(_file).is_file() else "is a directory" if Path(_file).is_dir() else "does not exist"
        raise ImproperlyConfigured(
            f"{_name} is not set: {_name}_FILE names {_file}, which {_why} (does the Secret hold the key "
            f"{_name}? docs/deploy.md)."
            if _file
            else f"{_name} is not set. Production settings need it in the environment "
            "(see .env.example for what it is and how to generate one)."
        )
# Every key that verifies tokens is held to the signing key's standard: an old key still accepts its tokens.
_jwt_key_names = (
    ["JWT_SIGNING_KEY"]
    if len(JWT_SIGNING_KEYS) == 1
    else [f"JWT_SIGNING_KEYS[{index}]" for index in range(len(JWT_SIGNING_KEYS))]
)
if SECRET_KEY in JWT_SIGNING_KEYS:
    raise ImproperlyConfigured("JWT_SIGNING_KEY must differ from SECRET_KEY (every key in JWT_SIGNING_KEYS too).")
if len(set(JWT_SIGNING_KEYS)) != len(JWT_SIGNING_KEYS):
    raise ImproperlyConfigured("JWT_SIGNING_KEYS lists the same key twice; list each key once, newest first.")
# The MFA keys likewise (an old one still decrypts the secrets `manage.py mfa_rotate_key` has not re-encrypted yet),
# and each is a secret of its own: one leaked with SECRET_KEY or a JWT key must not also open the TOTP secrets.
_mfa_key_names = (
    ["MFA_ENCRYPTION_KEY"]
    if len(MFA_ENCRYPTION_KEYS) == 1
    else [f"MFA_ENCRYPTION_KEYS[{index}]" for index in range(len(MFA_ENCRYPTION_KEYS))]
)
if len(set(MFA_ENCRYPTION_KEYS)) != len(MFA_ENCRYPTION_KEYS):
    raise ImproperlyConfigured("MFA_ENCRYPTION_KEYS lists the same key twice; list each key once, newest first.")
for _name, _key in zip(_mfa_key_names, MFA_ENCRYPTION_KEYS, strict=True):
    if _key == SECRET_KEY:
        raise ImproperlyConfigured(f"{_name} must differ from SECRET_KEY (every key in MFA_ENCRYPTION_KEYS too).")
    if _key in JWT_SIGNING_KEYS:
        raise ImproperlyConfigured(
            f"{_name} must differ from every JWT signing key (JWT_SIGNING_KEY, JWT_SIGNING_KEYS); generate its own."
        )
# Unsafe values: a key that can be brute-forced offline, reset links printed to the logs or sent over http, passkeys
# over http or bound to a domain the browsers refuse.
for _problem in (
    *(signing_key_problem(name, key) for name, key in zip(_jwt_key_names, JWT_SIGNING_KEYS, strict=True)),
    signing_key_problem("SECRET_KEY", SECRET_KEY),
    # An old key still signs nothing new, but it still verifies: a weak one could be brute-forced and used as well.
    *(signing_key_problem(f"SECRET_KEY_FALLBACKS[{index}]", key) for index, key in enumerate(SECRET_KEY_FALLBACKS)),
    *(signing_key_problem(name, key) for name, key in zip(_mfa_key_names, MFA_ENCRYPTION_KEYS, strict=True)),
    email_backend_problem(EMAIL_BACKEND),
    smtp_settings_problem(EMAIL_BACKEND, env.str("EMAIL_HOST", default=""), env.str("DEFAULT_FROM_EMAIL", default="")),
    frontend_url_problem(FRONTEND_URL),
    redis_url_problem(REDIS_URL),
    key_and_key_list_problem("JWT_SIGNING_KEY", env.str("JWT_SIGNING_KEY", default=""), JWT_SIGNING_KEYS),
    key_and_key_list_problem("MFA_ENCRYPTION_KEY", env.str("MFA_ENCRYPTION_KEY", default=""), MFA_ENCRYPTION_KEYS),
    # Passkeys: only from https origins, with an RP ID the browsers accept there (docs/mfa.md).
    webauthn_origins_problem(WEBAUTHN_ORIGINS),
    webauthn_rp_id_problem(WEBAUTHN_RP_ID, WEBAUTHN_ORIGINS),
):
    if _problem:
        raise ImproperlyConfigured(_problem)

DEBUG = False

# The admin can set any password and reset anyone's second factors: in production staff sign in to it with their
# authenticator app too, unless an operator turns this off (docs/mfa.md).
MFA_REQUIRED_FOR_STAFF = env.bool("MFA_REQUIRED_FOR_STAFF", default=True)

# ------------------------------------------------------------------------------
# HTTPS (TLS terminates at the ingress, which sets X-Forwarded-Proto)
# ------------------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# The probes call these over plain http inside the cluster.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
if SECURE_HSTS_SECONDS == 0:
    # Turned off on purpose where the ingress owns HSTS (docs/deploy.md: one owner of the header), so `check --deploy`
    # does not fail on it there; the default, one year, is checked as usual.
    SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "security.W004"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
REFRESH_COOKIE_SECURE = True

# HSTS preload is a one-way commitment for the whole domain, so it is opt-in
# (SECURE_HSTS_PRELOAD=true); don't let `check --deploy` nag about the default.
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "security.W021"]  # MongoDB settings add their own
