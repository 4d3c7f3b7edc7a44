"""Top-level routes: the API under /api/, the admin, docs and probes."""

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from backend.accounts.admin_login import admin_login
from backend.common import health
from backend.common.exceptions import api_not_found

api_patterns: list[URLPattern | URLResolver] = [
    path("", include("backend.accounts.urls")),
    path("", include("backend.tasks.urls")),
    re_path(r"^schema/?$", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its init script as a file, so the CSP needs no 'unsafe-inline'.
    re_path(
        r"^docs/?$",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="common/swagger_ui.html"),
        name="docs",
    ),
    # Anything else under /api/ is a JSON 404, never an HTML page or a redirect.
    re_path(r"^.*$", api_not_found),
]

urlpatterns = [
    # Until the dashboard is served here, the front door is the API documentation.
    path("", RedirectView.as_view(url="/api/docs/", permanent=False)),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/login/", admin_login, name="admin-login"),  # before admin.site.urls, which has its own
    path("admin/", admin.site.urls),
    path("api/", include(api_patterns)),
    path("api", api_not_found),  # not CommonMiddleware's HTML redirect to /api/
]

handler400 = "backend.common.exceptions.handler400"
handler404 = "backend.common.exceptions.handler404"
handler500 = "backend.common.exceptions.handler500"
