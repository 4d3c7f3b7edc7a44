"""Shortcuts on every request that must answer as what they replace: lazily created messages, DRF's content
negotiation reading Accept from the environ, and the URL order of config/urls.py."""

import pytest
from django.contrib import messages
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.urls import resolve
from django.utils.functional import empty
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request

from backend.common.middleware import LazyMessageMiddleware
from backend.common.negotiation import ContentNegotiation


def _stack(middleware: type, view):
    return SessionMiddleware(middleware(view))


def _adds_a_message(request: HttpRequest) -> HttpResponse:
    messages.success(request, "Saved.")
    return HttpResponse("ok")


def _silent(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


@pytest.mark.parametrize("view", [_adds_a_message, _silent])
def test_messages_are_stored_as_djangos_middleware_stores_them(view):
    ours = _stack(LazyMessageMiddleware, view)(RequestFactory().get("/admin/"))
    theirs = _stack(MessageMiddleware, view)(RequestFactory().get("/admin/"))

    assert sorted(ours.cookies) == sorted(theirs.cookies)
    assert [m.key for m in ours.cookies.values()] == [m.key for m in theirs.cookies.values()]


def test_a_request_that_never_touches_messages_never_creates_their_storage():
    request = RequestFactory().get("/api/tasks/")
    _stack(LazyMessageMiddleware, _silent)(request)
    assert request._messages._wrapped is empty


def test_messages_added_are_read_back_through_the_lazy_storage():
    request = RequestFactory().get("/admin/")
    LazyMessageMiddleware(_silent).process_request(request)
    SessionMiddleware(_silent).process_request(request)
    messages.info(request, "Hello")
    assert [str(m) for m in messages.get_messages(request)] == ["Hello"]


@pytest.mark.parametrize(
    "accept",
    [None, "application/json", "*/*", "text/html", "text/html, application/json;q=0.9", "image/png", "", "a" * 5000],
)
@pytest.mark.parametrize("query", [{}, {"format": "json"}, {"format": "api"}])
def test_content_negotiation_picks_what_drfs_default_picks(accept, query):
    meta = {} if accept is None else {"HTTP_ACCEPT": accept}

    def pick(negotiation):
        renderers = [JSONRenderer(), BrowsableAPIRenderer()]  # new instances per request, as DRF makes them
        request = Request(RequestFactory().get("/api/tasks/", query, **meta))
        try:
            renderer, media_type = negotiation.select_renderer(request, renderers)
        except NotAcceptable:
            return "406"
        assert renderer in renderers
        return type(renderer).__name__, media_type

    drf = pick(DefaultContentNegotiation())
    assert pick(ContentNegotiation()) == drf
    assert pick(ContentNegotiation()) == drf  # remembered


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/tasks/", "task-list"),
        ("/api/tasks/stats/", "task-stats"),
        ("/api/tasks/3f2b8c1e-0000-4000-8000-000000000000/", "task-detail"),
        ("/api/auth/login/", "auth-login"),
        ("/healthz", "healthz"),
        ("/admin/login/", "admin-login"),
    ],
)
def test_the_api_first_and_the_task_routes_inline_resolve_every_path_as_before(path, name):
    assert resolve(path, urlconf="config.urls").url_name == name


@pytest.mark.parametrize(
    ("path", "admin_state"), [("/api/tasks/", False), ("/api/auth/login/", False), ("/admin/", True), ("/", True)]
)
def test_the_session_user_and_messages_are_set_up_for_the_admin_and_pages_but_not_for_the_api(db, path, admin_state):
    from backend.common.middleware import (
        AdminAuthenticationMiddleware,
        AdminMessageMiddleware,
        AdminSessionMiddleware,
    )

    seen: dict[str, bool] = {}

    def view(request: HttpRequest) -> HttpResponse:
        seen.update({name: hasattr(request, name) for name in ("session", "user", "_messages")})
        return HttpResponse("ok")

    stack = AdminSessionMiddleware(AdminAuthenticationMiddleware(AdminMessageMiddleware(view)))

    assert stack(RequestFactory().get(path)).status_code == 200
    assert seen == {"session": admin_state, "user": admin_state, "_messages": admin_state}


def test_an_api_request_answers_without_a_session_cookie_and_with_every_security_header(auth_client):
    response = auth_client.get("/api/tasks/")

    assert response.status_code == 200
    assert "sessionid" not in response.cookies
    assert response["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" in response
