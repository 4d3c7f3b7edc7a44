"""Bounded request time on a real PostgreSQL, under gunicorn: a query longer than DB_STATEMENT_TIMEOUT is cancelled
by the server and answered as a JSON 504 ``database_timeout``, and the worker's threads are free again at once.

With only the gthread worker's own timeout, each of these requests would hold a thread for the query's full
30 s: two of them fill this server's one worker (2 threads), and /healthz would wait behind them.
On the SQLite leg there is no PostgreSQL to cancel anything: skipped.
"""

import json
import os
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.servers import gunicorn_running, local_env
from tests.support.net import free_port

POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://", "pgsql://"))
pytestmark = pytest.mark.skipif(not POSTGRES, reason="needs PostgreSQL (DATABASE_URL): the PostgreSQL leg runs it")


def _get(url: str, timeout: float = 20) -> tuple[int, dict, float]:
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    return status, json.loads(body or b"{}"), time.monotonic() - started


def test_a_query_past_the_statement_timeout_is_a_json_504_and_frees_its_thread(tmp_path):
    port = free_port()
    env = local_env(tmp_path, port, CACHE_KEY_PREFIX=f"timeout-{port}")
    env.update(
        DATABASE_URL=os.environ["DATABASE_URL"],  # the leg's server; the view reads no table
        DJANGO_SETTINGS_MODULE="tests.e2e.slow_query_settings",
        DB_STATEMENT_TIMEOUT="1",
        WEB_CONCURRENCY="1",
        GUNICORN_THREADS="2",
        DB_POOL_MAX_SIZE="2",
    )
    with gunicorn_running(env=env, port=port, stdout=tmp_path / "gunicorn.log") as url:
        # Twice as many 30 s queries as the server has threads.
        with ThreadPoolExecutor(max_workers=4) as pool:
            answers = list(pool.map(lambda _: _get(f"{url}/api/test-slow-query/?seconds=30"), range(4)))

        for status, body, elapsed in answers:
            assert status == 504, body
            assert body["code"] == "database_timeout"
            assert elapsed < 10  # cancelled after ~1 s (plus queueing behind the other two), never the 30 s
        status, _, elapsed = _get(f"{url}/healthz", timeout=5)
        assert (status, elapsed < 2) == (200, True)
        # The same worker serves a query within the limit right after.
        status, body, _ = _get(f"{url}/api/test-slow-query/?seconds=0.1")
        assert (status, body) == (200, {"slept": True})
    log = (tmp_path / "gunicorn.log").read_text()
    assert "WORKER TIMEOUT" not in log
