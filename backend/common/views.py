"""The base class of every API view, and the views of the OpenAPI document and its Swagger UI."""

from collections.abc import Callable, Mapping
from typing import Any
from uuid import UUID

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .cached_reads import CachedRead
from .response_cache import RenderedBody


class ApiView(APIView):
    # No class docstring on purpose: drf-spectacular shows the nearest class docstring as the description of
    # every operation that has none of its own.
    #
    # DRF's APIView with two additions. Requests refused for missing or bad credentials count against the
    # ``anon`` rate limit too (and get a 429 once over it): DRF authenticates and checks permissions before it
    # throttles, so otherwise an anonymous client could hammer protected endpoints, or try forged tokens,
    # without ever being limited. And a view declares the cached reads its GET serves in ``cached_reads``:
    # authentication fetches their keys in the same cache round trip as the session's (``read_ahead``), and
    # ``cached_body`` / ``cached_count`` use them, so a cached read costs no second round trip.

    cached_reads: tuple[CachedRead, ...] = ()
    # True for a view whose URL names an object (an id): its handlers look it up before they read the body, so another
    # user's object is a 404 whatever the body holds, and those that read none call ``check_body`` after the lookup.
    body_after_lookup = False
    # The values of the cached_reads' keys, fetched by authentication for this request (None: not fetched).
    read_ahead: Mapping[str, Any] | None = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        try:
            super().initial(request, *args, **kwargs)
        except (exceptions.NotAuthenticated, exceptions.AuthenticationFailed):
            self.check_throttles(request)  # the request is anonymous now: counts per IP, raises Throttled when over
            raise
        if not self.body_after_lookup:
            self.check_body(request)

    def check_body(self, request: Request) -> None:
        """A write's body, if it has one, parsed now whether or not the handler reads it: a malformed or non-JSON
        body is a 400 or a 415 on every write (docs/api.md), not accepted unread by one that takes none."""
        if request.method in _WRITE_METHODS and _has_body(request):
            request.data  # noqa: B018

    def read_ahead_keys(self, request: Request, *, owner_id: str) -> list[str]:
        """The cache keys this request's GET will read, for authentication to fetch with the session's."""
        if request.method != "GET":
            return []
        return [key for read in self.cached_reads if (keys := read.keys(request, owner_id=owner_id)) for key in keys]

    def cached_body(self, read: CachedRead, *, owner_id: UUID, render: Callable[[], RenderedBody]) -> RenderedBody:
        return read.get_or_render(self.request, owner_id=owner_id, render=render, read_ahead=self.read_ahead)

    def cached_count(self, read: CachedRead, *, owner_id: UUID, count: Callable[[], int]) -> int:
        return read.get_or_count(self.request, owner_id=owner_id, count=count, read_ahead=self.read_ahead)


_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _has_body(request: Request) -> bool:
    # Its Content-Length: a body sent chunked without one was refused before (headers.ResponseHeadersMiddleware).
    return request.META.get("CONTENT_LENGTH") not in (None, "", "0")


class _JsonErrors:
    """Errors (a wrong method, ``format`` or ``Accept``) and the answer to OPTIONS in JSON, as every error under /api/
    is, rather than through the view's own renderer: the document's YAML, or the docs page's HTML template (which
    has nothing to render OPTIONS' description with: a 500)."""

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        if getattr(response, "exception", False) or request.method == "OPTIONS":
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]


class SchemaView(_JsonErrors, SpectacularAPIView):
    """The OpenAPI document."""


class DocsView(_JsonErrors, SpectacularSwaggerSplitView):
    """Swagger UI for the OpenAPI document."""
