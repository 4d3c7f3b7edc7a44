"""Read replicas for real: gunicorn on a PostgreSQL primary with a streaming replica, and Redis.

Replay on the replica is paused while a test writes, so the replica provably lags: a read that sees a row
written since the pause was served by the primary, and one that does not was served by the replica.
Two servers share the databases and the cache: ``pinning`` keeps a user's reads on the primary for 60 s
after their data changed, ``unpinned`` has no pin window (DATABASE_REPLICA_PIN_SECONDS=0), which stands
for "after the window" without sleeping. Neither caches task reads, so every read reaches a database.
"""

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass

import pytest
import redis

from tests.e2e.servers import ROOT, gunicorn_running
from tests.support.net import free_port
from tests.support.pg_replication import ReplicatedPostgres
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.replicas

CACHE_PREFIX = "replicas"
# The environment variables the app reads that these tests set themselves.
OWN = {"DATABASE_URL", "DATABASE_REPLICA_URLS", "DATABASE_REPLICA_PIN_SECONDS", "REDIS_URL", "CACHE_KEY_PREFIX"}

# Run by `manage.py shell`: users and their first sessions, made on the primary without the app's cache.
MAKE_USERS = """
import json
from backend.accounts.models import User
from backend.accounts.services import session_start
users = {}
for name in ("writer", "reader", "revoked"):
    user = User.objects.create_user(email=f"{name}@example.com", password="a-Good-passphrase-42")
    users[name] = {"id": str(user.pk), "access": session_start(user=user).tokens.access}
print("USERS=" + json.dumps(users))
"""


def app_env(pg: ReplicatedPostgres, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in OWN and k != "PYTEST_XDIST_WORKER"}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        SECRET_KEY="replica-tests-secret-key-" + "s" * 40,
        JWT_SIGNING_KEY="replica-tests-jwt-signing-key-" + "j" * 40,
        ACCESS_TOKEN_LIFETIME_SECONDS="3600",
        DATABASE_URL=pg.primary.url,
        DEBUG="false",
        LOG_FORMAT="json",
        **extra,
    )
    return env


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@dataclass
class Servers:
    pinning: str
    unpinned: str
    users: dict[str, dict[str, str]]
    redis_url: str


@pytest.fixture(scope="module")
def servers(pg_replication: ReplicatedPostgres, tmp_path_factory) -> Iterator[Servers]:
    tmp = tmp_path_factory.mktemp("replicas")
    redis_server = RedisServer(tmp)
    with ExitStack() as stack:
        stack.callback(redis_server.stop)
        # With the replica configured, as a deployment would run it: migrate must touch the primary only.
        with_replica = app_env(
            pg_replication, DATABASE_REPLICA_URLS=pg_replication.replica.url, REDIS_URL=redis_server.url
        )
        manage(with_replica, "migrate", "--noinput")
        output = manage(app_env(pg_replication), "shell", "-c", MAKE_USERS)  # log lines go to stdout too
        users = json.loads(next(line for line in output.splitlines() if line.startswith("USERS="))[6:])
        common = {
            "DATABASE_REPLICA_URLS": pg_replication.replica.url,
            "REDIS_URL": redis_server.url,
            "CACHE_KEY_PREFIX": CACHE_PREFIX,
            # Every read reaches a database (bodies, and the list counts and deep-page anchors cached apart).
            "TASK_CACHE_TTL_SECONDS": "0",
            "TASK_COUNT_CACHE_TTL_SECONDS": "0",
            "WEB_CONCURRENCY": "1",
            "GUNICORN_THREADS": "2",
        }
        urls = {}
        for name, pin_seconds in (("pinning", "60"), ("unpinned", "0")):
            port = free_port()
            env = app_env(
                pg_replication,
                **common,
                DATABASE_REPLICA_PIN_SECONDS=pin_seconds,
                GUNICORN_BIND=f"127.0.0.1:{port}",
                STATIC_ROOT=str(tmp / "static"),
            )
            urls[name] = stack.enter_context(gunicorn_running(env=env, port=port, stdout=tmp / f"{name}.log"))
        pg_replication.wait_replayed()
        yield Servers(pinning=urls["pinning"], unpinned=urls["unpinned"], users=users, redis_url=redis_server.url)


