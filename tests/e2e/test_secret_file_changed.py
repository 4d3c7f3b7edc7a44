"""A Secret edited under a running gunicorn: a worker restarted before the pod is rolled still boots.

gunicorn's master reads the ``*_FILE`` secrets into its environment (config/gunicorn.conf.py) and every worker, which
inherits it, reads the files again at boot (config/settings/environment.py; the app is not preloaded). When the mounted
Secret changes and a worker then dies (OOM kill, timeout) before the rollout, the new worker must keep the master's
value, with a warning, instead of refusing the difference as two sources for one secret: gunicorn's master exits
when a worker fails to boot, and the pod with it.

Nothing here rests on a clock: each step waits for its condition (a new worker's pid in the log, /healthz
answering); the timeouts only bound a hang.
"""

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.servers import ROOT, gunicorn_running, local_env
from tests.support.net import free_port

HANG_SECONDS = 60  # how long a condition below may take to hold: bounds a hang, measures nothing
BOOTED = re.compile(r"Booting worker with pid: (\d+)")


def test_a_worker_restarted_after_the_secret_file_changed_keeps_the_masters_value_and_the_pod_stays_up(tmp_path):
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    key_file = secrets / "JWT_SIGNING_KEY"
    key_file.write_text("jwt-key-the-pod-started-with-" + "a" * 40 + "\n")
    port = free_port()
    env = local_env(
        tmp_path,
        port,
        CACHE_KEY_PREFIX=f"secret-file-{port}",
        WEB_CONCURRENCY="1",  # one worker: the one killed below is the only one, so its successor answers
    )
    env.pop("JWT_SIGNING_KEY", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    # Only gunicorn reads the key from the file (the master first, as in Kubernetes; migrate above would take the
    # local settings' generated key, var/local.env, and refuse the two).
    env["JWT_SIGNING_KEY_FILE"] = str(key_file)
    log_path, pidfile = tmp_path / "gunicorn.log", tmp_path / "gunicorn.pid"
    with gunicorn_running(env=env, port=port, stdout=log_path, args=("--pid", str(pidfile))) as url:
        master = int(pidfile.read_text())
        first_worker = _worker_pids(log_path)[-1]

        # The operator edits the Secret (the kubelet rewrites the mounted file); then the worker dies.
        key_file.write_text("jwt-key-the-operator-put-in-the-secret-" + "b" * 40 + "\n")
        os.kill(first_worker, signal.SIGKILL)

        _wait_until(lambda: _alive(master) and _worker_pids(log_path)[-1] != first_worker, master, log_path)
        _wait_until(lambda: _healthy(url), master, log_path)
        log = log_path.read_text()
        assert _alive(master), log[-3000:]

    assert "are both set" not in log, log[-3000:]
    assert "Worker failed to boot" not in log, log[-3000:]
    warnings = [line for line in log.splitlines() if "JWT_SIGNING_KEY_FILE" in line and "changed" in line]
    assert len(warnings) == 1, log[-3000:]  # said once, by the new worker; the value itself never logged
    assert "jwt-key-the-operator" not in log
    assert "jwt-key-the-pod-started" not in log


def _worker_pids(log: Path) -> list[int]:
    return [int(pid) for pid in BOOTED.findall(log.read_text())]


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie not yet reaped counts as ended)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=5) as response:  # noqa: S310
            return response.status == 200
    except OSError:
        return False


def _wait_until(condition: Callable[[], bool], master: int, log: Path) -> None:
    deadline = time.monotonic() + HANG_SECONDS
    while not condition():
        if not _alive(master):
            pytest.fail(f"gunicorn's master exited:\n{log.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"not within {HANG_SECONDS}s:\n{log.read_text()[-3000:]}")
        time.sleep(0.1)
