"""Import a settings module in a fresh interpreter: settings are read once per process, at import."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# What config.settings.production needs to load (besides DATABASE_URL and REDIS_URL), with values it accepts:
# keys of 50+ random characters, a mail backend that delivers, an https FRONTEND_URL. Nothing here is a secret.
PRODUCTION_ENV = {
    "SECRET_KEY": "test-only-secret-key-" + "0123456789abcdefghijklmnopqrstuvwxyz",
    "JWT_SIGNING_KEY": "test-only-jwt-signing-key-" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
    "MFA_ENCRYPTION_KEY": "test-only-mfa-encryption-key-" + "abcdefghijklmnopqrstuvwxyz0123456789",
    "FRONTEND_URL": "https://app.example.com",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "EMAIL_HOST": "smtp.example.com",
    "DEFAULT_FROM_EMAIL": "no-reply@app.example.com",
}


def settings_process(
    module: str, code: str, *, unset: frozenset[str] | set[str], **env_overrides: str
) -> subprocess.CompletedProcess:
    """Run ``import MODULE as s; CODE`` from the project root, with ``unset`` removed from the environment and
    ``env_overrides`` added. The caller checks the return code and output."""
    env = {key: value for key, value in os.environ.items() if key not in unset}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "-c", f"import {module} as s; {code}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
