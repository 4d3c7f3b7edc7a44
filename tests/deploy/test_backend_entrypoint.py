"""The backend image's start, on this machine: Dockerfile.backend's final stage, run as written.

No container engine runs here, so this is the nearest thing to ``docker run``. The files the stage
COPYs land in a fresh directory standing for its WORKDIR (so no tests, no .env, no var/), the build's
RUN steps that call the app (collectstatic, byte-compiling) run there, then the migrate Job's command
and the image's ENTRYPOINT/CMD run with only the image's ENV plus what Kubernetes injects: fresh random
SECRET_KEY, JWT_SIGNING_KEY and MFA_ENCRYPTION_KEY, DATABASE_URL, REDIS_URL. HOME does not exist and
TMPDIR is the one writable directory; as root, the processes run as the image's USER, who can write
nowhere else (the read-only root filesystem). Image paths map to this machine: the venv to this .venv,
/tmp to TMPDIR.

On the PostgreSQL leg: a fresh database on that server and the leg's Redis (tests/e2e do the same);
on the SQLite leg: a SQLite file and a private redis-server, since production settings need Redis.
"""

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
import warnings
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.deploy.container import PathMap, as_user, read_only_root, snapshot
from tests.deploy.dockerfile import Stage, final_stage, instructions, user_ids
from tests.e2e.browser import e2e_database_url
from tests.e2e.servers import ROOT, gunicorn_running
from tests.support.net import free_port
from tests.support.redis_server import RedisServer

DOCKERFILE = ROOT / "Dockerfile.backend"
# The python image's own ENV that ours builds on (PATH=/opt/venv/bin:$PATH).
BASE_IMAGE_ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}
IMAGE_VENV = "/opt/venv"


@pytest.fixture(scope="module")
def stage() -> Stage:
    return final_stage(DOCKERFILE, base_env=BASE_IMAGE_ENV)


def test_the_image_runs_gunicorn_with_production_settings_as_a_numeric_non_root_user(stage):
    # The deployment contract (k8s manifests, compose) relies on each of these.
    assert stage.user == "10001:10001"
    assert stage.workdir == "/app"
    assert stage.env["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    assert stage.env["STATIC_ROOT"] == "/app/staticfiles"
    # Unset, so one-off commands work on an empty /tmp; gunicorn.conf.py makes one under TMPDIR.
    assert "PROMETHEUS_MULTIPROC_DIR" not in stage.env
    assert stage.env["PATH"].startswith(f"{IMAGE_VENV}/bin:")
    assert stage.command[0] == "gunicorn"
    assert stage.command[stage.command.index("--config") + 1] == "config/gunicorn.conf.py"
    assert ([IMAGE_VENV], IMAGE_VENV, "builder") in stage.copies_from


def test_no_secret_and_no_dev_dependency_is_baked_into_the_image(stage):
    secretive = [name for name in stage.env if re.search(r"SECRET|PASSWORD|TOKEN|SIGNING_KEY|DSN", name)]
    assert secretive == []
    assert [args for _, args in instructions(DOCKERFILE) if "requirements-dev" in args] == []
    dockerfile = DOCKERFILE.read_text()
    assert [sources for sources, _ in stage.copies] == [["manage.py"], ["config/"], ["backend/"]]
    # The build-only placeholders that let production settings load for collectstatic say what they are.
    placeholders = re.findall(r"(?:SECRET_KEY|JWT_SIGNING_KEY|MFA_ENCRYPTION_KEY)=(\S+)", dockerfile)
    assert len(placeholders) == 3
    assert all("not-a-secret" in value for value in placeholders)


@dataclass
class Started:
    url: str
    work: Path
    stdout: Path
    stderr: Path
    user: tuple[int, int] | None
    # The WORKDIR copy's files just before the server started.
    before: dict[str, tuple[int, int]]
    # What the container's processes run with: the argv prefix (read-only root, USER) and the environment.
    prefix: list[str]
    env: dict[str, str]
    local: PathMap


def copy_build_context(stage: Stage, app: Path) -> None:
    """The stage's COPY instructions from the build context (Dockerfile.backend.dockerignore drops bytecode)."""
    for sources, destination in stage.copies:
        assert not destination.startswith("/"), f"COPY {sources} {destination}: only WORKDIR-relative targets here"
        target = app / destination
        for source in sources:
            path = ROOT / source
            if path.is_dir():
                shutil.copytree(path, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            else:
                target.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target / path.name if destination.endswith("/") else target)


def can_run_as(user: tuple[int, int], *, app: Path, env: dict[str, str]) -> bool:
    """Whether ``user`` can reach this checkout's Python and the app copy (not when they sit under /root)."""
    try:
        probe = subprocess.run(
            ["python", "-c", "import django, config"],  # noqa: S607 - the image's PATH
            cwd=app,
            env=env,
            user=user[0],
            group=user[1],
            extra_groups=[],
            capture_output=True,
            check=False,
        )
    except PermissionError:  # the interpreter itself is out of reach
        return False
    return probe.returncode == 0


def _run(argv: list[str], *, log: Path, **kwargs) -> None:
    with log.open("a") as out:
        result = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, check=False, **kwargs)
    if result.returncode != 0:
        pytest.fail(f"{' '.join(argv)} exited {result.returncode}:\n{log.read_text()}")


