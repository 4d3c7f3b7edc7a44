"""Liveness and readiness probes."""

import pytest
from django.test import override_settings

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
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}


@pytest.mark.django_db
def test_readyz_is_503_naming_the_cache_when_redis_is_unreachable(client):
    with override_settings(CACHES=UNREACHABLE_REDIS):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "cache": "failed"},
        "failed": ["cache"],
    }


def test_readyz_is_503_naming_the_database_when_it_refuses_connections(client):
    # Without the django_db mark pytest-django refuses every connection attempt.
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["database"]


def test_probes_only_answer_get(client):
    assert client.post("/healthz").status_code == 405
