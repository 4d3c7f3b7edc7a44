"""Helpers shared by the tests of config/settings/: the production settings loaded in a fresh interpreter, with an
environment they accept unless a test overrides part of it."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
GOOD_ENV = {
    "SECRET_KEY": "test-secret-key-" + "0123456789abcdefghijklmnopqrstuvwxyz",
    "JWT_SIGNING_KEY": "test-jwt-key-" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_",
    "MFA_ENCRYPTION_KEY": "test-mfa-key-" + "zyxwvutsrqponmlkjihgfedcba9876543210_-",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "FRONTEND_URL": "https://app.example.com",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
}
# Read by the production settings with a default (or an alternative) of their own: never from the caller's environment.
UNSET = ("DJANGO_SETTINGS_MODULE", "JWT_SIGNING_KEYS", "MFA_ENCRYPTION_KEYS", "WEBAUTHN_RP_ID", "WEBAUTHN_ORIGINS")


def import_production_settings(_print: str = "", **overrides: str) -> subprocess.CompletedProcess:
    """Load config.settings.production with GOOD_ENV and ``overrides`` (an empty value unsets), then run ``_print``
    with the settings module as ``s``."""
    env = {k: v for k, v in os.environ.items() if k not in GOOD_ENV and k not in UNSET}
    env.update({k: v for k, v in {**GOOD_ENV, **overrides}.items() if v})
    return subprocess.run(
        [sys.executable, "-c", f"import config.settings.production as s; {_print}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
