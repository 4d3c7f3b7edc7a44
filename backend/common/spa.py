"""The React SPA (``frontend/dist``, built by Vite) served by Django on the same origin as the API.

- ``/assets/*``: Vite's content-hashed files, served by whitenoise with a one-year immutable cache.
- Any other non-API, non-admin, non-static path: ``index.html`` (``Cache-Control: no-cache``), so
  deep links such as ``/tasks?status=done`` work and a new build is picked up on the next load.
  It goes through the view rather than whitenoise so every middleware header (the CSP) applies.
- Unknown ``/api/`` paths stay JSON 404s (config/urls.py matches them first).
"""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe
from whitenoise.middleware import WhiteNoiseMiddleware

ASSETS_URL = "/assets/"

# The paths the fallback must never answer with index.html: the API and admin (their own 404s),
# static files and build assets (a missing file is a 404, not HTML with status 200).
SPA_FALLBACK_PATTERN = r"^(?!api(?:/|$)|admin(?:/|$)|static/|assets/)(?!.*\.[A-Za-z0-9]{1,8}/?$).*$"

NOT_BUILT_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Dashboard not built</title></head>
<body><h1>The dashboard has not been built yet</h1>
<p>Run <code>make run</code> (it builds the SPA, then serves it), or build it yourself with
<code>make frontend-build</code> (<code>cd frontend &amp;&amp; npm ci &amp;&amp; npm run build</code>).</p>
<p>The API is up: see <a href="/api/docs/">/api/docs/</a>.</p></body></html>
"""


def dist_dir() -> Path:
    return Path(settings.SPA_DIST_DIR)


class SpaWhiteNoiseMiddleware(WhiteNoiseMiddleware):
    """whitenoise for STATIC_ROOT as configured, plus the SPA's hashed build assets at /assets/."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        assets = dist_dir() / "assets"
        # With autorefresh (DEBUG) whitenoise looks files up per request, so a later build is found.
        if self.autorefresh or assets.is_dir():
            self.add_files(str(assets), prefix=ASSETS_URL)

    def immutable_file_test(self, path: str, url: str) -> bool:
        # Vite writes only content-hashed names under assets/ (name-<hash>.ext).
        return url.startswith(ASSETS_URL) or super().immutable_file_test(path, url)


@require_safe
def spa_index(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """index.html of the build, never cached without revalidation; 503 with a hint when not built."""
    try:
        html = (dist_dir() / "index.html").read_bytes()
    except FileNotFoundError:
        response = HttpResponse(NOT_BUILT_HTML, status=503, content_type="text/html; charset=utf-8")
    else:
        response = HttpResponse(html, content_type="text/html; charset=utf-8")
    patch_cache_control(response, no_cache=True)
    return response
