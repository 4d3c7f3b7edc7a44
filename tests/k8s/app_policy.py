"""Checks that tie the rendered manifests to the Django project: URL prefixes, probes, hosts, commands.

The URL prefixes come from Django's own resolver (config/urls.py) and settings, never from a copy here.
Each check returns its violations as readable strings, like tests/k8s/policy.py.
"""

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management import get_commands
from django.http.request import validate_host
from django.urls import Resolver404, get_resolver, resolve

from tests.k8s.kustomize import ROOT
from tests.k8s.policy import Pod, containers, environment, of_kind, one, pods, selects
from tests.k8s.topology import ingress_service

SPA_VIEW = "spa"
ENV_EXAMPLE = Path(__file__).resolve().parents[2] / ".env.example"

# The housekeeping commands the CronJobs run, one each.
SCHEDULED_COMMANDS = {"purge_sessions", "purge_audit", "purge_idempotency_keys"}


def django_prefixes() -> set[str]:
    """First path segment of every top-level URL pattern except the SPA's catch-all, plus STATIC_URL's."""
    prefixes = {settings.STATIC_URL.strip("/").split("/")[0]}
    for pattern in get_resolver().url_patterns:
        if getattr(pattern, "name", None) == SPA_VIEW:
            continue
        route = str(pattern.pattern).lstrip("^")
        prefixes.add(re.split(r"[/$]", route, maxsplit=1)[0])
    return prefixes


def is_django_view(path: str) -> bool:
    """Whether Django answers the path with a view of its own (not the SPA's index.html fallback)."""
    try:
        return resolve(path).url_name != SPA_VIEW
    except Resolver404:
        return False


def server_pod(docs: list[dict], name: str) -> Pod:
    [pod] = [pod for pod in pods(docs) if pod.workload == f"Deployment/{name}"]
    return pod


def service_of(docs: list[dict], pod: Pod) -> str:
    [service] = [s["metadata"]["name"] for s in of_kind(docs, "Service") if selects(s["spec"]["selector"], pod.labels)]
    return service


def http_probes(pod: Pod) -> list[tuple[str, dict]]:
    return [
        (f"{container['name']}.{kind}", container[kind]["httpGet"])
        for container, _ in containers(pod)
        for kind in ("startupProbe", "readinessProbe", "livenessProbe")
        if "httpGet" in container.get(kind, {})
    ]


def backend_env(docs: list[dict]) -> dict[str, object]:
    pod = server_pod(docs, "backend")
    [container] = [c for c, _ in containers(pod) if c["name"] == "backend"]
    return environment(docs, container, pod.spec.get("volumes", []))


def pool_violations(docs: list[dict]) -> list[str]:
    """Every request thread and background thread of a backend worker finds a database connection in its pool:
    config/gunicorn.conf.py, run with the backend's rendered environment, warns otherwise (a thread without one
    waits DB_POOL_TIMEOUT, then its request fails). Given a PostgreSQL URL whatever the overlay's database is: the
    pool's size must not depend on which secret a cluster happens to hold."""
    env = backend_env(docs)
    literal = {name: value for name, value in env.items() if isinstance(value, str)}
    if "REDIS_URL" in env:  # a Secret's key here: the value does not matter, only that it is set
        literal["REDIS_URL"] = "redis://policy-check:6379/0"
    with tempfile.TemporaryDirectory() as metrics_dir:  # else gunicorn.conf.py leaves one of its own in /tmp
        result = subprocess.run(
            [sys.executable, "config/gunicorn.conf.py"],
            cwd=ROOT,
            env={
                "PATH": os.environ["PATH"],
                **literal,
                "DATABASE_URL": "postgres://policy-check/app",
                "PROMETHEUS_MULTIPROC_DIR": metrics_dir,
            },
            capture_output=True,
            text=True,
        )
    return [line for line in result.stderr.splitlines() if line.strip()]


def route_violations(docs: list[dict], *, spa_paths: list[str]) -> list[str]:
    """Django's public prefixes reach the backend; its probes, /metrics and the SPA's paths do not."""
    found = []
    backend = service_of(docs, server_pod(docs, "backend"))
    frontend = service_of(docs, server_pod(docs, "frontend"))
    probes = {probe["path"] for _, probe in http_probes(server_pod(docs, "backend"))}
    prefixes = django_prefixes()
    for ingress in of_kind(docs, "Ingress"):
        for rule in ingress["spec"]["rules"]:
            host = rule["host"]

            def reaches(path: str, host: str = host, ingress: dict = ingress) -> str | None:
                return ingress_service(ingress, host, path)

            for prefix in sorted(prefixes):
                for path in (f"/{prefix}", f"/{prefix}/", f"/{prefix}/x"):
                    internal = f"/{prefix}" in probes
                    if internal and reaches(path) == backend:
                        found.append(f"{host}{path}: a probe path is public through the Ingress")
                    if not internal and reaches(path) != backend:
                        found.append(
                            f"{host}{path}: Django serves /{prefix} but the Ingress sends it to {reaches(path)}"
                        )
            for path in ["/metrics", *spa_paths]:
                if reaches(path) != frontend:
                    found.append(f"{host}{path}: goes to {reaches(path)}, not the SPA's {frontend}")
            for entry in rule["http"]["paths"]:
                segment = entry["path"].strip("/").split("/")[0]
                if entry["backend"]["service"]["name"] == backend and segment not in prefixes:
                    found.append(f"{host}{entry['path']}: routed to the backend, but no Django URL starts there")
    return found


