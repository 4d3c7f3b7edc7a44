"""The frontend image's nginx config (tests/deploy/nginx.py runs it): the SPA with its fallback, caching,
compression, security headers and health endpoint. Needs the built SPA (`make frontend-build`;
`make test-e2e` builds it, then runs this module) and nginx (apt-get install -y nginx).
"""

import gzip
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from tests.deploy.nginx import Served, fetch, frontend_stage, nginx_serving

pytestmark = pytest.mark.built_spa


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    with nginx_serving(frontend_stage()) as site:
        yield site


def csp_directives(policy: str) -> dict[str, list[str]]:
    parts = (part.split() for part in policy.split(";") if part.strip())
    return {name: sorted(values) for name, *values in parts}


def assert_security_headers(headers) -> None:
    """The backend's headers (config/settings/base.py), so the SPA behaves the same behind either server."""
    backend_csp = {name: sorted(values) for name, values in settings.CONTENT_SECURITY_POLICY["DIRECTIVES"].items()}
    assert csp_directives(headers["Content-Security-Policy"]) == backend_csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == settings.X_FRAME_OPTIONS
    assert headers["Referrer-Policy"] == settings.SECURE_REFERRER_POLICY
    assert headers["Cross-Origin-Opener-Policy"] == settings.SECURE_CROSS_ORIGIN_OPENER_POLICY
    assert "nginx/" not in headers.get("Server", "")  # server_tokens off


def hashed_asset(html: Path, suffix: str, *, precompressed: bool) -> Path:
    for path in sorted((html / "assets").glob(f"*{suffix}"), key=lambda p: p.stat().st_size, reverse=True):
        if Path(f"{path}.gz").exists() == precompressed:
            return path
    pytest.fail(f"no {suffix} asset {'with' if precompressed else 'without'} a .gz copy in the build")


def test_missing_assets_and_backend_paths_are_404_never_index_html(served):
    index = (served.html / "index.html").read_bytes()
    for path in ("/assets/nope.js", "/assets/index-missing.css", "/favicon-missing.svg", "/api/tasks/", "/admin/"):
        status, headers, body = fetch(served.url + path)
        assert (path, status) == (path, 404)
        assert body != index
        assert_security_headers(headers)


def test_a_missing_asset_is_a_404_no_cache_keeps(served):
    # (mid-rollout a new index.html may ask an old pod for a new chunk: a year-long cached 404 would break the app)
    status, headers, _ = fetch(f"{served.url}/assets/index-not-built-yet.js")

    assert status == 404
    assert headers["Cache-Control"] == "no-store"
    assert_security_headers(headers)


def test_healthz_answers_200_from_nginx_itself(served):
    status, headers, body = fetch(f"{served.url}/healthz")
    assert (status, body) == (200, b"ok\n")
    assert headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", ["/", "/tasks", "/tasks?status=done", "/account/sessions", "/index.html"])
def test_the_entry_point_and_deep_links_get_index_html_revalidated_on_every_load(served, path):
    status, headers, body = fetch(served.url + path)
    assert status == 200
    assert body == (served.html / "index.html").read_bytes()
    assert headers["Content-Type"].startswith("text/html")
    assert headers["Cache-Control"] == "no-cache"
    assert_security_headers(headers)


def test_hashed_assets_are_cached_for_a_year_as_immutable(served):
    script = hashed_asset(served.html, ".js", precompressed=True)
    status, headers, body = fetch(f"{served.url}/assets/{script.name}")
    assert status == 200
    assert body == script.read_bytes()
    assert "javascript" in headers["Content-Type"]
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert_security_headers(headers)


def test_a_precompressed_asset_is_served_from_its_gz_file(served):
    script = hashed_asset(served.html, ".js", precompressed=True)
    status, headers, body = fetch(f"{served.url}/assets/{script.name}", **{"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    # gzip_static sends the .gz file byte for byte (on-the-fly gzip would compress at level 5, chunked).
    assert body == Path(f"{script}.gz").read_bytes()
    assert headers["Content-Length"] == str(len(body))
    assert gzip.decompress(body) == script.read_bytes()
    assert "Accept-Encoding" in headers["Vary"]
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_text_without_a_gz_copy_is_gzipped_on_the_fly(served):
    style = hashed_asset(served.html, ".css", precompressed=True)
    Path(f"{style}.gz").unlink()  # this module's own copy of the build
    status, headers, body = fetch(f"{served.url}/assets/{style.name}", **{"Accept-Encoding": "gzip"})
    assert (status, headers["Content-Encoding"]) == (200, "gzip")
    assert gzip.decompress(body) == style.read_bytes()


def test_access_log_lines_are_json_without_query_strings(served):
    fetch(f"{served.url}/tasks?token=do-not-log-me")
    lines = [line for line in served.stdout.read_text().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]
    assert any(r["path"] == "/tasks" and r["status"] == 200 for r in records)
    assert "do-not-log-me" not in served.stdout.read_text()
    assert all(r["event"] == "http_access" for r in records)


def test_access_log_lines_name_their_fields_and_give_the_duration_in_seconds_as_duration_s(served):
    fetch(f"{served.url}/logged-deep-link")
    line = next(line for line in served.stdout.read_text().splitlines() if '"path":"/logged-deep-link"' in line)
    record = json.loads(line)

    assert set(record) == {
        "time", "event", "method", "path", "status", "bytes", "duration_s", "remote_addr", "user_agent", "request_id",
    }  # fmt: skip
    assert (record["event"], record["method"], record["status"]) == ("http_access", "GET", 200)
    # nginx's $request_time: seconds with millisecond resolution, never milliseconds under an `_ms` name.
    assert re.search(r'"duration_s":\d+\.\d{3},', line)
    assert isinstance(record["duration_s"], float)
