"""Email settings: the SMTP connection, retries and the outbox sweep, the sender and support contact, and email
verification.

Part of base.py, which star-imports it after its Cache section and stays the one module the environments import.
``env`` and BASE_DIR come from environment.py, with the .env file and the *_FILE secrets already read.
"""

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import EmailValidator, URLValidator

from .environment import BASE_DIR, env

# ------------------------------------------------------------------------------
# Email
# ------------------------------------------------------------------------------


def _is_email_or_web_address(value: str) -> bool:
    validator = EmailValidator() if "://" not in value else URLValidator(schemes=["http", "https"])
    try:
        validator(value)
    except ValidationError:
        return False
    return True


EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
# Where django.core.mail.backends.filebased.EmailBackend writes each message (the contract tests read them).
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "mail"))
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10, minimum=1)


def _retry_delays(name: str, default: tuple[float, ...]) -> tuple[float, ...]:
    """Comma-separated seconds, each at least 0: one more attempt per delay (backend/common/mail.py)."""
    raw = env.str(name, default="").strip()
    if not raw:
        return default
    try:
        delays = tuple(float(part) for part in raw.split(","))
    except ValueError:
        delays = ()
    if not delays or any(not 0 <= delay < float("inf") for delay in delays):
        raise ImproperlyConfigured(f"{name}={raw!r}: give comma-separated seconds, each at least 0 (e.g. 10,40,120).")
    return delays


# After a temporary SMTP failure (refused, timed out, disconnected, a 4xx reply), wait this long before each new
# attempt: 4 attempts over about 3 minutes, which outlast a relay's restart or its "try again later". A 5xx reply is
# final. Each email waits in the outbox table (backend/common/mail.py), so a retry survives its process.
EMAIL_RETRY_DELAYS = _retry_delays("EMAIL_RETRY_DELAYS", (10.0, 40.0, 120.0))
# How often each gunicorn worker sends the queued emails that are due and that no process is sending (those a killed
# process left: backend/common/mail_sweep.py). 0 turns it off; `manage.py send_queued_emails` then does it.
EMAIL_OUTBOX_SWEEP_SECONDS = env.int("EMAIL_OUTBOX_SWEEP_SECONDS", default=60, minimum=0)
# Both would fail every send, in the background, long after the start; a backend named without its module likewise.
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured(
        "EMAIL_USE_TLS and EMAIL_USE_SSL are both on: set one, TLS for STARTTLS (port 587), SSL for implicit TLS (465)."
    )
if "." not in EMAIL_BACKEND:
    raise ImproperlyConfigured(
        f"EMAIL_BACKEND={EMAIL_BACKEND!r} is not a class path: e.g. django.core.mail.backends.smtp.EmailBackend."
    )
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Scalable Auth Dashboard <no-reply@localhost>")
# Where the security notices send a reader who needs a person (an account taken over, deleted or changed by an
# operator): an email address or an http(s) URL. Empty, they say what the reader can do alone (accounts/emails/).
SUPPORT_CONTACT = env.str("SUPPORT_CONTACT", default="").strip()
if SUPPORT_CONTACT and not _is_email_or_web_address(SUPPORT_CONTACT):
    raise ImproperlyConfigured(
        f"SUPPORT_CONTACT={SUPPORT_CONTACT!r} is neither an email address nor an http(s) URL: the notices print it for "
        "users to reach support."
    )
# Email verification, as django-allauth's ACCOUNT_EMAIL_VERIFICATION (backend/accounts/services/email_verification.py):
# mandatory: no sign-in until the address is confirmed; optional: a link is sent at registration, nothing waits for
# it; none: no link is sent at registration.
EMAIL_VERIFICATION_MODES = ("mandatory", "optional", "none")
EMAIL_VERIFICATION = env.str("EMAIL_VERIFICATION", default="optional").strip().lower()
if EMAIL_VERIFICATION not in EMAIL_VERIFICATION_MODES:
    raise ImproperlyConfigured(
        f"EMAIL_VERIFICATION={EMAIL_VERIFICATION!r}: use one of {', '.join(EMAIL_VERIFICATION_MODES)}"
    )
# How long an emailed verification or email-change link works.
EMAIL_LINK_MAX_AGE_SECONDS = env.int("EMAIL_LINK_MAX_AGE_SECONDS", default=3 * 24 * 60 * 60, minimum=1)
