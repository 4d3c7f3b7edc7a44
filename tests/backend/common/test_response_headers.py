"""backend.common.headers.ResponseHeadersMiddleware answers as corsheaders' and django-csp's middleware did.

It replaced CorsMiddleware and CSPMiddleware (and the project's rate-limit-header and body-limit middleware, whose
behaviour test_throttles.py and test_security_headers.py check through the whole stack): every case here runs the
same request through it and through the two libraries' middleware, and compares every header.
"""

import json
from collections.abc import Callable

import pytest
from corsheaders.middleware import CorsMiddleware
from csp.constants import NONCE
from csp.decorators import csp_exempt, csp_update
from csp.exceptions import CSPNonceError
from csp.middleware import CSPMiddleware
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from backend.common.headers import ResponseHeadersMiddleware, header_set_checked

ORIGIN = "https://app.example.com"


def _plain(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"{}", content_type="application/json")


def _with_vary(request: HttpRequest) -> HttpResponse:
    response = _plain(request)
    response["Vary"] = "Accept"
    return response


def _own_csp(request: HttpRequest) -> HttpResponse:
    response = _plain(request)
    response["Content-Security-Policy"] = "default-src 'none'"
    return response


@csp_update({"img-src": ["https://images.example.com"]})
def _csp_updated(request: HttpRequest) -> HttpResponse:
    return _plain(request)


@csp_exempt()
def _csp_exempted(request: HttpRequest) -> HttpResponse:
    return _plain(request)


VIEWS: dict[str, Callable[[HttpRequest], HttpResponse]] = {
    "plain": _plain,
    "vary": _with_vary,
    "own-csp": _own_csp,
    "csp-update": _csp_updated,
    "csp-exempt": _csp_exempted,
}
REQUESTS = {
    "api": ("get", "/api/tasks/", {}),
    "api-origin-allowed": ("get", "/api/tasks/", {"HTTP_ORIGIN": ORIGIN}),
    "api-origin-other": ("get", "/api/tasks/", {"HTTP_ORIGIN": "https://evil.example"}),
    "api-origin-empty": ("get", "/api/tasks/", {"HTTP_ORIGIN": ""}),
    "api-preflight": (
        "options",
        "/api/tasks/",
        {"HTTP_ORIGIN": ORIGIN, "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "POST"},
    ),
    "api-options": ("options", "/api/tasks/", {}),
    "spa": ("get", "/tasks", {}),
    "spa-origin": ("get", "/tasks", {"HTTP_ORIGIN": ORIGIN}),
}


def _reference(view: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    """The libraries' middleware in the order MIDDLEWARE had them: CORS outside the CSP."""
    return CorsMiddleware(CSPMiddleware(view))


def _headers(response: HttpResponse) -> dict[str, str]:
    return dict(response.headers.items())


def _headers_but_our_cache_control(response: HttpResponse, path: str, *, preflight: bool = False) -> dict[str, str]:
    """Our answer's headers without the one it adds beyond the libraries' (an API answer that has no
    Cache-Control of its own is private, no-store: test_security_headers.py), checked here to be exactly that. A
    CORS preflight is answered as corsheaders answers it."""
    headers = _headers(response)
    if path.startswith("/api/") and not preflight:
        assert headers.pop("Cache-Control") == "private, no-store"
    return headers


@pytest.fixture(autouse=True)
def _cors(settings):
    settings.CORS_ALLOWED_ORIGINS = [ORIGIN]


@pytest.mark.parametrize("view_name", VIEWS)
@pytest.mark.parametrize("request_name", REQUESTS)
def test_every_header_is_the_libraries(view_name, request_name):
    method, path, meta = REQUESTS[request_name]
    factory = RequestFactory()

    # When the same request reaches the same view through both
    ours = ResponseHeadersMiddleware(VIEWS[view_name])(getattr(factory, method)(path, **meta))
    theirs = _reference(VIEWS[view_name])(getattr(factory, method)(path, **meta))

    # Then the status and every header agree, in value and spelling
    assert ours.status_code == theirs.status_code
    preflight = request_name == "api-preflight"
    assert _headers_but_our_cache_control(ours, path, preflight=preflight) == _headers(theirs)


def test_a_report_only_policy_and_a_changed_policy_are_built_as_django_csp_builds_them(settings):
    middleware = ResponseHeadersMiddleware(_plain)
    first = middleware(RequestFactory().get("/api/tasks/"))

    # Given the settings change (as in a test, or a reload): a new policy and a report-only one
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'self'", "https://cdn.example.com"]}}
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": {"script-src": ["'none'"]}}
    ours = middleware(RequestFactory().get("/api/tasks/"))
    theirs = _reference(_plain)(RequestFactory().get("/api/tasks/"))

    # Then the next response carries them, as django-csp would
    assert _headers_but_our_cache_control(ours, "/api/tasks/") == _headers(theirs)
    assert "cdn.example.com" in ours["Content-Security-Policy"]
    assert "cdn.example.com" not in first["Content-Security-Policy"]
    assert ours["Content-Security-Policy-Report-Only"] == theirs["Content-Security-Policy-Report-Only"]


def test_a_nonce_used_by_the_view_is_handled_by_django_csp_and_none_can_be_made_after_the_header(settings):
    def uses_nonce(request: HttpRequest) -> HttpResponse:
        response = _plain(request)
        response.content = str(request.csp_nonce).encode()  # type: ignore[attr-defined]
        return response

    # Given a policy that asks for a nonce, and a view that uses one
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"script-src": ["'self'", NONCE]}}
    ours = ResponseHeadersMiddleware(uses_nonce)(RequestFactory().get("/admin/"))
    theirs = _reference(uses_nonce)(RequestFactory().get("/admin/"))

    # Then the nonce the view used is in the policy, as django-csp puts it
    assert f"'nonce-{ours.content.decode()}'" in ours["Content-Security-Policy"]
    assert ours["Content-Security-Policy"].replace(ours.content.decode(), "N") == theirs[
        "Content-Security-Policy"
    ].replace(theirs.content.decode(), "N")

    # And a request whose nonce nobody used cannot make one once the header is written
    untouched = RequestFactory().get("/api/tasks/")
    ResponseHeadersMiddleware(_plain)(untouched)
    with pytest.raises(CSPNonceError):
        str(untouched.csp_nonce)  # type: ignore[attr-defined]


def test_a_checked_header_is_stored_as_setitem_stores_it():
    ours, theirs = HttpResponse(), HttpResponse()
    header_set_checked(ours, "X-Request-ID", "abc-123")
    theirs["X-Request-ID"] = "abc-123"
    assert ours.headers._store == theirs.headers._store  # type: ignore[attr-defined]


def test_a_body_over_the_limit_is_a_json_413_with_the_security_headers(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10
    request = RequestFactory().post("/api/tasks/", data=b"x" * 11, content_type="application/json")

    response = ResponseHeadersMiddleware(_plain)(request)

    assert response.status_code == 413
    assert json.loads(response.content)["code"] == "request_too_large"
    assert "Content-Security-Policy" in response
    assert response["Vary"] == "origin"
