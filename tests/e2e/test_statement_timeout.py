"""Bounded request time on a real PostgreSQL, under gunicorn: a query longer than DB_STATEMENT_TIMEOUT is cancelled
by the server and answered as a JSON 504 ``database_timeout``, and the worker's threads are free again at once.

With only the gthread worker's own timeout, each of these requests would hold a thread for the query's full
30 s: two of them fill this server's one worker (2 threads), and /healthz would wait behind them.
On the SQLite leg there is no PostgreSQL to cancel anything: skipped.

No duration is asserted (timings flake on a loaded machine). A query that ran its 30 s would end in a 200
``{"slept": true}``, so the 504 ``database_timeout`` is itself the proof that PostgreSQL cancelled it; and
pg_stat_activity, read right after, shows no pg_sleep left running on this server's connections (they carry
their own application_name). The clients' timeouts only bound a hang.
"""

import json
import os
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from tests.e2e.servers import gunicorn_running, local_env
from tests.support.net import free_port

POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://", "pgsql://"))
pytestmark = pytest.mark.skipif(not POSTGRES, reason="needs PostgreSQL (DATABASE_URL): the PostgreSQL leg runs it")

QUERY_SECONDS = 30  # what each slow request asks PostgreSQL to sleep; DB_STATEMENT_TIMEOUT is 1 s
HANG_SECONDS = 90  # every client's timeout: bounds a hang, longer than two uncancelled queries one after the other


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=HANG_SECONDS) as response:  # noqa: S310
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    return status, json.loads(body or b"{}")


def _backends(application_name: str) -> list[tuple[str, str]]:
    """(state, query) of every PostgreSQL backend whose client set ``application_name``."""
    admin_url = os.environ["DATABASE_URL"].replace("pgsql://", "postgresql://", 1)
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as conn:
        rows = conn.execute(
            "SELECT state, query FROM pg_stat_activity WHERE application_name = %s", [application_name]
        ).fetchall()
    return [(state or "", query or "") for state, query in rows]


def test_a_query_past_the_statement_timeout_is_a_json_504_and_frees_its_thread(tmp_path):
    port = free_port()
    application_name = f"statement-timeout-{port}"
    env = local_env(tmp_path, port, CACHE_KEY_PREFIX=f"timeout-{port}")
    env.update(
        DATABASE_URL=os.environ["DATABASE_URL"],  # the leg's server; the view reads no table
        DJANGO_SETTINGS_MODULE="tests.e2e.slow_query_settings",
        DB_STATEMENT_TIMEOUT="1",
        WEB_CONCURRENCY="1",
        GUNICORN_THREADS="2",
        DB_POOL_MAX_SIZE="2",
        PGAPPNAME=application_name,  # libpq's: names this server's connections in pg_stat_activity
    )
    with gunicorn_running(env=env, port=port, stdout=tmp_path / "gunicorn.log") as url:
        # Twice as many 30 s queries as the server has threads.
        with ThreadPoolExecutor(max_workers=4) as pool:
            answers = list(pool.map(lambda _: _get(f"{url}/api/test-slow-query/?seconds={QUERY_SECONDS}"), range(4)))

        # Cancelled by PostgreSQL: a query that ran to its end would have answered 200 {"slept": true}.
        for status, body in answers:
            assert status == 504, body
            assert body["code"] == "database_timeout"
        # Nothing is left running on the server's side: each cancelled statement ended with its request (psycopg
        # returns only once the backend is ready for the next query). The pool's connections are there, idle.
        backends = _backends(application_name)
        assert backends, "no connection of this server in pg_stat_activity: is PGAPPNAME honoured?"
        assert [query for state, query in backends if state == "active" and "pg_sleep" in query] == []
        # The threads are free: a request that needs none of the database, then a query within the limit, are
        # served by the same worker right after.
        assert _get(f"{url}/healthz")[0] == 200
        assert _get(f"{url}/api/test-slow-query/?seconds=0.1") == (200, {"slept": True})
    log = (tmp_path / "gunicorn.log").read_text()
    assert "WORKER TIMEOUT" not in log
