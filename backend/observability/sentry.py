"""Optional error tracking. Imported by settings only when SENTRY_DSN is set.

Nothing secret leaves the app: no PII, cookies, request bodies or local variables; Sentry's
EventScrubber drops values under secret-named keys at any depth, and ``before_send`` /
``before_breadcrumb`` apply the same redaction as the logs (secret keys, JWT and bearer
shaped strings anywhere).
https://docs.sentry.io/platforms/python/integrations/django/
https://docs.sentry.io/platforms/python/data-management/sensitive-data/
"""

from typing import Any

import sentry_sdk
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.scrubber import DEFAULT_DENYLIST, EventScrubber

from .logging import redact

# Exact (lower-cased) keys, on top of Sentry's defaults: our API fields, headers and cookie names.
DENYLIST = [
    *DEFAULT_DENYLIST,
    "current_password",
    "new_password",
    "password1",
    "password2",
    "old_password",
    "refresh",
    "refresh_token",
    "access",
    "access_token",
    "jwt",
    "http_authorization",
    "http_cookie",
    "x-csrftoken",
    "metrics_token",
    "secret_key",
    "jwt_signing_key",
]


def before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    return redact(event)


def before_breadcrumb(crumb: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    return redact(crumb)


def sentry_options(*, dsn: str, environment: str, release: str, traces_sample_rate: float) -> dict[str, Any]:
    """The keyword arguments of ``sentry_sdk.init``."""
    return {
        "dsn": dsn,
        "environment": environment or None,
        "release": release or None,
        "traces_sample_rate": traces_sample_rate,
        "send_default_pii": False,
        "max_request_body_size": "never",
        "include_local_variables": False,
        "event_scrubber": EventScrubber(recursive=True, denylist=DENYLIST),
        "before_send": before_send,
        "before_breadcrumb": before_breadcrumb,
        "integrations": [DjangoIntegration()],
    }


def sentry_init(*, dsn: str, environment: str, release: str, traces_sample_rate: float) -> None:
    sentry_sdk.init(
        **sentry_options(dsn=dsn, environment=environment, release=release, traces_sample_rate=traces_sample_rate)
    )
