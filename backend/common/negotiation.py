"""DRF's content negotiation, reading the Accept header from the WSGI environ, its answers remembered.

DRF reads it through ``request.headers``, which builds a dictionary of every request header (about 5 us) just to
find this one; nothing else on the API's hot path needs that dictionary. The negotiation itself, with DRF's bounds
on the header's length and tokens, is DRF's own (REST_FRAMEWORK["DEFAULT_CONTENT_NEGOTIATION_CLASS"]); its answer
depends only on the Accept header and the view's renderer classes, and clients send few distinct headers, so it is
remembered per pair (bounded) instead of parsed and matched again on every request (about 20 us).
"""

import threading
from typing import Any

from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.utils.mediatypes import _MediaType


class _AcceptOnly:
    """What DefaultContentNegotiation.get_accept_list reads of a request: ``headers.get("accept", default)``."""

    __slots__ = ("headers",)

    def __init__(self, accept: str | None) -> None:
        self.headers = {} if accept is None else {"accept": accept}


_SELECTED_MAX = 512  # distinct (Accept, renderer classes) pairs remembered; past that the memo starts afresh
_selected: dict[tuple[str | None, tuple[type, ...]], tuple[int, str]] = {}
_selected_lock = threading.Lock()


class ContentNegotiation(DefaultContentNegotiation):
    def select_parser(self, request: Any, parsers: Any) -> Any:
        """DRF's, except that a wildcard Content-Type (``*/*``, ``application/*``) names no format, so it is a 415
        as the docs say of anything but ``application/json``: DRF would match it to the JSON parser."""
        media_type = _MediaType(request.content_type or "")
        if "*" in (media_type.main_type, media_type.sub_type):
            return None
        return super().select_parser(request, parsers)

    def get_accept_list(self, request: Any) -> list[str]:
        return super().get_accept_list(_AcceptOnly(request.META.get("HTTP_ACCEPT")))  # type: ignore[arg-type]

    def select_renderer(self, request: Any, renderers: Any, format_suffix: str | None = None) -> Any:
        if format_suffix or self.settings.URL_FORMAT_OVERRIDE in request.META.get("QUERY_STRING", ""):
            return super().select_renderer(request, renderers, format_suffix)  # a ?format= override: not remembered
        key = (request.META.get("HTTP_ACCEPT"), tuple(type(renderer) for renderer in renderers))
        remembered = _selected.get(key)
        if remembered is not None:
            index, media_type = remembered
            return renderers[index], media_type
        renderer, media_type = super().select_renderer(request, renderers)  # NotAcceptable is not remembered
        with _selected_lock:
            if len(_selected) >= _SELECTED_MAX:
                _selected.clear()
            _selected[key] = (renderers.index(renderer), media_type)
        return renderer, media_type
