"""The frontend image's nginx, on this machine: Debian's nginx runs the files Dockerfile.frontend COPYs,
laid out as in the image, with the image's ENTRYPOINT, against a precompressed copy of frontend/dist.

Only three things change, each checked to be there: /tmp (pid and temp paths) and the document root
point into a temp dir, and the server listens on a free loopback port. As root, nginx runs as the image's
USER on a read-only root filesystem where only that temp dir is writable (tests/deploy/container.py).
Needs the built SPA (`make frontend-build`; `make test-e2e` builds it, then runs this module).
"""

import gzip
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

from tests.deploy.container import PathMap, as_user, read_only_root
from tests.deploy.dockerfile import Stage, final_stage, instructions, user_ids
from tests.e2e.servers import ROOT
from tests.support.net import free_port

pytestmark = pytest.mark.built_spa

DOCKERFILE = ROOT / "Dockerfile.frontend"
DIST = ROOT / "frontend" / "dist"
PRECOMPRESS = ROOT / "docker" / "frontend" / "precompress.sh"
IMAGE_CONF_DIR = "/etc/nginx"
IMAGE_HTML = "/usr/share/nginx/html"
IMAGE_LISTEN = "listen 8080 default_server;"
DEBIAN_MIME_TYPES = Path("/etc/nginx/mime.types")


def nginx_binary() -> str:
    binary = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)
    if binary is None:
        message = "nginx is not installed: apt-get install -y nginx (.ci/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return binary


@dataclass
class Served:
    url: str
    html: Path
    stdout: Path


@pytest.fixture(scope="module")
def stage() -> Stage:
    return final_stage(DOCKERFILE, base_env={"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"})


def lay_out_image(stage: Stage, *, local: PathMap) -> Path:
    """The stage's COPYs of nginx files into ``root`` (mapped paths); returns the document root."""
    for sources, destination in stage.copies:
        assert destination.startswith(f"{IMAGE_CONF_DIR}/"), f"unexpected COPY target {destination}"
        target = Path(local(destination))
        for source in sources:
            path = ROOT / source
            if path.is_dir():
                shutil.copytree(path, target, dirs_exist_ok=True)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(path, target / path.name if destination.endswith("/") else target)
    [(_, html_target, _)] = [copy for copy in stage.copies_from if copy[1].rstrip("/") == IMAGE_HTML]
    html = Path(local(html_target))
    shutil.copytree(DIST, html)
    # The build stage's precompression, with the same script.
    assert any("precompress dist" in args for keyword, args in instructions(DOCKERFILE) if keyword == "RUN")
    subprocess.run(["/bin/sh", str(PRECOMPRESS), str(html)], check=True, capture_output=True)
    # The nginx image ships mime.types; Debian's nginx-common has the same file.
    if not DEBIAN_MIME_TYPES.is_file():
        pytest.fail(f"{DEBIAN_MIME_TYPES} is missing: apt-get install -y nginx")
    shutil.copy(DEBIAN_MIME_TYPES, Path(local(IMAGE_CONF_DIR)) / "mime.types")
    return html


def rewrite(conf: Path, local: PathMap, *, port: int) -> None:
    """Map the image's absolute paths (and the listen port, in default.conf) to the test's."""
    text = conf.read_text()
    mapped = local(text)
    if conf.name == "default.conf":
        assert mapped.count(IMAGE_LISTEN) == 1, f"{conf.name}: expected one '{IMAGE_LISTEN}'"
        mapped = mapped.replace(IMAGE_LISTEN, f"listen 127.0.0.1:{port} default_server;")
    conf.write_text(mapped)


@pytest.fixture(scope="module")
def served(stage: Stage) -> Iterator[Served]:
    if not (DIST / "index.html").is_file():
        pytest.fail("The SPA is not built: run `make frontend-build` (make test-e2e does it first)")
    nginx = nginx_binary()
    work = Path(tempfile.mkdtemp(prefix="frontend-image-"))
    try:
        work.chmod(0o755)
        tmp = work / "tmp"
        tmp.mkdir()
        local = PathMap({IMAGE_CONF_DIR: str(work / "etc-nginx"), IMAGE_HTML: str(work / "html"), "/tmp": str(tmp)})  # noqa: S108
        html = lay_out_image(stage, local=local)
        port = free_port()
        confs = sorted(Path(local(IMAGE_CONF_DIR)).rglob("*.conf"))
        for conf in confs:
            rewrite(conf, local, port=port)
        assert "root " + str(html) + ";" in (Path(local(IMAGE_CONF_DIR)) / "conf.d" / "default.conf").read_text()
        assert f"pid {tmp}/nginx.pid;" in (Path(local(IMAGE_CONF_DIR)) / "nginx.conf").read_text()

        stdout, stderr = work / "stdout.log", work / "stderr.log"
        stdout.touch()
        stderr.touch()
        prefix = read_only_root(tmp) or []
        user = user_ids(stage.user)
        if prefix and user:
            for path in (tmp, stdout, stderr):
                os.chown(path, *user)  # nginx reopens /dev/stdout by path for access_log
            prefix += as_user(user)
        assert stage.command[0] == "nginx"
        command = [*prefix, nginx, *(local(arg) for arg in stage.command[1:])]
        with stdout.open("a") as out, stderr.open("a") as err:
            process = subprocess.Popen(command, stdout=out, stderr=err)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 15
            while fetch(f"{url}/healthz") is None:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"nginx did not start ({' '.join(command)}):\n{stderr.read_text()}")
                time.sleep(0.1)
            yield Served(url, html, stdout)
        finally:
            process.terminate()
            process.wait(timeout=15)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def fetch(url: str, **headers: str):
    """(status, headers, raw body) of a GET; None when nothing answers. urllib never adds Accept-Encoding."""
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()
    except OSError:
        return None


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
