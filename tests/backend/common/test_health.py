"""Liveness and readiness probes."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[3]
UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        # Port 9 (discard) on loopback: nothing listens, so connections are refused at once.
        "LOCATION": "redis://127.0.0.1:9/0",
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2, "IGNORE_EXCEPTIONS": True},
    }
}


def test_healthz_is_200_without_touching_the_database(client):
    # No django_db mark: any database access would raise inside the view and fail this test.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_is_200_when_database_and_cache_answer(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "migrations": "ok", "cache": "ok"}}


@pytest.mark.django_db
def test_readyz_stays_200_degraded_naming_the_cache_when_redis_is_unreachable(client):
    # Redis is shared by every pod: failing readiness on it would take them all out of the Service at once, while
    # the app serves without it.
    with override_settings(CACHES=UNREACHABLE_REDIS):
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "checks": {"database": "ok", "migrations": "ok", "cache": "failed"},
        "failed": ["cache"],
    }


@pytest.mark.django_db
def test_readyz_is_503_naming_the_migrations_while_one_is_not_applied(client, monkeypatch, caplog):
    # Given a database that answers but lacks this code's last migration (a pod started before the migrate Job ran)
    from django.db.migrations.recorder import MigrationRecorder

    from backend.common import health

    monkeypatch.setattr(health.migrations, "applied", False)
    last = MigrationRecorder.Migration.objects.filter(app="tasks").order_by("-applied", "-id").first()
    MigrationRecorder.Migration.objects.filter(pk=last.pk).delete()

    # When the probe asks
    response = client.get("/readyz")

    # Then the pod stays out of the Service, and the log says which migration and what to run
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "migrations": "failed", "cache": "ok"},
        "failed": ["migrations"],
    }
    assert f"not applied (first: tasks.{last.name}): run `manage.py migrate`" in caplog.text


@pytest.mark.django_db
def test_readyz_asks_about_the_migrations_only_until_it_has_seen_them_all_applied(client, monkeypatch):
    from backend.common import health

    monkeypatch.setattr(health.migrations, "applied", False)
    assert client.get("/readyz").status_code == 200
    monkeypatch.setattr(health, "MigrationExecutor", None)  # any further look would fail

    assert client.get("/readyz").json()["checks"]["migrations"] == "ok"


@pytest.mark.parametrize(
    "database_env",
    [
        # DB_POOL_TIMEOUT: how long the pool waits for a connection before readyz reports failure.
        {"DATABASE_URL": "postgres://postgres@127.0.0.1:9/none", "DB_POOL_TIMEOUT": "1"},
        # MongoDB: readyz pings the server, which fails after the server-selection timeout.
        {"DATABASE_URL": "mongodb://127.0.0.1:9/none", "MONGODB_SERVER_SELECTION_TIMEOUT_MS": "300"},
    ],
    ids=["postgresql", "mongodb"],
)
def test_readyz_is_503_naming_the_database_when_it_refuses_connections(database_env, tmp_path):
    # A separate process whose DATABASE_URL points at a loopback port where nothing listens. It writes its
    # answer to a file: its stdout also carries log lines (from the pool's own threads, too), which interleave.
    answer = tmp_path / "answer.txt"
    code = (
        "import django, json, pathlib; django.setup();"
        "from django.test import Client; r = Client().get('/readyz', HTTP_HOST='localhost');"
        f"pathlib.Path({str(answer)!r}).write_text(f'{{r.status_code}} {{json.dumps(r.json(), sort_keys=True)}}')"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "PYTEST_XDIST_WORKER"}}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.test", **database_env)
    subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=60
    )
    status, body = answer.read_text().split(" ", 1)
    assert status == "503"
    assert json.loads(body) == {
        "status": "unavailable",
        "checks": {"database": "failed", "cache": "ok"},
        "failed": ["database"],
    }


def test_probes_only_answer_get(client):
    assert client.post("/healthz").status_code == 405
