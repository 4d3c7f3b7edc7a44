"""`make bench` serves the product as deployed: whatever it changes from production it prints, with a reason;
floor-plain is startproject's settings; reuse_port is gunicorn's config's to decide (off unless asked for)."""

import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

from bench.deployed import app_env, other_differences, printable
from bench.floor import BODY, FLOOR_PATH

ROOT = Path(__file__).resolve().parents[2]
DATABASE_URL = "postgres://u@db:5432/app_bench"


def _covered(name: str, printed: set[str]) -> bool:
    return any(name in entry.split(", ") for entry in printed)


def test_every_variable_the_bench_sets_or_changes_is_printed_with_a_reason():
    # Given a caller's shell that tuned what the bench must leave at production's defaults
    base = {
        "PATH": "/usr/bin",
        "REDIS_URL": "redis://r:6379/0",
        "RATE_LIMIT_ENABLED": "false",
        "ACCESS_TOKEN_LIFETIME_SECONDS": "3600",
        "LOG_LEVEL": "ERROR",
        "GUNICORN_REUSE_PORT": "false",
    }

    # When the app servers' environment is made
    env, overrides = app_env(base=base, database_url=DATABASE_URL)
    printed = {o.name for o in overrides}

    # Then every variable it added or changed is among the printed overrides, each with a reason
    changed = {name for name, value in env.items() if base.get(name) != value}
    assert {name for name in changed if not _covered(name, printed)} == set()
    assert all(o.reason for o in overrides)
    # And rate limiting, token lifetime, logging and gunicorn are production's defaults again
    for name in ("RATE_LIMIT_ENABLED", "ACCESS_TOKEN_LIFETIME_SECONDS", "LOG_LEVEL", "GUNICORN_REUSE_PORT"):
        assert name not in env
    # And the secrets are never printed
    assert env["SECRET_KEY"] not in printable(overrides)


def test_the_limits_are_raised_not_turned_off():
    env, _ = app_env(base={}, database_url=DATABASE_URL)
    assert "RATE_LIMIT_ENABLED" not in env
    assert env["RATE_LIMIT_USER"].startswith("1000000/")


def test_differences_outside_the_settings_are_printed_too():
    names = {o.name for o in other_differences(workers=3, threads=4)}
    assert {"X-Forwarded-Proto", "stdout", "WEB_CONCURRENCY"} <= names
    assert "GUNICORN_THREADS" not in names  # 4 is the default


def test_floor_plain_is_startprojects_stack_serving_the_floor_view():
    # Given the floor-plain settings, in a fresh interpreter (settings are read once per process)
    code = (
        "import django; django.setup(); from django.conf import settings; from django.test import Client; "
        f"r = Client().get('/{FLOOR_PATH}', HTTP_HOST='127.0.0.1'); "
        "print(len(settings.MIDDLEWARE), len(settings.INSTALLED_APPS), settings.DEBUG, r.status_code); "
        "print(r.content.decode())"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.bench_plain",
        "SECRET_KEY": "bench-plain-test-key-" + "x" * 40,
    }

    # When the floor path is requested
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True)

    # Then startproject's seven middleware and six apps serve it, without debug, with the floor's body
    counts, body = out.stdout.strip().splitlines()
    assert counts == "7 6 False 200"
    assert body == BODY.decode()


@pytest.mark.parametrize(("value", "expected"), [(None, False), ("false", False), ("true", True)])
def test_gunicorn_shares_one_socket_unless_reuse_port_is_asked_for(monkeypatch, tmp_path, value, expected):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    if value is None:
        monkeypatch.delenv("GUNICORN_REUSE_PORT", raising=False)
    else:
        monkeypatch.setenv("GUNICORN_REUSE_PORT", value)
    conf = runpy.run_path(str(ROOT / "config" / "gunicorn.conf.py"))
    assert conf["reuse_port"] is expected