@pytest.fixture(scope="module")
def started(stage: Stage) -> Iterator[Started]:
    work = Path(tempfile.mkdtemp(prefix="backend-image-"))
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, work, ignore_errors=True)
        work.chmod(0o755)
        app, tmp, build_log = work / "app", work / "tmp", work / "build.log"
        tmp.mkdir()
        local = PathMap({IMAGE_VENV: sys.prefix, stage.workdir: str(app), "/tmp": str(tmp)})  # noqa: S108
        copy_build_context(stage, app)

        # The build: its RUN steps that call the app, as `docker build` runs them.
        build_steps = [(command, env) for command, env in stage.runs if "manage.py" in command]
        assert build_steps, "Dockerfile.backend has no RUN ... manage.py collectstatic step"
        for command, env in build_steps:
            build_env = {name: local(value) for name, value in env.items()}
            _run(["/bin/sh", "-c", local(command)], log=build_log, cwd=app, env=build_env)
        assert (app / "staticfiles" / "staticfiles.json").is_file(), build_log.read_text()

        database_url = stack.enter_context(e2e_database_url())
        if database_url is None:  # SQLite leg
            database_url = f"sqlite:///{tmp / 'db.sqlite3'}"
            # base.py creates var/ for its default SQLite path; a container would mount a volume there.
            (app / "var").mkdir()
        redis_url = os.environ.get("REDIS_URL") or stack.enter_context(private_redis(work))

        port = free_port()
        env = {name: local(value) for name, value in stage.env.items()}
        # The keys as Kubernetes passes them (k8s/base): files of the mounted Secret, named by *_FILE.
        secret_dir = work / "secrets"
        secret_dir.mkdir()
        for name in ("SECRET_KEY", "JWT_SIGNING_KEY", "MFA_ENCRYPTION_KEY"):
            (secret_dir / name).write_text(secrets.token_urlsafe(50) + "\n")
            (secret_dir / name).chmod(0o444)
            env[f"{name}_FILE"] = str(secret_dir / name)
        env.update(
            HOME="/nonexistent",
            TMPDIR=str(tmp),
            FRONTEND_URL="https://app.example.com",
            EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
            DATABASE_URL=database_url,
            REDIS_URL=redis_url,
            PORT=str(port),
            CACHE_KEY_PREFIX=f"image-{port}",
        )

        prefix = read_only_root(tmp)
        if prefix is None:
            message = "the read-only root filesystem needs root and unshare (util-linux)"
            if os.environ.get("CI"):
                pytest.fail(f"{message}; CI runs as root, so this must work there")
            warnings.warn(f"{message}: running unconfined on this machine", UserWarning, stacklevel=1)
            prefix = []
        # Also as the image's USER when that user can reach this checkout's Python (not under /root).
        user = user_ids(stage.user) if prefix else None
        if user is not None:
            os.chown(tmp, *user)
            if can_run_as(user, app=app, env=env):
                prefix += as_user(user)
            else:
                user = None

        # The migrate Job's command (k8s and docker-compose.yml), then the image's own command.
        migrate = ["python", "manage.py", "migrate_with_retries", "--noinput"]
        _run([*prefix, *migrate], log=work / "migrate.log", cwd=app, env=env)
        stdout, stderr = work / "stdout.log", work / "stderr.log"
        command = [*prefix, *(local(arg) for arg in stage.command)]
        before = snapshot(app)
        with gunicorn_running(env=env, port=port, stdout=stdout, stderr=stderr, command=command, cwd=app):
            yield Started(f"http://127.0.0.1:{port}", work, stdout, stderr, user, before, prefix, env, local)


