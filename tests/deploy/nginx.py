"""The frontend image's nginx on this machine: Debian's nginx runs the files Dockerfile.frontend COPYs,
laid out as in the image, with the image's ENTRYPOINT, against a precompressed copy of frontend/dist.

Only three things change, each checked to be there: /tmp (pid and temp paths) and the document root
point into a temp dir, and the server listens on a free loopback port. As root, nginx runs as the image's
USER on a read-only root filesystem where only that temp dir is writable (tests/deploy/container.py).
"""

import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.deploy.container import PathMap, as_user, read_only_root
from tests.deploy.dockerfile import Stage, final_stage, instructions, user_ids
from tests.e2e.servers import ROOT
from tests.support.net import free_port

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
        # A missing tool fails, never skips (docs/architecture.md): a skip would pass `make test` untested.
        pytest.fail("nginx is not installed: apt-get install -y nginx (.ci/run installs it)")
    return binary


@dataclass
class Served:
    url: str
    html: Path
    stdout: Path


def frontend_stage() -> Stage:
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


@contextmanager
def nginx_serving(stage: Stage, *, extra_files: dict[str, str] | None = None) -> Iterator[Served]:
    """nginx as the image runs it until /healthz answers. ``extra_files`` maps image paths to contents
    to add before the start (e.g. what docker-compose.yml mounts into /etc/nginx/server.d/)."""
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
        for image_path, text in (extra_files or {}).items():
            path = Path(local(image_path))
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
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


def fetch(url: str, *, method: str = "GET", json_body: object = None, **headers: str):
    """(status, headers, raw body) of a request (a GET unless told; ``json_body`` is sent as JSON); None when
    nothing answers. urllib never adds Accept-Encoding."""
    data = None
    if json_body is not None:
        data = json.dumps(json_body).encode()
        headers = {"Content-Type": "application/json", **headers}
    request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()
    except OSError:
        return None
