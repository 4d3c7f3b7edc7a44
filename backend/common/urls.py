"""URL helpers shared by the API apps."""

from collections.abc import Callable
from typing import Any

from django.urls import URLPattern, re_path


def api_path(route: str, view: Callable[..., Any], name: str) -> URLPattern:
    """Match ``route`` with or without its trailing slash, with no redirect.

    ``route`` is written like a ``path()`` route ending in "/", using only
    ``<uuid:...>``-free literal segments or regex groups, e.g. ``"sessions/(?P<pk>[^/]+)/"``.
    """
    stripped = route.rstrip("/")
    return re_path(rf"^{stripped}/?$", view, name=name)
