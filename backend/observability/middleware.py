"""Request id, one structured log line and the metrics of every request; and /metrics.

First in MIDDLEWARE, so the duration covers the whole stack and every line logged
while serving a request carries its ``request_id``, ``method`` and ``path`` (and
``user_id`` once known). The final ``request`` line adds view, status, duration,
bytes, client IP and user agent: it replaces gunicorn's access log (off by default).
"""

import os
import re
import time
from collections.abc import Callable

import structlog
from django.conf import settings
from django.http import HttpRequest, HttpResponse

from backend.common.headers import header_set_checked
from backend.common.request_context import request_activate, request_deactivate, request_user_id
from backend.common.request_meta import client_ip

from . import metrics
from .exposition import metrics_response
from .logging import int_or_none, log_write_failed, stdlib_logger

REQUEST_ID_HEADER = "X-Request-ID"
# What a caller's id may look like; anything else (too long, odd characters) is replaced,
# so a hostile header can't forge log structure or bloat every line.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
USER_AGENT_MAX = 256

logger = structlog.get_logger("backend.request")  # written by structlog itself: about 20 us (observability/logging.py)
error_logger = stdlib_logger("backend.request")


def request_id_from(request: HttpRequest) -> str:
    """The caller's X-Request-ID if it is well-formed, else a new one: 32 random hex digits (what ``uuid4().hex``
    gave, without building a UUID on every request)."""
    incoming = request.META.get("HTTP_X_REQUEST_ID", "")
    return incoming if _REQUEST_ID.fullmatch(incoming) else os.urandom(16).hex()


def _view_label(request: HttpRequest) -> str:
    # A bounded set: URL names (or the view's dotted path), never raw paths.
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "<unresolved>"  # static files, or no URL pattern matched
    return match.view_name or match._func_path


class RequestObservabilityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == settings.METRICS_PATH:
            return metrics_response(request)

        request_id = request_id_from(request)
        request.request_id = request_id  # type: ignore[attr-defined]
        context = request_activate(request)
        # On every line logged while serving this request; status and duration only on the last. Nothing else is
        # bound here: every request clears what it bound when it ends (below), and a new thread starts with none.
        structlog.contextvars.bind_contextvars(request_id=request_id, method=request.method, path=request.path)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            seconds = time.perf_counter() - started
            # Well-formed by construction (random hex digits, or matched _REQUEST_ID): stored without re-checking it.
            header_set_checked(response, REQUEST_ID_HEADER, request_id)
            view = _view_label(request)
            status = response.status_code
            metrics.request_observe(view=view, method=request.method or "", status=status, seconds=seconds)
            fields = {
                "view": view,
                "status": status,
                "duration_ms": round(seconds * 1000, 3),
                "bytes": int_or_none(response.get("Content-Length")),
                "client_ip": client_ip(request),
                "user_agent": request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX],
                "user_id": request_user_id(request),
            }
            try:
                if status >= 500:
                    # Through logging, which Sentry reads: a 5xx answered without an exception (a 503 in a database
                    # outage, a 504) is an event there only by this line.
                    error_logger.error("request", **fields)
                else:
                    logger.info("request", **fields)
            except Exception:  # as logging's handlers do: a line that cannot be written never fails the request
                log_write_failed()
            return response
        finally:
            structlog.contextvars.clear_contextvars()
            request_deactivate(context)
