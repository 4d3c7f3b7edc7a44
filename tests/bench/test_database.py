"""The bench seeds and writes only into its own database, beside the one DATABASE_URL names (bench/database.py)."""

from collections.abc import Iterator

import psycopg
import pytest

from bench.database import bench_database_ensure, bench_database_url
from tests.support.postgres_server import PostgresServer, private_workdir


def test_a_database_url_that_is_not_postgresql_is_refused_with_what_to_set():
    with pytest.raises(SystemExit, match=r"DATABASE_URL must be a postgres:// URL"):
        bench_database_url("sqlite:////home/dev/var/db.sqlite3")


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgres://u:p@db:5432/dashboard", "postgres://u:p@db:5432/dashboard_bench"),
        ("postgresql://u@db/dashboard?sslmode=require", "postgresql://u@db/dashboard_bench?sslmode=require"),
        ("postgres://postgres@127.0.0.1:5432/postgres", "postgres://postgres@127.0.0.1:5432/postgres_bench"),
        ("postgres://u@db/", "postgres://u@db/postgres_bench"),
        ("postgres://u@db/dashboard_bench", "postgres://u@db/dashboard_bench"),
    ],
)
def test_the_bench_database_is_a_sibling_of_the_one_named(given, used):
    assert bench_database_url(given) == used


@pytest.fixture(scope="module")
def server() -> Iterator[PostgresServer]:
    pg = PostgresServer.initdb(private_workdir("sad-bench-db-"), "data").start()
    yield pg
    pg.stop()


def test_the_bench_database_is_created_once_and_the_named_one_is_left_alone(server):
    # Given a server whose named database holds someone's table
    server.execute("CREATE TABLE precious (id int)")

    # When the bench's database is ensured twice (a second run reuses it)
    first = bench_database_ensure(server.url)
    second = bench_database_ensure(server.url)

    # Then both name the sibling, which exists and is empty; the named database is untouched
    assert first == second == server.url + "_bench"
    with psycopg.connect(first, autocommit=True) as bench:
        assert bench.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone() == (0,)
    assert server.query_one("SELECT count(*) FROM precious") == 0


def test_the_runner_points_every_bench_process_at_the_bench_database(server, monkeypatch):
    from argparse import Namespace

    from bench.__main__ import server_env

    monkeypatch.setenv("DATABASE_URL", server.url)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")  # only read, never connected to here

    assert server_env(Namespace())["DATABASE_URL"] == server.url + "_bench"
