"""A gunicorn under config/gunicorn.conf.py, and what /proc says about it: workers, RSS, CPU, connections."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Usage:
    """CPU seconds and context switches, summed over a server's processes (or a difference of two readings)."""

    user_s: float = 0.0
    system_s: float = 0.0
    voluntary_switches: int = 0  # a thread gave up the CPU to wait: a socket, a lock, the GIL
    involuntary_switches: int = 0  # the scheduler took the CPU away: another process wanted it

    def __sub__(self, before: "Usage") -> "Usage":
        return Usage(
            self.user_s - before.user_s,
            self.system_s - before.system_s,
            self.voluntary_switches - before.voluntary_switches,
            self.involuntary_switches - before.involuntary_switches,
        )


def _context_switches(status: Path) -> tuple[int, int]:
    """(voluntary, involuntary) context switches of one thread, from its /proc status; (0, 0) once it is gone."""
    try:
        lines = status.read_text().splitlines()
    except FileNotFoundError:
        return 0, 0
    counts = {}
    for line in lines:
        name, _, value = line.partition(":")
        if name.endswith("ctxt_switches"):
            counts[name] = int(value)
    return counts.get("voluntary_ctxt_switches", 0), counts.get("nonvoluntary_ctxt_switches", 0)


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(child) for child in task.read_text().split()]
    return found


class Gunicorn:
    """One gunicorn serving ``app`` on 127.0.0.1:``port``, started in its own session, stopped by pid."""

    def __init__(self, *, name: str, app: str, env: dict[str, str], workers: int, threads: int, log: Path) -> None:
        self.name = name
        self.port = free_port()
        self.workers = workers
        server_env = {
            **env,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": str(workers),
            "GUNICORN_THREADS": str(threads),
            # reuse_port and everything else: config/gunicorn.conf.py's defaults, as deployed.
        }
        log.parent.mkdir(parents=True, exist_ok=True)
        self.log = log
        with log.open("wb") as out:
            # The app's per-request log lines (stdout) are formatted as in production but dropped:
            # they would fill the disk. Errors reach stderr, which goes to the log file.
            keep_stdout = env.get("BENCH_SERVER_STDOUT", "") == "1"
            self.process = subprocess.Popen(  # noqa: S603 - fixed argv
                [sys.executable, "-m", "gunicorn", app, "-c", "config/gunicorn.conf.py"],
                env=server_env,
                stdout=out if keep_stdout else subprocess.DEVNULL,
                stderr=out,
                start_new_session=True,
            )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, path: str, timeout: float = 60) -> None:
        """Until every worker is up and ``path`` answers 200; a dead server or a timeout raises with the log."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} server exited ({self.process.returncode}); log: {self.log}")
            try:
                with urllib.request.urlopen(self.url + path, timeout=5) as response:  # noqa: S310 - our own http URL
                    if response.status == 200 and len(self.worker_pids()) == self.workers:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} server did not answer {path} within {timeout:.0f}s; log: {self.log}")

    def worker_pids(self) -> list[int]:
        return _children(self.process.pid)

    def cpu_seconds(self) -> float:
        """User + system CPU of the master and its workers so far."""
        usage = self.usage()
        return usage.user_s + usage.system_s

    def usage(self) -> Usage:
        """The master's and workers' CPU so far, user and system apart, and their threads' context switches."""
        total = Usage()
        for pid in [self.process.pid, *self.worker_pids()]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                # Counted per thread: the process's own status has its main thread's only.
                switches = [_context_switches(task / "status") for task in Path(f"/proc/{pid}/task").iterdir()]
            except FileNotFoundError:
                continue
            total.user_s += int(fields[11]) / CLK_TCK  # utime and stime: fields 14 and 15 of stat, all threads
            total.system_s += int(fields[12]) / CLK_TCK
            total.voluntary_switches += sum(v for v, _ in switches)
            total.involuntary_switches += sum(i for _, i in switches)
        return total

    def wait_idle(self, timeout: float = 15) -> None:
        """Until the server stops using CPU: requests wrk left in flight (a login's Argon2 hash holds
        19 MiB while it runs) must finish before RSS says what the workers keep."""
        deadline = time.monotonic() + timeout
        before = self.cpu_seconds()
        while time.monotonic() < deadline:
            time.sleep(0.5)
            now = self.cpu_seconds()
            if now - before < 0.02:
                return
            before = now

    def worker_rss_mb(self) -> list[float]:
        sizes = []
        for pid in self.worker_pids():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
        return sizes

    def listening_sockets(self) -> int:
        """Listening sockets on the port: one per worker with reuse_port, else the master's one."""
        count = 0
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == self.port and fields[3] == "0A":  # 0A = LISTEN
                    count += 1
        return count

    def connection_spread(self) -> list[int]:
        """Established client connections each worker holds right now (sorted, largest first)."""
        established = set()
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                local_port = int(fields[1].rsplit(":", 1)[1], 16)
                if local_port == self.port and fields[3] == "01":  # 01 = ESTABLISHED
                    established.add(fields[9])  # inode
        counts = []
        for pid in self.worker_pids():
            held = 0
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                try:
                    target = os.readlink(fd)
                except OSError:
                    continue
                if target.startswith("socket:[") and target[8:-1] in established:
                    held += 1
            counts.append(held)
        return sorted(counts, reverse=True)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
