"""docker-compose.yml's one origin: the frontend's nginx, with the proxy file compose mounts into it,
in front of a real gunicorn backend (tests/e2e/servers.py), on this machine.

The mount (source and target) is read from docker-compose.yml; only the upstream address changes, from
the compose service name to the backend this test started. Needs the built SPA and nginx.
"""

import json
import shutil
import subprocess
from collections.abc import Iterator

import pytest
import yaml

from tests.deploy.nginx import Served, fetch, frontend_stage, nginx_serving
from tests.e2e.servers import ROOT, served
from tests.workflows.github import steps

pytestmark = pytest.mark.built_spa

COMPOSE_UPSTREAM = "http://backend:8000"


def compose_proxy_mount() -> tuple[str, str]:
    """(source text, target path in the image) of the nginx file docker-compose.yml mounts into the frontend."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    mounts = [volume.split(":") for volume in compose["services"]["frontend"]["volumes"]]
    [(source, target, _mode)] = [m for m in mounts if m[1].startswith("/etc/nginx/server.d/")]
    return (ROOT / source).read_text(), target


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Served]:
    text, target = compose_proxy_mount()
    assert text.count(COMPOSE_UPSTREAM) == 3  # /api/, /admin/, /static/
    # As in compose: nginx is the one proxy in front of the backend.
    with served(tmp_path_factory.mktemp("compose-backend"), TRUSTED_PROXY_COUNT="1") as backend_url:
        proxy = text.replace(COMPOSE_UPSTREAM, backend_url)
        with nginx_serving(frontend_stage(), extra_files={target: proxy}) as frontend:
            yield frontend


def test_api_requests_reach_django_through_the_frontend(site):
    status, headers, body = fetch(f"{site.url}/api/auth/me/")
    assert status == 401
    assert headers["Content-Type"] == "application/json"
    assert b'"code":"not_authenticated"' in body.replace(b" ", b"")


def test_proxied_responses_carry_djangos_headers_once_not_nginxs_as_well(site):
    _, headers, _ = fetch(f"{site.url}/api/auth/me/")
    # Django's own CSP and frame options; a second copy from nginx would make X-Frame-Options invalid.
    assert len(headers.get_all("Content-Security-Policy")) == 1
    assert headers.get_all("X-Frame-Options") == ["DENY"]
    assert headers["X-Request-ID"]  # set by Django's middleware, so Django answered


def _send(url: str, method: str, body: dict, **headers: str) -> tuple[int, dict]:
    status, _, raw = fetch(url, method=method, json_body=body, **headers)
    return status, json.loads(raw or b"{}")


def test_an_edit_with_the_etag_a_compressing_browser_was_given_is_not_refused(site):
    # Given a signed-up user's task whose body is long enough for nginx to compress (over 1 KB)
    signup = {"email": "etag@example.com", "password": "a long enough passphrase 42"}
    status, registered = _send(f"{site.url}/api/auth/register/", "POST", signup)
    assert status == 201, registered
    bearer = {"Authorization": f"Bearer {registered['access']}"}
    status, task = _send(f"{site.url}/api/tasks/", "POST", {"title": "Long", "description": "x" * 2000}, **bearer)
    assert status == 201, task

    # When the SPA reads it as a browser does (gzip accepted), then saves an edit with the ETag it got
    status, headers, _ = fetch(f"{site.url}/api/tasks/{task['id']}/", **bearer, **{"Accept-Encoding": "gzip"})
    assert status == 200
    etag = headers["ETag"]
    status, saved = _send(
        f"{site.url}/api/tasks/{task['id']}/", "PATCH", {"title": "Edited"}, **bearer, **{"If-Match": etag}
    )

    # Then the ETag is the strong one the API made, and the edit is saved, not refused as 412
    assert not etag.startswith("W/"), etag
    assert (status, saved.get("title")) == (200, "Edited"), saved


def test_admin_and_its_static_files_come_from_django(site):
    status, _, body = fetch(f"{site.url}/admin/login/")
    assert status == 200
    assert b"Django administration" in body
    status, headers, _ = fetch(f"{site.url}/static/admin/css/base.css")
    assert status == 200
    assert headers["Content-Type"].startswith("text/css")


def test_other_paths_are_still_the_spa(site):
    status, headers, body = fetch(f"{site.url}/tasks")
    assert status == 200
    assert body == (site.html / "index.html").read_bytes()
    assert headers["Cache-Control"] == "no-cache"


# ------------------------------------------------------------------------------
# The deploy action's smoke step (.github/actions/deploy-overlay), as GitHub runs it, against this same origin
# ------------------------------------------------------------------------------
def _smoke(url: str, tmp_path) -> subprocess.CompletedProcess:
    action = ROOT / ".github" / "actions" / "deploy-overlay" / "action.yml"
    [step] = [step for _, step in steps(action) if step.get("name", "").startswith("Smoke test")]
    script = tmp_path / "smoke.sh"
    script.write_text(step["run"])
    bash = shutil.which("bash")
    assert bash, "bash not found"
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "APP_URL": f"{url}/", "ENVIRONMENT": "staging"}
    return subprocess.run(
        [bash, "--noprofile", "--norc", "-e", "-o", "pipefail", str(script)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_deploy_smoke_step_passes_when_the_spa_and_django_answer(site, tmp_path):
    result = _smoke(site.url, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Django (HTTP 401 without a token" in result.stdout


def test_the_deploy_smoke_step_fails_when_only_the_spa_answers(tmp_path):
    # The SPA's nginx alone answers every other path with index.html and 200 (/readyz included), so a check that
    # passes here would pass with the backend unreachable.
    with nginx_serving(frontend_stage()) as spa_only:
        result = _smoke(spa_only.url, tmp_path)
    assert result.returncode == 1
    assert "/api/auth/me/ answered HTTP 404" in result.stderr
