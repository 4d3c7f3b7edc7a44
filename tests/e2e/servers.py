"""Starting a real gunicorn for end-to-end tests, on a free port, stopped afterwards."""

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.net import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# Bounds a hang, measures nothing: on a loaded 2-core runner, 2-3 workers importing Django at once took over 30 s
# to serve (a crash still fails at once: the loop checks the process). The first answer after boot took about 2 s,
# so a 1 s probe gave it up and left a queued connection the worker had to serve before the next one.
STARTUP_SECONDS = 120
HEALTHZ_PROBE_SECONDS = 10


def local_env(tmp: Path, port: int, **extra: str) -> dict[str, str]:
    """`make run`'s environment with a database of its own under ``tmp``, bound to ``port``."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "PYTEST_XDIST_WORKER"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}",
        STATIC_ROOT=str(tmp / "static"),
        DEBUG="false",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        **extra,
    )
    return env


@contextmanager
def gunicorn_running(
    *,
    env: dict[str, str],
    port: int,
    stdout: Path,
    stderr: Path | None = None,
    args: tuple[str, ...] = (),
    command: list[str] | None = None,
    cwd: Path = ROOT,
) -> Iterator[str]:
    """gunicorn with config/gunicorn.conf.py until /healthz answers; yields its base URL.

    Output goes to ``stdout`` (and ``stderr``, or the same file when None). ``command`` replaces the
    whole command line (e.g. a Dockerfile's CMD), run in ``cwd``.
    """
    argv = command or [str(BIN / "gunicorn"), "config.wsgi:application", "-c", "config/gunicorn.conf.py", *args]
    with stdout.open("w") as out, stderr.open("w") if stderr else open(stdout, "a") as err:
        server = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=err if stderr else subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=HEALTHZ_PROBE_SECONDS)  # noqa: S310
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    logs = stdout.read_text() + (stderr.read_text() if stderr else "")
                    pytest.fail(f"gunicorn did not start:\n{logs}")
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


@contextmanager
def served(tmp: Path, **env_overrides: str) -> Iterator[str]:
    """Migrate a fresh SQLite database in ``tmp`` (the leg's Redis, if any, stays), start gunicorn with the
    local settings plus ``env_overrides``, and yield its base URL; the server is stopped on exit."""
    port = free_port()
    env = local_env(tmp, port, CACHE_KEY_PREFIX=f"e2e-{port}")
    env.update(env_overrides)
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        subprocess.run([sys.executable, "manage.py", *command, "-v", "0"], cwd=ROOT, env=env, check=True)
    with gunicorn_running(env=env, port=port, stdout=tmp / "gunicorn.log") as url:
        yield url