@contextmanager
def private_redis(work: Path) -> Iterator[str]:
    server = RedisServer(work)
    try:
        yield server.url
    finally:
        server.stop()


def get(url: str, *, host: str = "localhost", **headers: str):
    """(status, headers, body) of a GET that does not follow redirects."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    request = urllib.request.Request(url, headers={"Host": host, **headers})  # noqa: S310
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_readyz_and_healthz_answer_200_over_plain_http_with_an_allowed_host(started):
    status, _, body = get(f"{started.url}/readyz", **{"X-Request-ID": "image-readyz-1"})
    assert (status, json.loads(body)) == (
        200,
        {"status": "ok", "checks": {"database": "ok", "migrations": "ok", "cache": "ok"}},
    )
    status, _, body = get(f"{started.url}/healthz")
    assert status == 200
    assert json.loads(body)["status"] == "ok"


def test_production_settings_are_in_force_plain_http_elsewhere_redirects_to_https(started):
    status, headers, _ = get(f"{started.url}/api/auth/me/")
    assert (status, headers["Location"]) == (301, "https://localhost/api/auth/me/")
    status, _, _ = get(f"{started.url}/readyz", host="evil.example.com")
    assert status == 400  # ALLOWED_HOSTS applies


def test_every_log_line_is_json_and_the_request_is_logged_with_its_id(started):
    get(f"{started.url}/readyz", **{"X-Request-ID": "image-readyz-2"})
    lines = [
        line for path in (started.stdout, started.stderr) for line in path.read_text().splitlines() if line.strip()
    ]
    assert lines
    records = []
    for line in lines:
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            pytest.fail(f"a log line is not JSON: {line!r}")
    assert all(isinstance(record, dict) and "event" in record for record in records)
    requests = [r for r in records if r.get("event") == "request" and r.get("request_id") == "image-readyz-2"]
    assert [(r["path"], r["status"]) for r in requests] == [("/readyz", 200)]


def test_serving_writes_only_under_tmp(started):
    get(f"{started.url}/readyz")
    # As the image's user the filesystem refuses such writes anyway; this also holds when run as root.
    assert snapshot(started.work / "app") == started.before
    assert not Path("/nonexistent").exists()  # HOME
    # prometheus_client's per-worker files: in the directory gunicorn.conf.py made under TMPDIR.
    assert list((started.work / "tmp").glob("prometheus-multiproc-*/*.db"))


def _healthcheck(started: Started, stage: Stage, **env: str) -> subprocess.CompletedProcess[str]:
    command = [*started.prefix, *(started.local(arg) for arg in stage.healthcheck)]
    return subprocess.run(
        command, env={**started.env, **env}, cwd=started.work / "app", capture_output=True, text=True, timeout=30
    )


def test_the_images_healthcheck_passes_against_the_running_server(started, stage):
    assert stage.healthcheck == ["python", "/app/config/healthcheck.py"]
    assert stage.healthcheck_options["interval"] == "30s"

    result = _healthcheck(started, stage)

    assert result.returncode == 0, result.stderr


def test_the_healthcheck_sends_a_host_allowed_hosts_accepts_and_fails_when_nothing_answers(started, stage):
    # The running server allows only its defaults; the check picks the first allowed entry, so a production
    # ALLOWED_HOSTS without localhost still passes, and a server that does not answer fails it.
    assert _healthcheck(started, stage, ALLOWED_HOSTS="localhost,app.example.com").returncode == 0
    failed = _healthcheck(started, stage, PORT=str(free_port()))
    assert failed.returncode == 1
    assert "healthcheck:" in failed.stderr
