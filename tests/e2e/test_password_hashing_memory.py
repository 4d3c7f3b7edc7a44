"""A burst of logins keeps the backend pod within its memory limit: Argon2 is sized for it (accounts/hashers.py).

A real gunicorn with the pod's workers and threads (k8s/base), the project's password hashers and a private Redis
(several workers need a shared cache), under parallel logins for unknown emails, which hash too. Each process's
peak resident memory (VmHWM, Linux) is read after the burst: no timing is involved.
"""

import json
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

from tests.e2e.servers import ROOT, served
from tests.k8s.policy import quantity
from tests.support.redis_server import RedisServer

MIB = 1024 * 1024


def _pod_configuration() -> tuple[int, int, int]:
    """(workers, threads per worker, memory limit in MiB) of the backend container in k8s/base."""
    kustomization = yaml.safe_load((ROOT / "k8s/base/kustomization.yaml").read_text())
    [config] = [c for c in kustomization["configMapGenerator"] if c["name"] == "sad-backend-config"]
    literals = dict(literal.split("=", 1) for literal in config["literals"])
    deployment = yaml.safe_load((ROOT / "k8s/base/backend-deployment.yaml").read_text())
    [container] = [c for c in deployment["spec"]["template"]["spec"]["containers"] if c["name"] == "backend"]
    limit = quantity(container["resources"]["limits"]["memory"])
    return int(literals["WEB_CONCURRENCY"]), int(literals["GUNICORN_THREADS"]), int(limit // MIB)


def _peak_mib(pid: int) -> int:
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    return int(status["VmHWM"].split()[0]) // 1024  # kB


def _gunicorn_processes(port: int) -> tuple[int, list[int]]:
    """(master pid, worker pids) of the gunicorn bound to ``port``: its processes carry GUNICORN_BIND."""
    marker = f"GUNICORN_BIND=127.0.0.1:{port}".encode()
    found: dict[int, int] = {}  # pid -> parent pid
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and marker in (proc / "environ").read_bytes().split(b"\0"):
                found[int(proc.name)] = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue  # gone, or not ours
    [master] = [pid for pid, parent in found.items() if parent not in found]
    return master, [pid for pid, parent in found.items() if parent == master]


def _login(url: str, n: int) -> int:
    request = urllib.request.Request(  # noqa: S310
        f"{url}/api/auth/login/",
        data=json.dumps({"email": f"nobody-{n}@example.com", "password": "correct horse battery staple"}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_parallel_logins_keep_the_pods_processes_under_its_memory_limit(tmp_path):
    # Given the backend as a pod runs it: its workers and threads, the project's password hashers, a shared Redis
    workers, threads, limit_mib = _pod_configuration()
    redis = RedisServer(tmp_path)
    try:
        with served(
            tmp_path,
            REDIS_URL=redis.url,
            WEB_CONCURRENCY=str(workers),
            GUNICORN_THREADS=str(threads),
            RATE_LIMIT_ENABLED="false",  # every login must reach the hasher
        ) as url:
            master, worker_pids = _gunicorn_processes(int(url.rsplit(":", 1)[1]))
            assert len(worker_pids) == workers

            # When four times as many logins as the pod has threads arrive at once (unknown emails hash too)
            count = 4 * workers * threads
            barrier = threading.Barrier(count)

            def login(n: int) -> int:
                barrier.wait()
                return _login(url, n)

            with ThreadPoolExecutor(max_workers=count) as pool:
                statuses = list(pool.map(login, range(count)))
            peaks = {pid: _peak_mib(pid) for pid in [master, *worker_pids]}
    finally:
        redis.stop()

    # Then every login was answered, and the pod's peak stays under its limit even if every worker had peaked like
    # the busiest one (a sum of peaks: an upper bound on what the processes held at any one time)
    assert statuses == [401] * count
    pod_peak = peaks[master] + workers * max(peaks[pid] for pid in worker_pids)
    assert pod_peak < limit_mib, f"peak resident memory per process (MiB): {peaks}; pod at most {pod_peak}"
