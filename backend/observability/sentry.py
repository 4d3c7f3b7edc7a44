"""Optional error tracking. Imported by settings only when SENTRY_DSN is set.

Nothing secret leaves the app: no PII, cookies, request bodies or local variables; Sentry's
EventScrubber drops values under secret-named keys at any depth, and ``before_send`` /
``before_send_transaction`` / ``before_breadcrumb`` apply the same redaction as the logs (secret
keys, JWT and bearer shaped strings anywhere). The ``Referer`` header and query strings are
dropped too: the SPA's emailed-link pages (password reset, email verification and change) carry
their live token in the query string, and every API call from such a page sends that URL as the
``Referer``. Our log lines' client addresses and user agents are personal data, and a line that
reaches Sentry (an error's, or as a breadcrumb) carries them in its message text, which the
scrubber, working by key, cannot see: ``_log_message`` rebuilds that text without them.
https://docs.sentry.io/platforms/python/integrations/django/
https://docs.sentry.io/platforms/python/data-management/sensitive-data/
"""

from collections.abc import Mapping
from typing import Any

import sentry_sdk
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.scrubber import DEFAULT_DENYLIST, EventScrubber

from .redaction import redact

# Django logs every request with a Host outside ALLOWED_HOSTS at ERROR: scanners send them all day, and each would
# be an event. The 400 is the whole answer; the request line still records it.
NOT_SENT_LOGGERS = frozenset({"django.security.DisallowedHost"})

# Our log lines' and audit rows' personal fields: not sent (send_default_pii=False means none).
PERSONAL_FIELDS = ("client_ip", "ip_address", "user_agent", "user-agent", "remote_addr")

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
    "referer",  # the header: a link page's URL, with its live token (module docstring)
    "http_referer",
    *PERSONAL_FIELDS,
]


# The request headers an event keeps, by allowlist: proxies add the client's address under ever more names
# (Forwarded, X-Original-Forwarded-For, CF-Connecting-IP, True-Client-IP, ...), which no denylist keeps up with.
KEPT_HEADERS = frozenset(
    {
        "accept",
        "accept-encoding",
        "accept-language",
        "content-length",
        "content-type",
        "host",
        "origin",
        "x-forwarded-proto",
        "x-request-id",
    }
)


def _request_trimmed(event: dict[str, Any]) -> dict[str, Any]:
    """The event's request without its query string (on the URL too) and with only KEPT_HEADERS."""
    request = event.get("request")
    if isinstance(request, dict):
        request.pop("query_string", None)
        if isinstance(request.get("url"), str):
            request["url"] = request["url"].split("?", 1)[0]
        headers = request.get("headers")
        if isinstance(headers, Mapping):
            request["headers"] = {name: value for name, value in headers.items() if name.lower() in KEPT_HEADERS}
    return event


def _log_message(record: Any) -> str | None:
    """The text Sentry would send for a structlog line (``record.msg`` is its event dict, which Sentry turns into
    text), without the personal fields and redacted; None for a plain log line."""
    if not isinstance(getattr(record, "msg", None), Mapping):
        return None
    kept = {key: value for key, value in record.msg.items() if key not in PERSONAL_FIELDS and key[:1] != "_"}
    return str(redact(kept))


# The logger of the request line (backend/observability/middleware.py): a 5xx answered without an exception (a 503 in
# a database outage, a 504) reaches Sentry by that line alone.
REQUEST_LOGGER = "backend.request"


def _request_fingerprint(record: Any) -> list[str] | None:
    """A request line's grouping: by view and status. Its message is the same text for every 5xx ("request" and
    fields), so Sentry grouped them all into one issue; a 503 of the task list and a 504 of the export are two."""
    fields = getattr(record, "msg", None)
    if getattr(record, "name", None) != REQUEST_LOGGER or not isinstance(fields, Mapping):
        return None
    if fields.get("event") != "request":
        return None
    return [REQUEST_LOGGER, str(fields.get("view")), str(fields.get("status"))]


def before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any] | None:
    if event.get("logger") in NOT_SENT_LOGGERS:
        return None
    fingerprint = _request_fingerprint(hint.get("log_record"))
    if fingerprint is not None:
        event["fingerprint"] = fingerprint
    message = _log_message(hint.get("log_record"))
    if message is not None and isinstance(event.get("logentry"), dict):
        event["logentry"] = {"message": message, "params": []}
    return redact(_request_trimmed(event))


def before_breadcrumb(crumb: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    message = _log_message(hint.get("log_record"))
    if message is not None:
        crumb["message"] = message
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
        "before_send_transaction": before_send,
        "before_breadcrumb": before_breadcrumb,
        # The SDK adds its trace headers (sentry-trace, and baggage naming the DSN's key, the environment, the release
        # and the view) to every outgoing HTTP request by default. Ours all go to third parties (the leaked-password
        # API, sign-in providers), which have no use for them.
        # https://docs.sentry.io/platforms/python/configuration/options/#trace_propagation_targets
        "trace_propagation_targets": [],
        "integrations": [DjangoIntegration()],
    }


def sentry_init(*, dsn: str, environment: str, release: str, traces_sample_rate: float) -> None:
    sentry_sdk.init(
        **sentry_options(dsn=dsn, environment=environment, release=release, traces_sample_rate=traces_sample_rate)
    )
