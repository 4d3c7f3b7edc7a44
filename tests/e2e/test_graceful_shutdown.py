"""SIGTERM to gunicorn under load: every request it accepted is answered in full, and it exits within its grace.

Clients keep requests going on kept-alive connections, and slow requests (a view that sleeps) are in flight, when
the master gets SIGTERM, as the kubelet sends it after the preStop pause (k8s/base/backend-deployment.yaml). A
request the server took must get its whole response: no reset, no cut body, no 5xx. Once the server has answered
with `Connection: close` and stopped listening, a new connection is refused; that is the only failure allowed, and
only after the signal.

Nothing here rests on a clock: the slow requests announce themselves from inside the view and are held there until
the server has stopped listening (tests/e2e/sleepy_urls.py's gate), so they are in flight across the whole drain
whatever the machine's speed; the timeouts only bound a hang.
"""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.e2e.servers import ROOT, gunicorn_running, local_env
from tests.support.net import free_port

SLOW_SECONDS = 3.0
CLIENTS = 4
SLOW_REQUESTS = 3
# config/gunicorn.conf.py's graceful_timeout is 30 s: a generous bound, not a timing assertion.
GRACE = 30
HANG_SECONDS = 60  # how long a condition below may take to hold: bounds a hang, measures nothing


@dataclass
class Tally:
    statuses: Counter = field(default_factory=Counter)
    refused_after_signal: int = 0
    # A connection the kernel completed into the listening queue in the instant between the last worker's final
    # accept and its closing of the socket is reset by the kernel: the server never took it, so no request on it
    # began (a proxy retries it, as it does a refused one). Counted apart, and only after the signal.
    unaccepted_after_signal: int = 0
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def failed(self, what: str) -> None:
        with self.lock:
            self.failures.append(what)


def _exchange(conn: http.client.HTTPConnection, path: str) -> tuple[int, bytes, bool]:
    conn.request("GET", path, headers={"Host": "localhost"})
    response = conn.getresponse()
    body = response.read()  # IncompleteRead if the body is cut
    if response.getheader("Content-Length") is not None:
        assert len(body) == int(response.getheader("Content-Length"))
    return response.status, body, response.will_close


def _client(port: int, path: str, stop: threading.Event, signalled: threading.Event, tally: Tally) -> None:
    conn: http.client.HTTPConnection | None = None
    fresh = False  # connected, and nothing answered on it yet
    while not stop.is_set():
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=GRACE + 10)
            connected_after_signal = signalled.is_set()
            try:
                conn.connect()
            except ConnectionRefusedError:
                if not signalled.is_set():
                    tally.failed("connection refused before SIGTERM")
                with tally.lock:
                    tally.refused_after_signal += 1
                return  # the server stopped listening: this client is done
            fresh = True
        try:
            status, _body, will_close = _exchange(conn, path)
        except ConnectionResetError as error:
            conn.close()
            if fresh and connected_after_signal:  # reset in the listening queue, never taken (see Tally)
                with tally.lock:
                    tally.unaccepted_after_signal += 1
            else:
                tally.failed(f"{path}: {type(error).__name__}: {error}")
            return
        except (OSError, http.client.HTTPException) as error:  # cut, no response
            tally.failed(f"{path}: {type(error).__name__}: {error}")
            conn.close()
            return
        fresh = False
        with tally.lock:
            tally.statuses[status] += 1
        if will_close:
            conn.close()
            conn = None


def test_sigterm_under_load_answers_every_accepted_request_in_full_and_exits_within_the_grace(tmp_path):
    port = free_port()
    env = local_env(tmp_path, port, CACHE_KEY_PREFIX=f"shutdown-{port}", GUNICORN_THREADS=str(CLIENTS + SLOW_REQUESTS))
    env["DJANGO_SETTINGS_MODULE"] = "tests.e2e.sleepy_settings"
    gate = tmp_path / "gate"
    gate.mkdir()
    env["SLEEPY_GATE_DIR"] = str(gate)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    pidfile = tmp_path / "gunicorn.pid"
    with gunicorn_running(env=env, port=port, stdout=tmp_path / "gunicorn.log", args=("--pid", str(pidfile))):
        master = int(pidfile.read_text())
        stop, signalled, tally = threading.Event(), threading.Event(), Tally()
        clients = [
            threading.Thread(target=_client, args=(port, "/healthz", stop, signalled, tally)) for _ in range(CLIENTS)
        ]
        slow: list[tuple[int, dict] | str] = []

        def slow_request() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=GRACE + 10)
            try:
                status, body, _ = _exchange(conn, f"/api/test-sleep/?seconds={SLOW_SECONDS}&gate=1")
                slow.append((status, json.loads(body)))
            except (OSError, http.client.HTTPException) as error:
                slow.append(f"{type(error).__name__}: {error}")
            finally:
                conn.close()

        sleepers = [threading.Thread(target=slow_request) for _ in range(SLOW_REQUESTS)]
        for thread in clients + sleepers:
            thread.start()
        # The slow requests are in the view (each announced itself there), and the clients are busy.
        _wait_until(lambda: len(list(gate.glob("started-*"))) == SLOW_REQUESTS, "the slow requests reached the view")
        _wait_until(lambda: _answered(tally) > CLIENTS, "the clients were answered")

        signalled.set()
        os.kill(master, signal.SIGTERM)
        # The server stops listening while the slow requests are still held in the view; only then may they go on.
        _wait_until(lambda: _refused(port), "gunicorn stopped listening after SIGTERM")
        (gate / "open").touch()
        for thread in sleepers:
            thread.join(timeout=GRACE + 15)
        exited = _wait_exited(master, GRACE + 15)
        stop.set()
        for thread in clients:
            thread.join(timeout=15)

    log = (tmp_path / "gunicorn.log").read_text()
    assert tally.failures == [], log[-3000:]
    assert slow == [(200, {"slept": SLOW_SECONDS})] * SLOW_REQUESTS, log[-3000:]
    assert set(tally.statuses) == {200}, tally.statuses
    assert sum(tally.statuses.values()) > CLIENTS  # they really were busy
    assert exited, f"gunicorn still running {GRACE + 15}s after SIGTERM"
    # Within the grace, not by a clock: a worker whose own grace ran out would have cut the slow responses (complete
    # above), and one the master killed when its grace ran out would not have logged its exit.
    booted = [line for line in log.splitlines() if "Booting worker with pid" in line]
    assert booted
    assert len([line for line in log.splitlines() if "Worker exiting (pid" in line]) == len(booted), log[-3000:]
    assert "Shutting down: Master" in log
    assert not [line for line in log.splitlines() if '"level":"error"' in line or "Traceback" in line]


def _wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + HANG_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {HANG_SECONDS}s: {what}")
        time.sleep(0.05)


def _answered(tally: Tally) -> int:
    with tally.lock:
        return sum(tally.statuses.values())


def _refused(port: int) -> bool:
    """Whether a new connection to ``port`` is refused (one that is accepted is closed at once, unused)."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=10).close()
    except ConnectionRefusedError:
        return True
    except OSError:  # reset in the listening queue as the last worker closed it: try again
        return False
    return False


def _wait_exited(pid: int, timeout: float) -> bool:
    """Whether the process ``pid`` ended within ``timeout`` (a zombie not yet reaped by its parent counts as ended)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return True
        if state == "Z":
            return True
        time.sleep(0.1)
    return False
