"""The product under gunicorn on a database (and Redis) a test controls: migrate, users with tokens, HTTP calls.

For tests that stop and start the servers underneath a running app (tests/e2e/test_database_outage.py,
tests/faults/). ``app_env`` is `make run`'s environment (local settings, DEBUG off) pointed at them.
"""

import http.client
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tests.e2e.servers import ROOT

# What the app reads that these tests set themselves; never inherited from the pytest leg.
OWN = {"DATABASE_URL", "DATABASE_REPLICA_URLS", "REDIS_URL", "CACHE_KEY_PREFIX", "PYTEST_XDIST_WORKER"}

# Run by `manage.py shell`: one user per name, each with a session's access token.
MAKE_USERS = """
import json
from backend.accounts.models import User
from backend.accounts.services import session_start
users = {}
for name in NAMES:
    user = User.objects.create_user(email=f"{name}@example.com", password="a-Good-passphrase-42")
    users[name] = session_start(user=user).tokens.access
print("USERS=" + json.dumps(users))
"""


def app_env(*, database_url: str, tmp: Path, port: int, redis_url: str | None = None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in OWN}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        SECRET_KEY="app-server-tests-secret-key-" + "s" * 40,
        JWT_SIGNING_KEY="app-server-tests-jwt-signing-key-" + "j" * 40,
        MFA_ENCRYPTION_KEY="app-server-tests-mfa-encryption-key-" + "m" * 40,
        ACCESS_TOKEN_LIFETIME_SECONDS="3600",
        DATABASE_URL=database_url,
        DEBUG="false",
        LOG_FORMAT="json",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        STATIC_ROOT=str(tmp / "static"),
        **extra,
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def make_users(env: dict[str, str], names: list[str]) -> dict[str, str]:
    """``{name: access token}`` for new users made through the services (log lines go to stdout too)."""
    code = f"NAMES = {names!r}\n{MAKE_USERS}"
    output = manage(env, "shell", "-c", code)
    return json.loads(next(line for line in output.splitlines() if line.startswith("USERS="))[6:])


@dataclass
class Answer:
    """One HTTP exchange: the status (0 when no response came back, with ``error`` saying why)."""

    status: int
    body: object = None
    headers: dict[str, str] = field(default_factory=dict)
    error: str = ""


def call(
    base_url: str,
    method: str,
    path: str,
    *,
    access: str | None = None,
    body: object = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> Answer:
    """One request on a new connection. A connection refused, reset or cut before the response is status 0."""
    sent = {"Content-Type": "application/json", **(headers or {})}
    if access:
        sent["Authorization"] = f"Bearer {access}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base_url + path, data=data, headers=sent, method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            raw, status, got = response.read(), response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        raw, status, got = error.read(), error.code, dict(error.headers)
    except (urllib.error.URLError, http.client.HTTPException, OSError) as error:  # refused, reset, cut, timed out
        return Answer(status=0, error=f"{type(error).__name__}: {error}")
    parsed: object = raw.decode(errors="replace")
    if got.get("Content-Type", "").startswith("application/json") and raw:
        parsed = json.loads(raw)
    return Answer(status=status, body=parsed, headers=got)


def metric_value(base_url: str, name: str) -> float:
    """The sum of every sample of ``name`` in a /metrics scrape (0 when it has none)."""
    answer = call(base_url, "GET", "/metrics")
    assert answer.status == 200, answer
    total = 0.0
    for line in str(answer.body).splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            total += float(line.rsplit(" ", 1)[1])
    return total
