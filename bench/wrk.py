"""One wrk run against one server: requests/s, latency percentiles, errors, and the server's side of it."""

import json
import os
import shutil
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

from .server import Gunicorn, Usage

LUA = Path(__file__).resolve().parent / "wrk" / "requests.lua"


@dataclass
class Run:
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    errors: int
    non_2xx: int
    requests: int
    usage: Usage  # the server's CPU, user and system, and its threads' context switches during the run
    spread: list[int] = field(default_factory=list)

    @property
    def server_cpu_s(self) -> float:
        return self.usage.user_s + self.usage.system_s

    def per_request(self) -> dict[str, float]:
        """The server's user and system CPU (ms) and its threads' context switches, per request."""
        n = max(self.requests, 1)
        return {
            "cpu_user_ms": 1000 * self.usage.user_s / n,
            "cpu_system_ms": 1000 * self.usage.system_s / n,
            "voluntary_switches": self.usage.voluntary_switches / n,
            "involuntary_switches": self.usage.involuntary_switches / n,
        }

    @property
    def rps_per_core(self) -> float:
        """Requests per CPU-second the server spent (master + workers): throughput per fully used core."""
        return self.requests / self.server_cpu_s if self.server_cpu_s > 0 else 0.0


def wrk_command() -> list[str]:
    """wrk, pinned to the last CPU when taskset exists (the server gets the rest of the time)."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("bench: wrk not found; install it (Debian: apt-get install -y wrk)")
    taskset = shutil.which("taskset")
    cpus = sorted(os.sched_getaffinity(0))
    if taskset and len(cpus) > 1:
        return [taskset, "-c", str(cpus[-1]), wrk]
    return [wrk]


def run_wrk(*, server: Gunicorn, requests_file: Path, connections: int, duration: float) -> Run:
    """Load ``server`` with the requests listed in ``requests_file`` (see wrk/requests.lua) for ``duration``."""
    seconds = max(1, round(duration))
    command = [
        *wrk_command(),
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        server.url,
    ]
    spread: list[int] = []
    usage_before = server.usage()
    process = subprocess.Popen(  # noqa: S603 - fixed argv
        command,
        env={**os.environ, "BENCH_REQUESTS": str(requests_file)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    # Half way through, every connection is open: count how the workers share them.
    timer = threading.Timer(seconds / 2, lambda: spread.extend(server.connection_spread()))
    timer.start()
    output, _ = process.communicate()
    timer.cancel()
    usage = server.usage() - usage_before
    line = next((line for line in output.splitlines() if line.startswith("BENCH_RESULT ")), None)
    if process.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({process.returncode}):\n{output}")
    data = json.loads(line.removeprefix("BENCH_RESULT "))
    return Run(
        rps=data["requests"] / (data["duration_us"] / 1e6),
        p50_ms=data["p50_us"] / 1000,
        p90_ms=data["p90_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        errors=data["errors"],
        non_2xx=data["non_2xx"],
        requests=data["requests"],
        usage=usage,
        spread=spread,
    )
