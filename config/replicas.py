"""DATABASES entries for PostgreSQL read replicas (``DATABASE_REPLICA_URLS``; docs/scaling.md, "Read replicas").

Each URL becomes an alias ``replica_0``, ``replica_1``, … built like ``default`` (same engine, the same native
connection pool options, no persistent connections), which ``backend.common.db_router.ReplicaRouter`` sends
reads to. Only a PostgreSQL primary can have them: MongoDB picks replica members per operation through
``readPreference`` in its own connection string, and SQLite has no replication.
"""

import copy
from collections.abc import Iterable
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

DJANGO_POSTGRESQL_ENGINE = "django.db.backends.postgresql"  # what django-environ gives a postgres:// URL
POSTGRESQL_ENGINE = "backend.common.postgresql"  # Django's, with two per-request costs taken out
REPLICA_ALIAS_PREFIX = "replica_"


def replica_alias(index: int) -> str:
    return f"{REPLICA_ALIAS_PREFIX}{index}"


def replica_databases(*, default: dict[str, Any], urls: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The DATABASES entries for ``urls`` (empty when there are none), modelled on the ``default`` entry.

    Raises ImproperlyConfigured, saying what to do instead, unless ``default`` and every URL are PostgreSQL.
    """
    urls = [url.strip() for url in urls if url.strip()]
    if not urls:
        return {}
    if default["ENGINE"] not in (POSTGRESQL_ENGINE, DJANGO_POSTGRESQL_ENGINE):
        if "mongodb" in default["ENGINE"]:
            raise ImproperlyConfigured(
                "DATABASE_REPLICA_URLS is for PostgreSQL only. With MongoDB, read from secondaries by adding "
                "readPreference=secondaryPreferred (and maxStalenessSeconds) to DATABASE_URL instead, and unset "
                "DATABASE_REPLICA_URLS (docs/scaling.md, 'Read replicas')."
            )
        raise ImproperlyConfigured(
            f"DATABASE_REPLICA_URLS needs a PostgreSQL DATABASE_URL; the primary's engine is {default['ENGINE']}. "
            "Unset DATABASE_REPLICA_URLS, or point DATABASE_URL at the PostgreSQL primary."
        )
    databases = {}
    for index, url in enumerate(urls):
        entry = environ.Env.db_url_config(url)
        if entry.get("ENGINE") != DJANGO_POSTGRESQL_ENGINE:
            raise ImproperlyConfigured(
                f"DATABASE_REPLICA_URLS entry {index + 1} is not a PostgreSQL URL; "
                "give comma-separated postgres://USER:PASSWORD@HOST:5432/NAME URLs."
            )
        entry["ENGINE"] = default["ENGINE"]
        entry["CONN_MAX_AGE"] = default.get("CONN_MAX_AGE", 0)  # 0: the native pool forbids persistent ones
        entry["CONN_HEALTH_CHECKS"] = default.get("CONN_HEALTH_CHECKS", False)  # the pool checks before handing out
        # A replica reached through a transaction-pooling PgBouncer as the primary is: no server-side cursors either.
        entry["DISABLE_SERVER_SIDE_CURSORS"] = default.get("DISABLE_SERVER_SIDE_CURSORS", False)
        # The same options as the primary (pool sizes, timeouts), plus whatever the URL's query string adds.
        entry["OPTIONS"] = {**copy.deepcopy(default.get("OPTIONS", {})), **entry.get("OPTIONS", {})}
        # Tests create no database on a read-only server: this alias uses the test copy of ``default``.
        entry["TEST"] = {"MIRROR": "default"}
        databases[replica_alias(index)] = entry
    return databases


def replica_cache_check(*, replicas: Iterable[str], redis_url: str) -> None:
    """Raises ImproperlyConfigured when there are replicas but no shared cache (``REDIS_URL``).

    The recent-write markers that keep a user's reads on the primary after their write live in the cache.
    In a process-local cache, a write served by one gunicorn worker would leave no marker for the others,
    so the user's next request could read a replica that has not replayed it yet.
    """
    if list(replicas) and not redis_url:
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URLS needs REDIS_URL: the markers that keep a user's reads on the primary right "
            "after their own write must be shared by every process. Set REDIS_URL, or unset "
            "DATABASE_REPLICA_URLS (docs/scaling.md, 'Read replicas')."
        )
