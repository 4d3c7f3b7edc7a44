"""The bench's own database: ``<name>_bench`` on the server DATABASE_URL names, never that database itself.

The bench migrates, seeds users, tasks and sessions, and writes during its scenarios. DATABASE_URL may name
a developer's or a shared database (``make test`` runs ``make bench-smoke`` with whatever DATABASE_URL is set),
so the runner points the servers at a sibling database instead, created on first use and kept for the next
run (seeding tops up, it does not start over). Drop it with ``dropdb NAME_bench`` when done.
"""

from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

SUFFIX = "_bench"


def bench_database_url(url: str) -> str:
    """``url`` with its database renamed ``<name>_bench`` (as is if it already ends so). PostgreSQL only."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise SystemExit(
            f"bench: DATABASE_URL must be a postgres:// URL (the bench measures PostgreSQL), not {parts.scheme}://"
        )
    name = parts.path.lstrip("/") or "postgres"
    if not name.endswith(SUFFIX):
        name += SUFFIX
    return urlunsplit(parts._replace(path="/" + name))


def bench_database_ensure(url: str) -> str:
    """Create the bench database on ``url``'s server when missing; return its URL (see bench_database_url)."""
    bench_url = bench_database_url(url)
    name = urlsplit(bench_url).path.lstrip("/")
    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=10) as connection:
            if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
                connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as exc:
        raise SystemExit(
            f"bench: could not create the bench's own database {name!r} beside DATABASE_URL's ({exc}). "
            f"Create it yourself (createdb {name}) or grant CREATEDB to the user."
        ) from exc
    return bench_url
