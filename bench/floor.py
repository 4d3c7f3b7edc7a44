"""The floors every scenario is compared with: the cheapest possible answer from the same gunicorn config.

``application`` is a bare WSGI callable (floor-wsgi: gunicorn's own overhead). ``floor_view`` is a bare Django
view, served twice: behind the product's whole middleware stack and settings (floor-django, config.bench_urls)
and under `startproject`'s defaults (floor-plain, config.settings.bench_plain). Only those two urlconfs route to
it, never production's.
"""

from collections.abc import Callable, Iterable
from typing import Any

from django.http import HttpRequest, HttpResponse

# Routed by config.bench_urls only (config.settings.bench), never by the production urlconf.
FLOOR_PATH = "api/bench/floor/"
BODY = b'{"status":"ok","floor":true}'

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    """Fixed JSON, whatever the request."""
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))])
    return [BODY]


def floor_view(request: HttpRequest) -> HttpResponse:
    """Fixed JSON, after every middleware of the settings serving it has run."""
    return HttpResponse(BODY, content_type="application/json")
