"""The fault suite's moving parts: a Redis it can kill and start again, the gunicorn processes, and the load.

The load is what a careful client does: writers create tasks with an Idempotency-Key and, when a create gets no
answer or a 503, send it again with the same key until it is acknowledged (201); readers list the writers' tasks
and read back ones already acknowledged. Every HTTP attempt is recorded with when it started and ended, so the
test can tell which ones a fault overlapped.
"""

import os
import random
import shutil
import signal
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import redis

from tests.support.app_server import call
from tests.support.net import free_port

PAUSE_BETWEEN_REQUESTS = 0.02  # keeps two client threads per role from eating the two cores
RETRY_DELAY = 0.2


class RestartableRedis:
    """redis-server on one port for the whole test: ``kill()`` (SIGKILL, no persistence) and ``start()`` again."""

    def __init__(self, workdir: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed (apt-get install -y redis-server); .ci/run installs it.")
        self.binary, self.workdir, self.port = binary, workdir, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: subprocess.Popen | None = None

    def start(self) -> "RestartableRedis":
        self._process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        client = redis.Redis.from_url(self.url, socket_timeout=0.5)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return self
            except redis.ConnectionError:
                if self._process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start on port {self.port}") from None
                time.sleep(0.05)

    def kill(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait(timeout=10)


def children_of(pid: int) -> list[int]:
    """The pids whose parent is ``pid`` (gunicorn's workers, for its master)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def gone(pid: int) -> bool:
    """Whether ``pid`` has exited (a zombie its parent has not reaped yet counts)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


def _client_connections(port: int) -> set[str]:
    """Socket inodes of the established TCP connections to local ``port``."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":  # 01: ESTABLISHED
                inodes.add(fields[9])
    return inodes


def busiest_worker(master: int, port: int) -> int:
    """The worker holding the most client connections right now (the kernel may favour one worker's accepts)."""
    established = _client_connections(port)

    def held(pid: int) -> int:
        count = 0
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            count += target.startswith("socket:[") and target[8:-1] in established
        return count

    return max(children_of(master), key=held)


def kill_worker(master: int, port: int) -> tuple[int, float, float]:
    """SIGKILL the busiest of gunicorn's workers; returns its pid, when the signal was sent and when it was gone."""
    victim = busiest_worker(master, port)
    sent = time.monotonic()
    os.kill(victim, signal.SIGKILL)
    wait_until(lambda: gone(victim), 10, f"worker {victim} to die")
    return victim, sent, time.monotonic()


@dataclass
class Attempt:
    kind: str  # "write" or "read"
    started: float
    ended: float
    status: int  # 0: no response (refused, reset, timed out)
    code: str = ""
    error: str = ""
    retry_after: str | None = None
    replayed: bool = False


@dataclass
class Write:
    title: str
    key: str
    task_id: str | None = None  # set once acknowledged
    attempts: int = 0


@dataclass
class Writer:
    name: str
    access: str
    writes: list[Write] = field(default_factory=list)

    def acknowledged(self) -> list[Write]:
        return [write for write in self.writes if write.task_id is not None]


class Load:
    """Two writers and two readers (by default) against ``url`` until ``stop()``; ``pause()`` holds the writers."""

    def __init__(self, url: str, tokens: dict[str, str], *, readers: int = 2) -> None:
        self.url = url
        self.writers = [Writer(name, access) for name, access in tokens.items()]
        self.attempts: list[Attempt] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._running_writes = threading.Event()
        self._running_writes.set()
        self.server_gone = threading.Event()  # set once the server was told to stop for good
        self._threads = [threading.Thread(target=self._write_loop, args=(w,), daemon=True) for w in self.writers]
        self._threads += [threading.Thread(target=self._read_loop, args=(n,), daemon=True) for n in range(readers)]
        self._idle = [threading.Event() for _ in self.writers]

    # -- control -------------------------------------------------------------------------------------------------
    def start(self) -> "Load":
        for thread in self._threads:
            thread.start()
        return self

    def pause_writes(self) -> None:
        """Holds the writers between two writes (a write being retried is finished first)."""
        self._running_writes.clear()
        for idle in self._idle:
            idle.wait(timeout=120)

    def resume_writes(self) -> None:
        for idle in self._idle:
            idle.clear()
        self._running_writes.set()

    def stop(self) -> None:
        self._stop.set()
        self._running_writes.set()
        for thread in self._threads:
            thread.join(timeout=120)

    def attempts_between(self, start: float, end: float) -> list[Attempt]:
        with self._lock:
            return [attempt for attempt in self.attempts if start <= attempt.started < end]

    # -- clients -------------------------------------------------------------------------------------------------
    def _record(self, kind: str, started: float, answer) -> Attempt:
        body = answer.body if isinstance(answer.body, dict) else {}
        attempt = Attempt(
            kind=kind,
            started=started,
            ended=time.monotonic(),
            status=answer.status,
            code=str(body.get("code", "")),
            error=answer.error,
            retry_after=answer.headers.get("Retry-After"),
            replayed=answer.headers.get("Idempotent-Replayed") == "true",
        )
        with self._lock:
            self.attempts.append(attempt)
        return attempt

    def _write_loop(self, writer: Writer) -> None:
        index = self.writers.index(writer)
        number = 0
        while not self._stop.is_set():
            if not self._running_writes.is_set():
                self._idle[index].set()
                self._running_writes.wait()
                continue
            number += 1
            write = Write(title=f"{writer.name} {number} {uuid.uuid4().hex[:8]}", key=str(uuid.uuid4()))
            writer.writes.append(write)
            while write.task_id is None:
                write.attempts += 1
                started = time.monotonic()
                answer = call(
                    self.url,
                    "POST",
                    "/api/tasks/",
                    access=writer.access,
                    body={"title": write.title},
                    headers={"Idempotency-Key": write.key},
                )
                self._record("write", started, answer)
                if answer.status == 201 and isinstance(answer.body, dict):
                    write.task_id = answer.body["id"]
                elif answer.status == 0 and self.server_gone.is_set():
                    return  # the server is gone for good: this write stays unacknowledged
                elif answer.status in (0, 503):
                    time.sleep(RETRY_DELAY)  # no answer, or the database is out: the same request, the same key
                else:
                    return  # anything else is a failure the test reports; retrying would hide it
            time.sleep(PAUSE_BETWEEN_REQUESTS)

    def _read_loop(self, number: int) -> None:
        rng = random.Random(number)
        while not self._stop.is_set():
            writer = rng.choice(self.writers)
            done = writer.acknowledged()
            started = time.monotonic()
            if done and rng.random() < 0.5:
                answer = call(self.url, "GET", f"/api/tasks/{rng.choice(done).task_id}/", access=writer.access)
            else:
                answer = call(self.url, "GET", "/api/tasks/?page_size=20", access=writer.access)
            self._record("read", started, answer)
            if answer.status == 0 and self.server_gone.is_set():
                return
            time.sleep(PAUSE_BETWEEN_REQUESTS)
