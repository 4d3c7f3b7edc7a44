"""Request id, one structured log line and the metrics of every request; and /metrics.

First in MIDDLEWARE, so the duration covers the whole stack and every line logged
while serving a request carries its ``request_id``, ``method`` and ``path`` (and
``user_id`` once known). The final ``request`` line adds view, status, duration,
bytes, client IP and user agent: it replaces gunicorn's access log (off by default).

A streamed response (the data export) is sent after this middleware has returned: its line and its duration
wait for the end of the stream (_ObservedStream).
"""

import os
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import structlog
from django.conf import settings
from django.http import HttpRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase

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
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.path == settings.METRICS_PATH:
            return metrics_response(request)

        request_id = request_id_from(request)
        request.request_id = request_id  # type: ignore[attr-defined]
        context = request_activate(request)
        # On every line logged while serving this request; status and duration only on the last. Nothing else is
        # bound here: every request clears what it bound when it ends (below), and a new thread starts with none.
        structlog.contextvars.bind_contextvars(request_id=request_id, method=request.method, path=request.path)
        started = time.perf_counter()
        in_progress = metrics.http_requests_in_progress
        in_progress.inc()
        streamed = False
        try:
            response = self.get_response(request)
            seconds = time.perf_counter() - started
            # Well-formed by construction (random hex digits, or matched _REQUEST_ID): stored without re-checking it.
            header_set_checked(response, REQUEST_ID_HEADER, request_id)
            # Django's handler logs every 4xx/5xx response once more ("Unauthorized: /api/auth/me/", django.request)
            # after this middleware returned, with the request's context already cleared (no request_id), unless
            # the response says it was logged. The request line below records its status; a response made from an
            # exception was logged already, inside the chain, with its traceback and the request's context.
            response._has_been_logged = True  # type: ignore[attr-defined]
            if response.streaming and _ObservedStream.wrap(request, response, started):
                streamed = True
                return response  # logged, timed and no longer in progress when its stream ends
            _request_done(request, response.status_code, seconds, int_or_none(response.get("Content-Length")))
            return response
        finally:
            if not streamed:
                in_progress.dec()
            structlog.contextvars.clear_contextvars()
            request_deactivate(context)


def _request_done(request: HttpRequest, status: int, seconds: float, size: int | None) -> None:
    """The request's metrics and its ``request`` line; neither can fail the request."""
    view = _view_label(request)
    try:
        metrics.request_observe(view=view, method=request.method or "", status=status, seconds=seconds)
    except Exception:  # a value file that cannot grow (a full disk under PROMETHEUS_MULTIPROC_DIR): the response stands
        log_write_failed()
    fields = {
        "view": view,
        "status": status,
        "duration_ms": round(seconds * 1000, 3),
        "bytes": size,
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


class _ObservedStream:
    """The body of a streamed response, passed on unchanged, counted, and produced in the request's context.

    The server sends it after the middleware has returned (under gunicorn, on the same thread, with the request's
    log context cleared): each chunk is produced with that context bound again, so what the producer logs (its
    queries, a warning) names the request. The line and the metrics are written once, in ``close()``, which the WSGI
    server calls when it is done with the response (PEP 3333): after the last chunk is sent, or when the client
    went away (then ``bytes`` is what was handed to the server). Set as the response's streaming_content, it has
    its close() registered with the response's, after the original iterator's own: response.close() calls both.
    """

    __slots__ = ("_chunks", "_context", "_done", "_request", "_size", "_started", "_status")

    def __init__(self, request: HttpRequest, response: StreamingHttpResponse, started: float) -> None:
        self._chunks: Iterator[bytes] = iter(response.streaming_content)  # type: ignore[arg-type]
        self._context: dict[str, Any] = structlog.contextvars.get_contextvars()
        self._request = request
        self._started = started
        self._status = response.status_code
        self._size = 0
        self._done = False

    @classmethod
    def wrap(cls, request: HttpRequest, response: HttpResponseBase, started: float) -> bool:
        """Observe ``response``'s stream; False for one the server does not iterate through its content: a file
        it sends itself (FileResponse: whitenoise's static files, with a Content-Length), or an async stream."""
        if not isinstance(response, StreamingHttpResponse) or response.is_async:
            return False
        if getattr(response, "file_to_stream", None) is not None:
            return False
        response.streaming_content = cls(request, response, started)
        return True

    def __iter__(self) -> "_ObservedStream":
        return self

    def __next__(self) -> bytes:
        tokens = structlog.contextvars.bind_contextvars(**self._context)
        current = request_activate(self._request)
        try:
            chunk = next(self._chunks)
        finally:
            request_deactivate(current)
            structlog.contextvars.reset_contextvars(**tokens)
        self._size += len(chunk)
        return chunk

    def close(self) -> None:
        if self._done:
            return
        self._done = True
        seconds = time.perf_counter() - self._started
        tokens = structlog.contextvars.bind_contextvars(**self._context)
        current = request_activate(self._request)
        try:
            _request_done(self._request, self._status, seconds, self._size)
        finally:
            metrics.http_requests_in_progress.dec()
            request_deactivate(current)
            structlog.contextvars.reset_contextvars(**tokens)
