"""The connection pool's own reason for a failed connection (a wrong password, a database that does not exist)
reaches the log once a minute: the outage line says only that no connection could be had in time."""

import logging

import pytest

from backend.observability import logging as app_logging

REASON = 'connection failed: FATAL:  database "no_such_db" does not exist'


def _pool_lines(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "psycopg.pool"]


@pytest.fixture
def clock(monkeypatch):
    now = [1e9]  # far from any earlier test's records: the filter remembers when it last let one through
    monkeypatch.setattr(app_logging.time, "monotonic", lambda: now[0])
    return now


def test_the_pools_connection_error_is_logged_once_a_minute_and_errors_always(caplog, clock):
    pool = logging.getLogger("psycopg.pool")

    with caplog.at_level(logging.WARNING):
        for _ in range(5):  # the pool retries several times a second while the database is unreachable
            pool.warning("error connecting in %r: %s", "pool-1", REASON)
        clock[0] += 61
        pool.warning("error connecting in %r: %s", "pool-1", REASON)
        pool.error("the pool is broken")

    assert _pool_lines(caplog) == [f"error connecting in 'pool-1': {REASON}"] * 2 + ["the pool is broken"]
