"""One middleware for what the API adds around every response after Django's own security headers: CORS, the
Content-Security-Policy, the request-body guard and the X-RateLimit-* headers.

It stands where corsheaders' CorsMiddleware, django-csp's CSPMiddleware, RateLimitHeadersMiddleware and
RequestBodyLimitMiddleware stood, in that order, and answers exactly as the four did (tests/backend/common/
test_response_headers.py runs both stacks over the same requests). Why one: measured per middleware
(``python -m bench.middleware_cost``), the four cost about 80 us of CPU on every request, more than Django's whole
default stack: django-csp rebuilt the policy string from the settings twice per response (``build_policy``: a
copy of every directive, sorting, joining), corsheaders built ``request.headers`` from the whole WSGI environ to
find no Origin, and each layer paid Django's per-middleware wrapping.

What never changes between requests is computed once: the policy strings (rebuilt only when the settings objects
change, as in tests), the Vary value. The libraries' own code still runs for what is rare and varied: a request
with an Origin or a preflight (corsheaders), and a response with a per-view policy (csp.decorators), a nonce
used by a template, or a debug error page (django-csp).
"""

import contextlib
import time
from collections.abc import Callable
from typing import Any

from corsheaders.middleware import CorsMiddleware
from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.utils.cache import patch_vary_headers

from .api_paths import is_api_path
from .errors import ErrorCode
from .throttles import _USAGES_ATTR  # set by throttles.rate_limit_record

# A response carrying any of these was decorated with its own policy (csp.decorators): django-csp builds it.
_CSP_RESPONSE_ATTRS = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_exempt",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
    "_csp_exempt_ro",
)
_DEBUG_EXEMPT_STATUSES = (500, 404)  # django-csp leaves Django's debug pages alone
# django-csp's marker after the header is written: reading request.csp_nonce then raises. It never caches a
# value (evaluating it raises), so one instance serves every request.
_NONCE_AFTER_RESPONSE = CheckableLazyObject(CSPMiddleware._csp_nonce_post_response)

# A refused body up to this much over the limit is read and thrown away before the 413, so the connection can serve
# the client's next request. gunicorn answers it with Connection: keep-alive whatever the application does (it drops
# a Connection header as hop-by-hop, and the environ offers no way to its Response.force_close()); left unread, it
# discards at most 64 KiB of the body and then closes the connection it has just announced as kept alive, so a client
# reusing it (a requests.Session, a proxy's upstream keep-alive) failed its next request. Beyond this the body is
# left unread and gunicorn closes: reading more would let a client keep a thread busy for nothing. 1 MiB covers a
# client that overshoots the limit, and what an nginx with its default client_max_body_size (1 MiB) forwards;
# reading it takes milliseconds (on loopback, the 413 for 1.3 MB took 16 to 28 ms, the body's arrival included).
BODY_DISCARD_BEYOND_LIMIT = 1024 * 1024
# The time the reading may take, as for gunicorn's own discarding (gthread's worker data timeout): each read starts
# with the socket's timeout set to the time left. A body still arriving then is left to gunicorn, which closes.
BODY_DISCARD_SECONDS = 5.0
_BODY_DISCARD_CHUNK = 64 * 1024
_LENGTH_REQUIRED = {
    "detail": "This request's body was sent without a Content-Length (Transfer-Encoding: chunked); "
    "send it with a Content-Length header.",
    "code": ErrorCode.LENGTH_REQUIRED,
}


class _Policies:
    """The CSP header values for the current settings objects, built by django-csp's own build_policy."""

    def __init__(self) -> None:
        self.source: tuple[Any, Any] = (object(), object())
        self.enforced = self.report_only = ""
        self.excluded: tuple[str, ...] = ()
        self.excluded_ro: tuple[str, ...] = ()

    def current(self) -> "_Policies":
        enforced = getattr(settings, "CONTENT_SECURITY_POLICY", None)
        report_only = getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
        if enforced is not self.source[0] or report_only is not self.source[1]:
            self.enforced = build_policy()
            self.report_only = build_policy(report_only=True)
            self.excluded = tuple((enforced or {}).get("EXCLUDE_URL_PREFIXES", None) or ())
            self.excluded_ro = tuple((report_only or {}).get("EXCLUDE_URL_PREFIXES", None) or ())
            self.source = (enforced, report_only)
        return self


def header_set_checked(response: HttpResponseBase, name: str, value: str) -> None:
    """``response[name] = value`` for a name and value known to be ASCII without newlines (a constant built once,
    a checked id): stored as Django's ResponseHeaders.__setitem__ stores it, without converting it per response.
    (tests/backend/common/test_response_headers.py pins the result to __setitem__'s.)"""
    response.headers._store[name.lower()] = (name, value)  # type: ignore[attr-defined]


class ResponseHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.cors = CorsMiddleware(get_response)
        self.csp = CSPMiddleware(get_response)
        self.policies = _Policies()

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        # CORS first (outermost of the four): a preflight is answered here, as corsheaders did.
        preflight = self.cors.check_preflight(request)
        if preflight is not None:
            return self.cors.add_response_headers(request, preflight)
        self.csp.process_request(request)  # request.csp_nonce, for a template that wants one
        response = self._body_limited(request) or self.get_response(request)
        if "cache-control" not in response.headers._store and is_api_path(request.path_info):  # type: ignore[attr-defined]
            # Every API answer is someone's own data (a profile, sessions with their addresses, activity) or about
            # their request, errors included (Django's 404 and 500 handlers, the 413 above): none may be kept by
            # a shared cache or on the disk of a shared machine. One that says otherwise (the task reads' private,
            # no-cache revalidation) keeps what it says.
            header_set_checked(response, "Cache-Control", "private, no-store")
        self._rate_limit_headers(request, response)
        self._csp_headers(request, response)
        self._cors_headers(request, response)
        return response

    @staticmethod
    def _body_limited(request: HttpRequest) -> HttpResponse | None:
        """A JSON 413 for a body larger than DATA_UPLOAD_MAX_MEMORY_SIZE, before anything parses it: DRF's parsers
        read the raw stream, which bypasses Django's own size check, so a client could make a worker buffer an
        arbitrarily large body.

        And a JSON 411 for a body sent chunked (Transfer-Encoding) without a Content-Length: Django's stream stops at
        the Content-Length, so every reader would see an empty body (a PATCH answered 200 having written nothing, a
        POST a misleading 400), and no limit or parse error would apply. Left unread: gunicorn drains it after the
        answer, or closes the connection."""
        meta = request.META
        if not meta.get("CONTENT_LENGTH") and "HTTP_TRANSFER_ENCODING" in meta:
            return JsonResponse(_LENGTH_REQUIRED, status=411)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw_length = meta.get("CONTENT_LENGTH") or "0"
        try:
            length = int(raw_length)
        except ValueError:
            return JsonResponse({"detail": "Invalid Content-Length header.", "code": ErrorCode.BAD_REQUEST}, status=400)
        if limit is not None and length > limit:
            if length <= limit + BODY_DISCARD_BEYOND_LIMIT:
                _body_discard(request)
            return JsonResponse(
                {"detail": f"Request body too large; the limit is {limit} bytes.", "code": ErrorCode.REQUEST_TOO_LARGE},
                status=413,
            )
        return None

    @staticmethod
    def _rate_limit_headers(request: HttpRequest, response: HttpResponseBase) -> None:
        """X-RateLimit-Limit / -Remaining / -Reset for the limit closest to refusing this client."""
        usages = request.__dict__.get(_USAGES_ATTR)
        if usages:
            tightest = min(usages, key=lambda u: (u.remaining, -u.reset_after)) if len(usages) > 1 else usages[0]
            # Digits only: stored without Django's per-header charset checks.
            header_set_checked(response, "X-RateLimit-Limit", str(tightest.limit))
            header_set_checked(response, "X-RateLimit-Remaining", str(tightest.remaining))
            header_set_checked(response, "X-RateLimit-Reset", str(tightest.reset_after))

    def _csp_headers(self, request: HttpRequest, response: HttpResponseBase) -> None:
        attrs = response.__dict__
        if (
            request.__dict__.get("_csp_nonce") is not None
            or any(name in attrs for name in _CSP_RESPONSE_ATTRS)
            or (response.status_code in _DEBUG_EXEMPT_STATUSES and settings.DEBUG)
        ):
            self.csp.process_response(request, response)  # a per-view policy, a nonce, a debug page
            return
        policies = self.policies.current()
        path = request.path_info
        if policies.enforced and HEADER not in response and not path.startswith(policies.excluded):
            header_set_checked(response, HEADER, policies.enforced)
        if policies.report_only and HEADER_REPORT_ONLY not in response and not path.startswith(policies.excluded_ro):
            header_set_checked(response, HEADER_REPORT_ONLY, policies.report_only)
        request.csp_nonce = _NONCE_AFTER_RESPONSE  # type: ignore[attr-defined]

    def _cors_headers(self, request: HttpRequest, response: HttpResponseBase) -> None:
        if request.META.get("HTTP_ORIGIN"):  # a cross-origin caller: corsheaders decides what it may see
            self.cors.add_response_headers(request, response)
            return
        # No Origin: all corsheaders would do is add Vary: origin on the paths it covers.
        if not request.__dict__.get("_cors_enabled"):
            return
        if "Vary" in response:
            patch_vary_headers(response, ("origin",))
        else:
            header_set_checked(response, "Vary", "origin")


def _body_discard(request: HttpRequest) -> None:
    """Read and drop the request's body (its Content-Length, which the caller has bounded), within
    BODY_DISCARD_SECONDS. A body sent chunked, without a Content-Length, never gets here: it is refused with a 411
    and left to gunicorn. Behind nginx none arrives chunked: it buffers a body (its default request buffering) and
    forwards it with a Content-Length."""
    sock = request.META.get("gunicorn.socket")  # gunicorn's own environ key; absent under runserver and in tests
    prior = sock.gettimeout() if sock is not None else None
    deadline = time.monotonic() + BODY_DISCARD_SECONDS
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            if sock is not None:
                sock.settimeout(remaining)
            if not request.read(_BODY_DISCARD_CHUNK):  # Django's stream stops at the Content-Length
                return
    except OSError:
        # A read timed out, or the client went away: what was read is accounted for by gunicorn's parser, which
        # discards the rest after the answer, or closes the connection.
        return
    finally:
        if sock is not None:
            with contextlib.suppress(OSError):  # the client has gone: gunicorn closes the socket
                sock.settimeout(prior)


def static_file_security_headers(headers: Any) -> None:
    """The CSP (enforced and report-only) and X-Frame-Options of a file whitenoise serves (settings'
    WHITENOISE_ADD_HEADERS_FUNCTION): it answers before ResponseHeadersMiddleware and XFrameOptionsMiddleware run.
    Built when whitenoise indexes the file, from the settings then."""
    policies = _Policies().current()
    if policies.enforced:
        headers[HEADER] = policies.enforced
    if policies.report_only:
        headers[HEADER_REPORT_ONLY] = policies.report_only
    headers["X-Frame-Options"] = settings.X_FRAME_OPTIONS
