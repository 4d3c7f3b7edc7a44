"""The 503 for a database outage; Django's messages created on first use; and the admin's session, user and
messages middleware kept off API requests. (The request-body guard is in headers.py, with the response headers.)"""

from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject, empty

from .api_paths import is_api_path
from .outage import is_database_outage


class DatabaseUnavailableMiddleware:
    """A view outside DRF (the admin) that cannot reach the database answers 503 with Retry-After, not 500.

    DRF's views get the same from the exception handler (backend/common/exceptions.py); an outage raised in
    another middleware reaches ``handler500``, which answers 503 too.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_database_outage(exception):
            return None
        from .exceptions import database_unavailable_response

        return database_unavailable_response(request, exception)


class LazyMessageMiddleware(MessageMiddleware):
    """Django's MessageMiddleware, creating the message storage on first use instead of on every request.

    Only the admin uses messages; the API never does. Django's storage (a cookie storage and a session storage,
    with a signer) costs about 8 us to create and, when nothing read or added a message, its ``update`` stores
    nothing: so a request that never touches ``request._messages`` skips both, and one that does gets the same
    storage as before, created then.
    """

    def process_request(self, request: HttpRequest) -> None:
        request._messages = SimpleLazyObject(partial(default_storage, request))  # type: ignore[attr-defined]

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        messages = request.__dict__.get("_messages")
        if isinstance(messages, SimpleLazyObject) and messages._wrapped is empty:  # type: ignore[attr-defined]
            return response  # never used: nothing to store
        return super().process_response(request, response)


class _NotForApi:
    """Leaves API requests (api_paths.is_api_path) alone. The API authenticates every request by its bearer token
    (DRF, backend/accounts/authentication.py, which also sets ``request.user``) and never uses Django's session,
    its session user or its messages: only the admin and the login pages do. Skipping them there saves an API
    request about 25 us (bench.middleware_cost) and changes nothing it answers."""

    def __call__(self, request: HttpRequest) -> Any:
        if is_api_path(request.path_info):
            return self.get_response(request)  # type: ignore[attr-defined]  # MiddlewareMixin's
        return super().__call__(request)  # type: ignore[misc]


class AdminSessionMiddleware(_NotForApi, SessionMiddleware):
    """Django's SessionMiddleware, off API requests."""


class AdminAuthenticationMiddleware(_NotForApi, AuthenticationMiddleware):
    """Django's AuthenticationMiddleware (the session's user), off API requests."""


class AdminMessageMiddleware(_NotForApi, LazyMessageMiddleware):
    """LazyMessageMiddleware, off API requests."""
