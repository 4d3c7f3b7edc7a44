"""Top-level routes: the API under /api/, the admin, docs, probes, and the SPA for everything else."""

from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, include, path, re_path

from backend.accounts.admin_login import admin_login
from backend.accounts.admin_password import admin_password_change
from backend.common import health
from backend.common.exceptions import api_not_found
from backend.common.spa import SPA_FALLBACK_PATTERN, spa_index
from backend.common.views import DocsView, SchemaView
from backend.tasks import urls as tasks_urls

api_patterns: list[URLPattern | URLResolver] = [
    # The hot path first: Django tries the patterns in order, so the task API does not pay for the auth ones. Its
    # patterns are listed here rather than include()d under "": one resolver level less to walk (and a
    # ResolverMatch less to build) on every task request, with the same names and paths.
    *tasks_urls.urlpatterns,
    path("", include("backend.accounts.urls")),
    path("", include("backend.mfa.urls")),
    path("", include("backend.oidc.urls")),
    re_path(r"^schema/?$", SchemaView.as_view(), name="schema"),
    # The split view serves its init script as a file, so the CSP needs no 'unsafe-inline'.
    re_path(
        r"^docs/?$",
        DocsView.as_view(url_name="schema", template_name="common/swagger_ui.html"),
        name="docs",
    ),
    # Anything else under /api/ is a JSON 404, never an HTML page or a redirect.
    re_path(r"^.*$", api_not_found),
]


def admin_view_on_site(request: HttpRequest, content_type_id: str, object_id: str) -> HttpResponse:
    """The admin's "view on site" redirect, for objects with a page on the site (get_absolute_url): no model has one,
    so it is always a 404. Django's own view is left unreachable: it looks the object up first, and a malformed id
    (``/admin/r/1/junk/``, a UUID primary key) raised ValidationError there, a 500 for any staff member."""
    raise Http404


urlpatterns = [
    # The API first, as the busiest (the prefixes below are disjoint, so the order changes no answer).
    path("api/", include(api_patterns)),
    path("api", api_not_found),  # not CommonMiddleware's HTML redirect to /api/
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/login/", admin_login, name="admin-login"),  # before admin.site.urls, which has its own
    path("admin/password_change/", admin_password_change, name="admin-password-change"),  # as admin/login/
    path("admin/r/<path:content_type_id>/<path:object_id>/", admin_view_on_site),  # as admin/login/
    path("admin/", admin.site.urls),
    # Last: the React app's index.html for / and its deep links (backend/common/spa.py).
    re_path(SPA_FALLBACK_PATTERN, spa_index, name="spa"),
]

handler400 = "backend.common.exceptions.handler400"
handler404 = "backend.common.exceptions.handler404"
handler500 = "backend.common.exceptions.handler500"