def probe_violations(docs: list[dict]) -> list[str]:
    """The backend's probes call Django views (not the SPA fallback) with a Host its ALLOWED_HOSTS accepts."""
    found = []
    allowed = str(backend_env(docs).get("ALLOWED_HOSTS", "")).split(",")
    for name, probe in http_probes(server_pod(docs, "backend")):
        if not is_django_view(probe["path"]):
            found.append(f"{name}: {probe['path']} is not a Django view")
        host = {h["name"].lower(): h["value"] for h in probe.get("httpHeaders", [])}.get("host")
        if host is None or not validate_host(host, allowed):
            found.append(f"{name}: Host {host!r} is not in ALLOWED_HOSTS {allowed}")
    return found


def documented_default(name: str) -> str:
    """The default .env.example documents for a setting (its commented `# NAME=value` line)."""
    match = re.search(rf"^#\s*{re.escape(name)}=(\S+)$", ENV_EXAMPLE.read_text(), re.MULTILINE)
    assert match, f".env.example documents no default for {name}"
    return match.group(1)


def readiness_violations(docs: list[dict]) -> list[str]:
    """The readiness probe outwaits /readyz with the database and Redis down: the database wait (the pool's
    DB_POOL_TIMEOUT for a connection, libpq's tcp_user_timeout for a query on a pooled connection whose server went
    silent, or MongoDB's server selection) plus Redis' connect and socket timeouts."""
    env = backend_env(docs)

    def seconds(name: str, scale: float = 1.0) -> float:
        value = env.get(name)
        return float(value if isinstance(value, str) else documented_default(name)) * scale

    database = max(
        seconds("DB_POOL_TIMEOUT"),
        seconds("DB_TCP_USER_TIMEOUT_MS", 1e-3),
        seconds("MONGODB_SERVER_SELECTION_TIMEOUT_MS", 1e-3),
    )
    worst = database + seconds("REDIS_CONNECT_TIMEOUT") + seconds("REDIS_SOCKET_TIMEOUT")
    [container] = [c for c, _ in containers(server_pod(docs, "backend")) if c["name"] == "backend"]
    timeout = container["readinessProbe"].get("timeoutSeconds", 1)
    if timeout <= worst:
        return [f"backend.readinessProbe: timeoutSeconds {timeout} <= /readyz's worst case {worst:g} s"]
    return []


MIGRATE_COMMAND = ["python", "manage.py", "migrate_with_retries", "--noinput"]


def request_time_violations(docs: list[dict]) -> list[str]:
    """Requests are bounded by the database, not by the kubelet: statement_timeout and lock_timeout are set below
    the Ingress' read timeout, the migrate Job gives up lock waits quickly, and liveness never waits on a request
    thread (an HTTP probe queues behind slow requests under gthread)."""
    found = []
    env = backend_env(docs)
    statement, lock = (float(str(env.get(name, 0))) for name in ("DB_STATEMENT_TIMEOUT", "DB_LOCK_TIMEOUT"))
    for ingress in of_kind(docs, "Ingress"):
        read = float(
            ingress["metadata"].get("annotations", {}).get("nginx.ingress.kubernetes.io/proxy-read-timeout", 60)
        )
        if not 0 < statement < read:
            found.append(
                f"DB_STATEMENT_TIMEOUT {statement:g} s is not between 0 and the Ingress' read timeout {read:g} s"
            )
    if not 0 < lock <= statement:
        found.append(f"DB_LOCK_TIMEOUT {lock:g} s is not between 0 and DB_STATEMENT_TIMEOUT {statement:g} s")
    [migrate] = [c for c, _ in containers(next(p for p in pods(docs) if p.workload == "Job/backend-migrate"))]
    migrate_lock = float(str(environment(docs, migrate).get("DB_LOCK_TIMEOUT", 0)))
    if not 0 < migrate_lock <= 5:
        found.append(f"Job/backend-migrate: DB_LOCK_TIMEOUT {migrate_lock:g} s is not a short lock wait (0 < s <= 5)")
    [backend] = [c for c, _ in containers(server_pod(docs, "backend")) if c["name"] == "backend"]
    liveness = backend.get("livenessProbe", {})
    if "tcpSocket" not in liveness:
        found.append("backend.livenessProbe: not a tcpSocket probe (an HTTP one waits behind busy request threads)")
    if liveness.get("periodSeconds", 10) * liveness.get("failureThreshold", 3) < 60:
        found.append("backend.livenessProbe: restarts after less than 60 s of failures")
    return found


