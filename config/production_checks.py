"""What the production settings refuse to start with, besides a missing value (config/settings/production.py).

Each function returns the problem with a value, as the sentence ImproperlyConfigured will show, or None.
"""

import ipaddress
from urllib.parse import urlsplit

KEY_MIN_LENGTH = 50
# A key of 50 random characters from any usual alphabet (hex included) has far more; one that repeats a few
# characters was typed, not generated.
KEY_MIN_DISTINCT = 10
GENERATE_KEY = "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"
# Backends that never deliver: console prints every reset link (a usable token) to stdout, so into the logs;
# locmem keeps it in memory. Named exactly: importing a backend here could need the apps loaded.
UNDELIVERED_EMAIL_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend": "prints every reset link, a usable token, into the logs",
    "django.core.mail.backends.locmem.EmailBackend": "keeps every reset link in memory and sends nothing",
}


def signing_key_problem(name: str, value: str) -> str | None:
    """HS256 tokens (and Django's signed values) can be brute-forced offline from one sample when the key is
    short or not random, so a key must be at least 50 characters that do not merely repeat a few."""
    fix = f"Generate one with: {GENERATE_KEY}"
    if len(value) < KEY_MIN_LENGTH:
        return f"{name} is {len(value)} characters long; it needs at least {KEY_MIN_LENGTH} random characters. {fix}"
    if len(set(value)) < KEY_MIN_DISTINCT:
        return f"{name} has too few different characters ({len(set(value))}) to be random. {fix}"
    if value.startswith("django-insecure"):
        return f"{name} is a django-insecure development key. {fix}"
    return None


def email_backend_problem(backend: str) -> str | None:
    reason = UNDELIVERED_EMAIL_BACKENDS.get(backend)
    if reason is None:
        return None
    return (
        f"EMAIL_BACKEND={backend} {reason}. Set an SMTP relay "
        "(django.core.mail.backends.smtp.EmailBackend and EMAIL_HOST), see docs/deploy.md."
    )


def frontend_url_problem(url: str) -> str | None:
    """Password-reset links are FRONTEND_URL plus a token: over plain http anyone on the path reads the token.
    http is accepted only for a loopback host (a whole stack on one machine), whose links never leave the
    machine of whoever opens them."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return None
    if parts.scheme == "http" and parts.hostname and _is_loopback(parts.hostname):
        return None
    return (
        f"FRONTEND_URL={url} is not an https:// URL; password-reset links carry a token and must not travel "
        "over plain http (http is accepted only for localhost, 127.0.0.0/8 and [::1])."
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