def call(base_url: str, method: str, path: str, access: str, body: dict | None = None) -> tuple[int, dict]:
    headers = {"Authorization": f"Bearer {access}", "Content-Type": "application/json"}
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base_url + path, data=data, headers=headers, method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            raw, status = response.read(), response.status
    except urllib.error.HTTPError as error:
        raw, status = error.read(), error.code
    return status, json.loads(raw) if raw else {}


def titles(base_url: str, access: str) -> list[str]:
    status, body = call(base_url, "GET", "/api/tasks/", access)
    assert status == 200, body
    return [task["title"] for task in body["results"]]


def test_a_user_reads_their_own_write_from_the_primary_while_the_replica_lags(servers, pg_replication):
    writer = servers.users["writer"]["access"]
    title = f"written while replay is paused {uuid.uuid4()}"
    with pg_replication.replay_paused():
        status, created = call(servers.pinning, "POST", "/api/tasks/", writer, {"title": title})
        assert status == 201, created

        # The next requests are new ones: only the recent-write marker keeps them on the primary.
        assert titles(servers.pinning, writer) == [title]
        status, detail = call(servers.pinning, "GET", f"/api/tasks/{created['id']}/", writer)
        assert (status, detail["title"]) == (200, title)
        # Ground truth: the replica really lags.
        assert pg_replication.replica.query_one("SELECT count(*) FROM tasks_task WHERE title = %s", title) == 0


def test_reads_without_a_recent_write_come_from_the_replica_until_it_replays(servers, pg_replication):
    reader = servers.users["reader"]["access"]
    title = f"not replayed yet {uuid.uuid4()}"
    with pg_replication.replay_paused():
        # Written on the primary by a server with no pin window, so no marker is left behind.
        status, created = call(servers.unpinned, "POST", "/api/tasks/", reader, {"title": title})
        assert status == 201, created
        assert pg_replication.primary.query_one("SELECT count(*) FROM tasks_task WHERE title = %s", title) == 1

        assert titles(servers.unpinned, reader) == []
        assert titles(servers.pinning, reader) == []  # no marker: the pinning server reads the replica too
        status, _ = call(servers.unpinned, "GET", f"/api/tasks/{created['id']}/", reader)
        assert status == 404

    # replay_paused() waited for the replica to catch up.
    assert titles(servers.unpinned, reader) == [title]
    assert titles(servers.pinning, reader) == [title]


def test_a_revoked_session_is_refused_from_the_primary_even_when_the_cache_lost_the_revocation(servers, pg_replication):
    revoked = servers.users["revoked"]["access"]
    with pg_replication.replay_paused():
        status, body = call(servers.pinning, "POST", "/api/auth/logout-all/", revoked)
        assert status == 204, body
        # Lose the revocation tombstone (as if Redis had dropped it), so the session check must ask a database;
        # the paused replica still holds the session as live.
        client = redis.Redis.from_url(servers.redis_url)
        tombstones = client.keys(f"{CACHE_PREFIX}:*auth:session:*")
        assert tombstones, "logout-all left no tombstone in the cache"
        client.delete(*tombstones)
        live_on_replica = pg_replication.replica.query_one(
            "SELECT count(*) FROM accounts_authsession WHERE user_id = %s::uuid AND revoked_at IS NULL",
            servers.users["revoked"]["id"],
        )
        assert live_on_replica == 1

        status, body = call(servers.unpinned, "GET", "/api/tasks/", revoked)
        assert (status, body.get("code")) == (401, "session_revoked")