_NGINX_SIZE = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def nginx_size(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kKmMgG]?)", value).groups()  # type: ignore[union-attr]
    return int(number) * _NGINX_SIZE[unit.lower()]


def edge_violations(docs: list[dict]) -> list[str]:
    """Ingress and Django agree on hosts, scheme, body size and the number of proxies in front."""
    found = []
    env = backend_env(docs)
    allowed = str(env.get("ALLOWED_HOSTS", "")).split(",")
    origins = str(env.get("CSRF_TRUSTED_ORIGINS", "")).split(",")
    frontend_url = urlsplit(str(env.get("FRONTEND_URL", "")))
    for ingress in of_kind(docs, "Ingress"):
        annotations = ingress["metadata"].get("annotations", {})
        if ingress["spec"].get("ingressClassName") != "nginx":
            found.append("Ingress: not ingressClassName nginx, whose forwarded headers TRUSTED_PROXY_COUNT assumes")
        if env.get("TRUSTED_PROXY_COUNT") != "1" or not env.get("FORWARDED_ALLOW_IPS"):
            found.append("Ingress-nginx is the one proxy: TRUSTED_PROXY_COUNT=1 and FORWARDED_ALLOW_IPS set")
        limit = annotations.get("nginx.ingress.kubernetes.io/proxy-body-size")
        if limit is None or nginx_size(limit) != int(str(env.get("MAX_REQUEST_BODY_BYTES", -1))):
            found.append(f"Ingress body limit {limit} != MAX_REQUEST_BODY_BYTES {env.get('MAX_REQUEST_BODY_BYTES')}")
        tls_hosts = {host for tls in ingress["spec"].get("tls", []) for host in tls["hosts"]}
        if tls_hosts and "cert-manager.io/cluster-issuer" not in annotations:
            found.append("Ingress: TLS without a cert-manager issuer annotation")
        for rule in ingress["spec"]["rules"]:
            host = rule["host"]
            scheme = "https" if host in tls_hosts else "http"
            if not validate_host(host, allowed):
                found.append(f"Ingress host {host} is not in ALLOWED_HOSTS {allowed}")
            if (frontend_url.scheme, frontend_url.hostname) != (scheme, host):
                found.append(f"FRONTEND_URL {frontend_url.geturl()} is not {scheme}://{host}")
            if frontend_url.geturl() not in origins:
                found.append(f"CSRF_TRUSTED_ORIGINS {origins} lacks {frontend_url.geturl()}")
    return found


def job_violations(docs: list[dict]) -> list[str]:
    """Migrations and scheduled commands run the backend's image and name management commands that exist."""
    found = []
    [image] = {c["image"] for c, _ in containers(server_pod(docs, "backend")) if c["name"] == "backend"}
    migrate = one(docs, "Job", "backend-migrate")
    commands = get_commands()
    scheduled = set()
    for pod in pods(docs):
        if pod.kind not in ("Job", "CronJob") or pod.labels.get("app.kubernetes.io/name") != "backend":
            continue
        for container, _ in containers(pod):
            if container["image"] != image:
                found.append(f"{pod.workload}: image {container['image']} is not the backend's {image}")
            argv = container.get("command", []) + container.get("args", [])
            if argv[:2] != ["python", "manage.py"] or len(argv) < 3 or argv[2] not in commands:
                found.append(f"{pod.workload}: {argv} is not a management command of this project")
            elif pod.kind == "CronJob":
                scheduled.add(argv[2])
    [container] = migrate["spec"]["template"]["spec"]["containers"]
    if container.get("command", []) + container.get("args", []) != MIGRATE_COMMAND:
        found.append(f"Job/backend-migrate does not run {MIGRATE_COMMAND}")
    if scheduled != SCHEDULED_COMMANDS:
        found.append(f"CronJobs run {sorted(scheduled)}, not {', '.join(sorted(SCHEDULED_COMMANDS))}")
    # A pod replaced while it still terminates (its node lost, say) would run beside its replacement: two migrate runs
    # at once, or two purges. With Failed, the replacement starts only once the old pod has stopped.
    for doc in docs:
        job = {"Job": lambda d: d["spec"], "CronJob": lambda d: d["spec"]["jobTemplate"]["spec"]}.get(doc["kind"])
        if job is not None and job(doc).get("podReplacementPolicy") != "Failed":
            found.append(f"{doc['kind']}/{doc['metadata']['name']}: podReplacementPolicy is not Failed")
    return found
