"""A database outage under gunicorn: a JSON 503 with Retry-After while it lasts, and no failed request once it ends.

The test owns a throwaway PostgreSQL server and stops and starts it underneath the running app (one worker, four
threads, a pool of four connections that all stay open, so each restart leaves four dead connections in the pool).
Reads are not cached, so every request reaches the database.
"""

import json
import re
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.servers import gunicorn_running
from tests.support.app_server import Answer, app_env, call, make_users, manage, metric_value
from tests.support.net import free_port
from tests.support.postgres_server import PostgresServer, private_workdir

THREADS = 4


@dataclass
class App:
    url: str
    access: str
    pg: PostgresServer
    log: Path

    def log_lines(self) -> list[dict]:
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.startswith("{")]


@pytest.fixture(scope="module")
def app(tmp_path_factory) -> Iterator[App]:
    tmp = tmp_path_factory.mktemp("database-outage")
    workdir = private_workdir("sad-db-outage-")
    pg = PostgresServer.initdb(workdir, "pg")
    try:
        pg.start()
        port = free_port()
        env = app_env(
            database_url=pg.url,
            tmp=tmp,
            port=port,
            GUNICORN_THREADS=str(THREADS),
            DB_POOL_MIN_SIZE=str(THREADS),
            DB_POOL_MAX_SIZE=str(THREADS),
            DB_POOL_TIMEOUT="3",  # as in k8s/base
            TASK_CACHE_TTL_SECONDS="0",
            TASK_COUNT_CACHE_TTL_SECONDS="0",
        )
        manage(env, "migrate", "--noinput")
        access = make_users(env, ["outage"])["outage"]
        with gunicorn_running(env=env, port=port, stdout=tmp / "gunicorn.log") as url:
            yield App(url=url, access=access, pg=pg, log=tmp / "gunicorn.log")
    finally:
        pg.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def burst(app: App, count: int) -> list[Answer]:
    """``count`` requests, alternately a create and a list read, ``THREADS * 2`` at a time."""

    def one(number: int) -> Answer:
        if number % 2:
            return call(app.url, "GET", "/api/tasks/?page_size=5", access=app.access)
        return call(app.url, "POST", "/api/tasks/", access=app.access, body={"title": f"burst {number}"})

    with ThreadPoolExecutor(max_workers=THREADS * 2) as pool:
        return list(pool.map(one, range(count)))


def test_while_the_database_is_down_requests_get_a_json_503_with_retry_after_and_liveness_stays_up(app):
    assert {answer.status for answer in burst(app, 8)} == {200, 201}
    refused_before = metric_value(app.url, "db_unavailable_responses_total")

    app.pg.stop()
    during = [
        call(app.url, "GET", "/api/tasks/", access=app.access),
        call(app.url, "POST", "/api/tasks/", access=app.access, body={"title": "while down"}),
        call(app.url, "GET", "/api/tasks/stats/", access=app.access),
        call(app.url, "POST", "/api/tasks/bulk/", access=app.access, body={"ids": [], "action": "complete"}),
        *burst(app, 8),
    ]
    ready = call(app.url, "GET", "/readyz")
    alive = call(app.url, "GET", "/healthz")
    app.pg.start()
    after = burst(app, 8)

    refused = [answer for answer in during if answer.status == 503]
    assert len(refused) >= 3, during  # the bulk body is invalid: a 400 needs no database
    assert {answer.status for answer in during} <= {503, 400}, during
    for answer in refused:
        assert answer.body == {
            "detail": "The service is briefly unavailable (its database cannot be reached); retry shortly.",
            "code": "service_unavailable",
        }
        assert answer.headers["Retry-After"] == "5"
    assert (ready.status, ready.body["failed"]) == (503, ["database"])
    assert alive.status == 200
    assert {answer.status for answer in after} == {200, 201}, after

    assert metric_value(app.url, "db_unavailable_responses_total") - refused_before == len(refused)
    lines = app.log_lines()
    outage = [line["event"] for line in lines if line.get("logger") == "backend.database"]
    assert len(outage) == 2, outage  # once when it began, once when it ended
    assert outage[0].startswith("Database unavailable (")
    ended = rf"Database available again after [\d.]+s; {len(refused)} requests were answered 503 meanwhile\."
    assert re.fullmatch(ended, outage[1]), outage[1]
    # No traceback or error line per request (the request lines themselves aside), no pool warning per attempt:
    # at most one a minute per worker, with the server's own reason.
    errors = [line for line in lines if line["level"] in ("error", "critical") and line["logger"] != "backend.request"]
    assert errors == []
    pool_warnings = [line for line in lines if line["logger"] == "psycopg.pool"]
    assert len(pool_warnings) <= 4, pool_warnings  # at most once a minute per kind, over this module's few minutes


def test_after_a_restart_no_request_fails_on_the_connections_that_died_with_it(app):
    assert {answer.status for answer in burst(app, 16)} == {200, 201}  # every pooled connection has served

    app.pg.stop()  # nothing asks for a connection while it is down: all four stay in the pool, dead
    app.pg.start()
    after = burst(app, 32)

    assert [answer for answer in after if answer.status not in (200, 201)] == []


def test_a_read_on_a_connection_broken_after_the_pool_checked_it_is_retried_once_and_a_write_is_not(app, tmp_path):
    # In one process: the server ends the connection in hand (as a restart would), then a read, then a write.
    env = app_env(database_url=app.pg.url, tmp=tmp_path, port=free_port())
    script = """
import psycopg
from django.db import OperationalError, connection
from backend.accounts.models import User
from backend.tasks.services import task_create

def end_the_connection_in_hand():
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    with psycopg.connect(DATABASE_URL, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    return pid

ended = end_the_connection_in_hand()
owner = User.objects.get(email="outage@example.com")
print("READ", owner.email, connection.connection.info.backend_pid != ended)
end_the_connection_in_hand()
try:
    task_create(owner=owner, title="on a dead connection")
except OperationalError as exc:
    print("WRITE raised", type(exc.__cause__).__name__)
"""
    output = manage(env, "shell", "-c", f"DATABASE_URL = {app.pg.url!r}\n{script}")
    assert "READ outage@example.com True" in output, output
    assert "WRITE raised " in output, output
