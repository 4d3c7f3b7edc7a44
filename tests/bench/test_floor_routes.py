"""The floor-django view exists only under the bench urlconf; production routes never reach it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import resolve

from bench.floor import BODY, FLOOR_PATH, floor_view
from tests.support.settings_process import PRODUCTION_ENV

ROOT = Path(__file__).resolve().parents[2]


def test_production_urlconf_answers_the_floor_path_with_the_api_404(client: Client) -> None:
    # Given the production urlconf (the test settings use config.urls like production does)
    # When the floor path is requested
    response = client.get("/" + FLOOR_PATH)

    # Then it is the JSON 404 of any unknown API path, not the floor's body
    assert response.status_code == 404
    assert response.content != BODY
    assert response.json()["code"] == "not_found"


def test_production_settings_route_with_config_urls() -> None:
    # Given the production settings module, loaded in a fresh interpreter with the required environment
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        **PRODUCTION_ENV,
        "DATABASE_URL": "sqlite:////tmp/bench-floor-unused.sqlite3",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    code = "from django.conf import settings; print(settings.ROOT_URLCONF)"

    # When its ROOT_URLCONF is read
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True)

    # Then it is the production urlconf, which has no floor route
    assert out.stdout.strip() == "config.urls"
    assert resolve("/" + FLOOR_PATH, urlconf="config.urls").func is not floor_view


@pytest.mark.urls("config.bench_urls")
def test_bench_urlconf_serves_the_floor_through_the_middleware_stack(client: Client) -> None:
    # Given the bench urlconf
    # When the floor path is requested
    response = client.get("/" + FLOOR_PATH)

    # Then the fixed body comes back with the headers the middleware adds to every response
    assert response.status_code == 200
    assert response.content == BODY
    assert response["Content-Type"] == "application/json"
    assert response["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" in response
