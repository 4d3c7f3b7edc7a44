"""gunicorn's workers share a burst of keep-alive connections by least connections (config/gunicorn_balance.py).

A real gunicorn under config/gunicorn.conf.py serves the bare WSGI floor (bench/floor.py), so nothing but the
worker class decides where a connection goes. With gthread's own accepting, 16 connections opened at once ended
15/1 on two workers in most tries; each try here must end within one of an even split.
"""

import http.client
import os
import signal
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from bench.server import Gunicorn

CONNECTIONS = 16
TRIES = 5


@contextmanager
def _gunicorn(
    tmp_path: Path, workers: int, app: str = "bench.floor:application", **extra_env: str
) -> Iterator[Gunicorn]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | extra_env
    # gunicorn.conf.py runs more than one worker only when a shared cache is configured; the bare WSGI floor never
    # connects to it, so any address will do.
    env["REDIS_URL"] = env.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    # Stopping is not what these tests look at: a short grace keeps the stop well inside the wait below, even when a
    # worker (the replacement of a killed one, say) is still starting on a loaded machine.
    env.setdefault("GUNICORN_GRACEFUL_TIMEOUT", "5")
    server = Gunicorn(name="spread", app=app, env=env, workers=workers, threads=4, log=tmp_path / "g.log")
    try:
        server.wait_ready("/")
        yield server
    finally:
        server.process.terminate()
        server.process.wait(timeout=30)


def _open_and_use(port: int, count: int, stack: ExitStack) -> list[http.client.HTTPConnection]:
    """``count`` connections opened at once, then one request on each; they stay open (keep-alive)."""
    connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=10) for _ in range(count)]
    for connection in connections:
        connection.connect()
        stack.callback(connection.close)
    for connection in connections:
        connection.request("GET", "/")
        response = connection.getresponse()
        assert response.status == 200
        response.read()
    return connections


def _spread_once(server: Gunicorn) -> list[int]:
    with ExitStack() as stack:
        _open_and_use(server.port, CONNECTIONS, stack)
        return server.connection_spread()


def _wait_until_every_worker_accepts(server: Gunicorn, timeout: float = 30) -> None:
    """Until a burst reaches every worker: a worker forked a moment ago is not listening yet (on a loaded machine its
    first turn can come well after the master reports it), and takes no connection until then, rightly. Not part of
    the measurement: gthread's own accepting also reaches every worker sometimes, and fails the tries that follow."""
    deadline = time.monotonic() + timeout
    while min(_spread_once(server)) == 0:
        assert time.monotonic() < deadline, "a worker never took a connection"
        _wait_until_the_counts_drop(server)
    _wait_until_the_counts_drop(server)


def _wait_until_the_counts_drop(server: Gunicorn, timeout: float = 30) -> None:
    """Until the workers have closed every connection the clients closed, and published their counts since: a worker
    still counting a closed connection would be left new ones by its siblings. A worker's count drops as it closes the
    socket (gthread's finish_request) and is published at the next turn of its main loop, right after gunicorn's
    heartbeat (BalancedThreadWorker.notify): once a worker has begun a turn after one that began once its sockets
    were closed, that one has published."""
    deadline = time.monotonic() + timeout
    while _sockets_held(server):
        assert time.monotonic() < deadline, f"the workers still hold {_sockets_held(server)} closed connections"
        time.sleep(0.05)
    for _ in range(2):
        since = time.monotonic()
        while any(_heartbeat(pid) <= since for pid in server.worker_pids()):
            assert time.monotonic() < deadline, "a worker's main loop did not turn"
            time.sleep(0.05)


def _sockets_held(server: Gunicorn) -> int:
    """Connections to the server's port that its workers still hold open, in any state (a socket whose client closed
    it stays open, in CLOSE_WAIT, until the worker closes it too)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == server.port and fields[3] != "0A":  # 0A = LISTEN
                inodes.add(fields[9])
    return sum(target[8:-1] in inodes for target in _socket_targets(server) if target.startswith("socket:["))


def _socket_targets(server: Gunicorn) -> list[str]:
    targets = []
    for pid in server.worker_pids():
        try:
            fds = list(Path(f"/proc/{pid}/fd").iterdir())
        except FileNotFoundError:
            continue
        for fd in fds:
            try:
                targets.append(os.readlink(fd))
            except OSError:
                continue
    return targets


def _heartbeat(pid: int) -> float:
    """When worker ``pid`` last began a turn of its main loop: gunicorn's heartbeat, the time it sets on its (unlinked)
    temporary file, in time.monotonic's clock (gunicorn/workers/workertmp.py); -inf when it cannot be read."""
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except FileNotFoundError:
        return float("-inf")
    for fd in fds:
        try:
            if "/wgunicorn-" in os.readlink(fd):
                return os.stat(fd).st_mtime
        except OSError:
            continue
    return float("-inf")


def _wait_until_listening(server: Gunicorn, sockets: int, timeout: float = 30) -> None:
    """Until ``sockets`` sockets listen on the server's port. With reuse_port each worker opens its own once it runs,
    which on a loaded machine can be after the master has forked it and another worker has answered (wait_ready)."""
    deadline = time.monotonic() + timeout
    while (listening := server.listening_sockets()) != sockets:
        assert time.monotonic() < deadline, f"{listening} sockets listening after {timeout:.0f}s, not {sockets}"
        time.sleep(0.1)


@pytest.mark.parametrize("workers", [2, 3])
def test_a_burst_of_keep_alive_connections_is_spread_evenly_over_the_workers(tmp_path, workers):
    with _gunicorn(tmp_path, workers) as server:
        _wait_until_every_worker_accepts(server)
        spreads = []
        for _ in range(TRIES):
            spreads.append(_spread_once(server))
            _wait_until_the_counts_drop(server)

    fair = CONNECTIONS / workers
    assert all(len(spread) == workers and sum(spread) == CONNECTIONS for spread in spreads), spreads
    assert all(max(spread) <= fair + 1 and min(spread) >= fair - 1 for spread in spreads), spreads


def test_after_a_worker_is_killed_every_new_connection_is_answered_by_a_live_worker(tmp_path):
    with _gunicorn(tmp_path, 2) as server, ExitStack() as stack:
        first = _open_and_use(server.port, 4, stack)
        victim = server.worker_pids()[0]
        os.kill(victim, signal.SIGKILL)  # its slot says it holds fewer connections than it ever will again
        for connection in first:
            connection.close()  # the victim's are gone; the survivor's need not count below

        _open_and_use(server.port, 8, stack)  # each answered 200 (by the survivor or the replacement)

        assert victim not in server.worker_pids()
        assert sum(server.connection_spread()) == 8  # all eight held by live workers


def test_with_reuse_port_every_worker_accepts_from_its_own_socket_without_waiting_for_another(tmp_path):
    """With reuse_port a connection queued on one worker's socket cannot be taken by another, so no worker may leave
    one for a sibling: each connection is answered (a deferred one would wait as long as a sibling held fewer)."""
    with _gunicorn(tmp_path, 2, GUNICORN_REUSE_PORT="true") as server, ExitStack() as stack:
        _wait_until_listening(server, 2)
        for _ in range(12):  # one at a time, each kept open: the kernel hashes some onto the busier worker
            _open_and_use(server.port, 1, stack)

        assert sum(server.connection_spread()) == 12
