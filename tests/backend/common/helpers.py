"""Helpers shared by the tests of config/settings/: the production settings loaded in a fresh interpreter, with an
environment they accept unless a test overrides part of it."""

import subprocess
from pathlib import Path

from tests.support.settings_process import settings_process

ROOT = Path(__file__).resolve().parents[3]
GOOD_ENV = {
    "SECRET_KEY": "test-secret-key-" + "0123456789abcdefghijklmnopqrstuvwxyz",
    "JWT_SIGNING_KEY": "test-jwt-key-" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_",
    "MFA_ENCRYPTION_KEY": "test-mfa-key-" + "zyxwvutsrqponmlkjihgfedcba9876543210_-",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "FRONTEND_URL": "https://app.example.com",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "EMAIL_HOST": "smtp.example.com",
    "DEFAULT_FROM_EMAIL": "no-reply@app.example.com",
}
# Read by the production settings with a default (or an alternative) of their own: never from the caller's environment.
# SECRET_FILES_LOADED too: the test process's own record of its secret files, which the child (whose parent it is)
# would otherwise trust instead of reading the files it is given (config/secret_files.py).
UNSET = (
    "DJANGO_SETTINGS_MODULE",
    "JWT_SIGNING_KEYS",
    "MFA_ENCRYPTION_KEYS",
    "WEBAUTHN_RP_ID",
    "WEBAUTHN_ORIGINS",
    "SECRET_FILES_LOADED",
)


def import_production_settings(_print: str = "", **overrides: str) -> subprocess.CompletedProcess:
    """Load config.settings.production with GOOD_ENV and ``overrides`` (an empty value unsets), then run ``_print``
    with the settings module as ``s``."""
    given = {name: value for name, value in {**GOOD_ENV, **overrides}.items() if value}
    return settings_process("config.settings.production", _print, unset={*GOOD_ENV, *UNSET}, **given)
