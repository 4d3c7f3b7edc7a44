"""DATABASE_REPLICA_URLS: config/replicas.py and the settings it switches on (docs/scaling.md, "Read replicas")."""

import subprocess

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.replicas import replica_cache_check, replica_databases
from tests.support.settings_process import settings_process

POSTGRES_DEFAULT = {
    "ENGINE": "django.db.backends.postgresql",
    "NAME": "app",
    "HOST": "primary.internal",
    "PORT": 5432,
    "CONN_MAX_AGE": 0,
    "CONN_HEALTH_CHECKS": True,
    "OPTIONS": {"pool": {"min_size": 2, "max_size": 10, "timeout": 10.0}},
}
SETTINGS_ENV = {"DATABASE_URL", "DATABASE_REPLICA_URLS", "DJANGO_SETTINGS_MODULE", "REDIS_URL"}


def _settings(code: str, **env_overrides: str) -> subprocess.CompletedProcess:
    return settings_process("config.settings.test", code, unset=SETTINGS_ENV, **env_overrides)


def test_a_mongodb_primary_refuses_replica_urls_and_points_to_read_preference():
    mongodb = {"ENGINE": "django_mongodb_backend", "HOST": "mongodb://h/db", "NAME": "db"}
    with pytest.raises(ImproperlyConfigured, match="readPreference=secondaryPreferred"):
        replica_databases(default=mongodb, urls=["postgres://u@replica:5432/app"])


def test_an_sqlite_primary_refuses_replica_urls():
    sqlite = {"ENGINE": "django.db.backends.sqlite3", "NAME": "var/db.sqlite3"}
    with pytest.raises(ImproperlyConfigured, match="needs a PostgreSQL DATABASE_URL"):
        replica_databases(default=sqlite, urls=["postgres://u@replica:5432/app"])


def test_a_replica_url_that_is_not_postgresql_is_refused_by_position():
    with pytest.raises(ImproperlyConfigured, match="entry 2 is not a PostgreSQL URL"):
        replica_databases(default=POSTGRES_DEFAULT, urls=["postgres://u@r1:5432/app", "mysql://u@r2/app"])


def test_no_urls_or_blank_ones_give_no_replicas():
    assert replica_databases(default=POSTGRES_DEFAULT, urls=[]) == {}
    assert replica_databases(default=POSTGRES_DEFAULT, urls=["", " "]) == {}


def test_each_url_becomes_a_numbered_alias_with_the_primarys_pool_and_a_test_mirror():
    replicas = replica_databases(
        default=POSTGRES_DEFAULT,
        urls=["postgres://reader:pw@replica-a:5433/app", " postgres://reader@replica-b/app?sslmode=require"],
    )

    assert list(replicas) == ["replica_0", "replica_1"]
    first, second = replicas["replica_0"], replicas["replica_1"]
    assert (first["ENGINE"], first["HOST"], first["PORT"], first["USER"]) == (
        "django.db.backends.postgresql",
        "replica-a",
        5433,
        "reader",
    )
    assert first["OPTIONS"] == POSTGRES_DEFAULT["OPTIONS"]
    assert second["OPTIONS"] == {**POSTGRES_DEFAULT["OPTIONS"], "sslmode": "require"}
    assert first["CONN_MAX_AGE"] == 0
    assert first["CONN_HEALTH_CHECKS"] is True  # the pool checks a replica's connections before use too
    assert first["TEST"] == {"MIRROR": "default"}
    # Each alias owns its options: Django's pool setup must not write through to the primary's.
    first["OPTIONS"]["pool"]["max_size"] = 99
    assert POSTGRES_DEFAULT["OPTIONS"]["pool"]["max_size"] == 10


def test_settings_with_replica_urls_add_the_aliases_router_and_middleware():
    result = _settings(
        "print(sorted(s.DATABASES), s.DATABASE_REPLICA_ALIASES, s.DATABASE_ROUTERS, s.MIDDLEWARE[:2],"
        " s.DATABASES['replica_1']['OPTIONS']['pool']['max_size'], s.DATABASE_REPLICA_PIN_SECONDS)",
        DATABASE_URL="postgres://app@primary:5432/app",
        DATABASE_REPLICA_URLS="postgres://app@replica-a:5432/app,postgres://app@replica-b:5432/app",
        REDIS_URL="redis://cache.internal:6379/0",  # settings only name it; nothing connects
        DB_POOL_MAX_SIZE="7",
        DATABASE_REPLICA_PIN_SECONDS="9",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "['default', 'replica_0', 'replica_1'] ['replica_0', 'replica_1'] "
        "['backend.common.db_router.ReplicaRouter'] "
        "['backend.observability.middleware.RequestObservabilityMiddleware', "
        "'backend.common.db_router.ReplicaRoutingMiddleware'] 7 9"
    )


def test_settings_without_replica_urls_install_no_router_or_middleware():
    result = _settings(
        "print(sorted(s.DATABASES), s.DATABASE_REPLICA_ALIASES, getattr(s, 'DATABASE_ROUTERS', None),"
        " any('db_router' in m for m in s.MIDDLEWARE))",
        DATABASE_URL="postgres://app@primary:5432/app",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['default'] [] None False"


def test_settings_refuse_replica_urls_beside_a_mongodb_url():
    result = _settings(
        "print(s.DATABASES)",
        DATABASE_URL="mongodb://127.0.0.1:27017/dashboard?replicaSet=rs0",
        DATABASE_REPLICA_URLS="postgres://app@replica:5432/app",
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured: DATABASE_REPLICA_URLS is for PostgreSQL only" in result.stderr


def test_replicas_without_a_shared_cache_are_refused_and_the_error_says_to_set_redis_url():
    # A process-local cache would hide one worker's recent-write marker from the others.
    with pytest.raises(ImproperlyConfigured, match="DATABASE_REPLICA_URLS needs REDIS_URL"):
        replica_cache_check(replicas=["replica_0"], redis_url="")
    replica_cache_check(replicas=["replica_0"], redis_url="redis://cache:6379/0")
    replica_cache_check(replicas=[], redis_url="")


def test_settings_refuse_replica_urls_without_redis_url():
    result = _settings(
        "print(s.DATABASES)",
        DATABASE_URL="postgres://app@primary:5432/app",
        DATABASE_REPLICA_URLS="postgres://app@replica:5432/app",
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured: DATABASE_REPLICA_URLS needs REDIS_URL" in result.stderr
