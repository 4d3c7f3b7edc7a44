"""Security headers on API, docs and admin responses; CORS; the HTTPS settings of production."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from tests.support.settings_process import PRODUCTION_ENV

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=", re.IGNORECASE)


def _csp(response) -> dict[str, list[str]]:
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def _assert_hardened(response) -> None:
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    csp = _csp(response)
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]


def test_api_responses_carry_the_security_headers(auth_client):
    _assert_hardened(auth_client.get("/api/tasks/"))
    _assert_hardened(auth_client.get("/api/nope/"))


def test_the_admin_login_page_has_the_csp_and_nothing_inline_it_would_block():
    response = Client().get("/admin/login/")

    assert response.status_code == 200
    _assert_hardened(response)
    html = response.content.decode()
    assert not INLINE_SCRIPT.search(html)
    assert not INLINE_STYLE.search(html)


def test_the_signed_in_admin_pages_have_nothing_inline(admin_client):
    for path in ("/admin/", "/admin/tasks/task/", "/admin/accounts/user/add/"):
        response = admin_client.get(path)
        assert response.status_code == 200, path
        _assert_hardened(response)
        assert not INLINE_SCRIPT.search(response.content.decode()), path


def test_the_api_docs_load_their_script_from_a_url_under_the_csp():
    page = Client().get("/api/docs/")
    html = page.content.decode()

    assert page.status_code == 200
    _assert_hardened(page)
    assert not INLINE_SCRIPT.search(html)
    assert not INLINE_STYLE.search(html)
    script = Client().get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


# ------------------------------------------------------------------------------
# CORS: same-origin by default; listed origins only
# ------------------------------------------------------------------------------
def test_by_default_no_origin_is_allowed_cross_site(auth_client):
    response = auth_client.get("/api/tasks/", HTTP_ORIGIN="https://evil.example")

    assert "Access-Control-Allow-Origin" not in response


def test_a_listed_origin_is_allowed_with_credentials(auth_client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]

    response = auth_client.get("/api/tasks/", HTTP_ORIGIN="https://app.example.com")
    preflight = Client().options(
        "/api/auth/refresh/",
        HTTP_ORIGIN="https://app.example.com",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
    )

    assert response["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert response["Access-Control-Allow-Credentials"] == "true"
    assert preflight.status_code == 200
    assert preflight["Access-Control-Allow-Origin"] == "https://app.example.com"


def test_an_unlisted_origin_gets_no_cors_headers_even_when_others_are_listed(auth_client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]

    response = auth_client.get("/api/tasks/", HTTP_ORIGIN="https://app.example.com.evil.example")

    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Credentials" not in response


# ------------------------------------------------------------------------------
# HTTPS behind the ingress
# ------------------------------------------------------------------------------
def _production_settings(**env_overrides: str) -> dict:
    names = [
        "SECURE_HSTS_SECONDS",
        "SECURE_SSL_REDIRECT",
        "SECURE_PROXY_SSL_HEADER",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "REFRESH_COOKIE_SECURE",
        "RATE_LIMIT_ENABLED",
        "DEBUG",
    ]
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        **PRODUCTION_ENV,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres",
        REDIS_URL="redis://127.0.0.1:6379/0",
        **env_overrides,
    )
    code = f"import json, config.settings.production as s; print(json.dumps({{n: getattr(s, n) for n in {names!r}}}))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def test_production_is_https_only_with_secure_cookies_and_limits_on():
    values = _production_settings()

    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SESSION_COOKIE_SECURE"] is values["CSRF_COOKIE_SECURE"] is values["REFRESH_COOKIE_SECURE"] is True
    assert values["RATE_LIMIT_ENABLED"] is True
    assert values["DEBUG"] is False


def test_production_https_redirect_can_be_switched_off_for_an_ingress_that_redirects():
    assert _production_settings(SECURE_SSL_REDIRECT="false")["SECURE_SSL_REDIRECT"] is False


def test_behind_a_tls_ingress_plain_http_redirects_and_forwarded_https_gets_hsts(settings, auth_client):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

    plain = auth_client.get("/api/tasks/", HTTP_HOST="localhost")
    forwarded = auth_client.get("/api/tasks/", HTTP_HOST="localhost", HTTP_X_FORWARDED_PROTO="https")
    probe = Client().get("/healthz", HTTP_HOST="localhost")

    assert plain.status_code == 301
    assert plain["Location"] == "https://localhost/api/tasks/"
    assert forwarded.status_code == 200
    assert forwarded["Strict-Transport-Security"].startswith("max-age=31536000")
    assert probe.status_code == 200


def test_a_listed_origin_may_send_conditional_headers_and_read_etags_and_limits(auth_client, user, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]

    preflight = Client().options(
        "/api/tasks/",
        HTTP_ORIGIN="https://app.example.com",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="PATCH",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type, if-match, if-none-match",
    )
    response = auth_client.get("/api/tasks/", HTTP_ORIGIN="https://app.example.com")

    allowed = {h.strip() for h in preflight["Access-Control-Allow-Headers"].split(",")}
    assert {"if-match", "if-none-match", "authorization"} <= allowed
    exposed = {h.strip() for h in response["Access-Control-Expose-Headers"].split(",")}
    assert {"ETag", "Retry-After", "X-RateLimit-Remaining"} <= exposed


def test_the_spa_index_and_its_deep_links_carry_the_security_headers(settings, tmp_path):
    (tmp_path / "index.html").write_text('<!doctype html><script type="module" src="/assets/app-1a2b3c4d.js"></script>')
    settings.SPA_DIST_DIR = str(tmp_path)

    for path in ("/", "/tasks?status=done"):
        response = Client().get(path)
        assert response.status_code == 200, path
        _assert_hardened(response)


def test_files_whitenoise_serves_carry_the_csp_and_frame_protection_too(settings, tmp_path):
    # (whitenoise answers /static/ and /assets/ before the header middlewares: an HTML file among them, such as the
    # API docs' oauth2-redirect.html, must not be frameable or run what the CSP forbids)
    static_root, dist = tmp_path / "static", tmp_path / "dist"
    (static_root / "docs").mkdir(parents=True)
    (static_root / "docs" / "redirect.html").write_text("<!doctype html><p>redirect</p>")
    (dist / "assets").mkdir(parents=True)
    (dist / "assets" / "index-AbC123xy.js").write_text("console.log('app')")
    settings.STATIC_ROOT, settings.SPA_DIST_DIR = str(static_root), str(dist)
    client = Client()  # a new handler: whitenoise indexes STATIC_ROOT when it starts

    for path in ("/static/docs/redirect.html", "/assets/index-AbC123xy.js"):
        response = client.get(path)
        assert response.status_code == 200, path
        _assert_hardened(response)


@pytest.mark.parametrize("path", ["/api/auth/me/", "/api/auth/sessions/", "/api/auth/activity/", "/api/auth/mfa/"])
def test_personal_api_reads_may_not_be_stored_by_any_cache(auth_client, path):
    # (a profile, sessions with their addresses, the security activity: nothing a shared cache or a shared machine's
    # disk may keep)
    response = auth_client.get(path)

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


def test_an_api_error_may_not_be_stored_either(api_client):
    response = api_client.get("/api/auth/me/")

    assert response.status_code == 401
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(
    ("path", "status"),
    [("/api/no/such/path/", 404), ("/api", 404)],
    ids=["unknown-api-path", "api-without-slash"],
)
def test_an_api_error_answered_outside_the_views_may_not_be_stored_either(api_client, path, status):
    response = api_client.get(path)

    assert response.status_code == status
    assert response["Cache-Control"] == "private, no-store"


def test_a_body_refused_as_too_large_may_not_be_stored_either(api_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10

    response = api_client.post("/api/auth/login/", {"email": "someone@example.com"}, format="json")

    assert response.status_code == 413
    assert response["Cache-Control"] == "private, no-store"


def test_the_task_reads_keep_their_own_revalidation(auth_client):
    assert auth_client.get("/api/tasks/")["Cache-Control"] == "private, no-cache"
