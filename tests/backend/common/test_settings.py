"""Configuration: production refuses missing secrets; local generates its own once."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from config.local_secrets import load_or_create_local_secrets

ROOT = Path(__file__).resolve().parents[3]
GOOD_ENV = {
    "SECRET_KEY": "test-secret-key-" + "0123456789abcdefghijklmnopqrstuvwxyz",
    "JWT_SIGNING_KEY": "test-jwt-key-" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "FRONTEND_URL": "https://app.example.com",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
}


def _import_production_settings(**overrides: str) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in GOOD_ENV and k not in ("DJANGO_SETTINGS_MODULE", "JWT_SIGNING_KEYS")
    }
    env.update({k: v for k, v in {**GOOD_ENV, **overrides}.items() if v})
    return subprocess.run(
        [sys.executable, "-c", "import config.settings.production"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    "missing", ["SECRET_KEY", "JWT_SIGNING_KEY", "DATABASE_URL", "REDIS_URL", "FRONTEND_URL", "EMAIL_BACKEND"]
)
def test_production_refuses_to_start_without_a_required_variable_and_names_it(missing):
    result = _import_production_settings(**{missing: ""})
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {missing} is not set." in result.stderr


def test_production_refuses_a_jwt_key_equal_to_the_secret_key():
    result = _import_production_settings(JWT_SIGNING_KEY=GOOD_ENV["SECRET_KEY"])
    assert result.returncode != 0
    assert "JWT_SIGNING_KEY must differ from SECRET_KEY" in result.stderr


@pytest.mark.parametrize("name", ["JWT_SIGNING_KEY", "SECRET_KEY"])
@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("k3y-" * 10, "is 40 characters long"),
        ("Zx9-" * 12 + "Q", "is 49 characters long"),
        ("j" * 60, "too few different characters"),
        ("ab" * 40, "too few different characters"),
        ("django-insecure-" + "0123456789abcdefghijklmnopqrstuvwxyz", "django-insecure"),
    ],
    ids=["short", "one-short", "one-character", "two-characters", "django-insecure"],
)
def test_production_refuses_a_key_that_cannot_be_50_random_characters(name, value, problem):
    # Given production settings whose signing key is short or evidently not random
    # When they are loaded
    result = _import_production_settings(**{name: value})

    # Then they refuse to start, naming the variable, the problem and how to generate one
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {name} " in result.stderr
    assert problem in result.stderr
    assert "secrets.token_urlsafe(50)" in result.stderr


@pytest.mark.parametrize(
    ("keys", "problem"),
    [
        (f"{GOOD_ENV['JWT_SIGNING_KEY']},k3y-short", "JWT_SIGNING_KEYS[1] is 9 characters long"),
        (f"{GOOD_ENV['JWT_SIGNING_KEY']},{GOOD_ENV['JWT_SIGNING_KEY']}", "lists the same key twice"),
        (f"{'fedcba9876543210' * 4},{GOOD_ENV['SECRET_KEY']}", "must differ from SECRET_KEY"),
    ],
    ids=["a-weak-old-key", "a-key-twice", "the-secret-key"],
)
def test_production_holds_every_rotation_key_to_the_signing_key_rules(keys, problem):
    result = _import_production_settings(JWT_SIGNING_KEYS=keys)

    assert result.returncode != 0
    assert problem in result.stderr


def test_production_accepts_two_good_rotation_keys_without_jwt_signing_key():
    keys = f"{'fedcba9876543210' * 4},{GOOD_ENV['JWT_SIGNING_KEY']}"

    result = _import_production_settings(JWT_SIGNING_KEY="", JWT_SIGNING_KEYS=keys)

    assert result.returncode == 0, result.stderr


def test_production_accepts_a_64_character_hex_key():
    # Given keys as docs/deploy.md generates them for the Kubernetes secrets (secrets.token_hex(32))
    result = _import_production_settings(SECRET_KEY="0123456789abcdef" * 4, JWT_SIGNING_KEY="fedcba9876543210" * 4)

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "backend", ["django.core.mail.backends.console.EmailBackend", "django.core.mail.backends.locmem.EmailBackend"]
)
def test_production_refuses_an_email_backend_that_keeps_reset_links_out_of_the_mailbox(backend):
    # Given the console backend (prints every reset link, a usable token, to stdout and so to the logs) or locmem
    result = _import_production_settings(EMAIL_BACKEND=backend)

    assert result.returncode != 0
    assert f"ImproperlyConfigured: EMAIL_BACKEND={backend}" in result.stderr


@pytest.mark.parametrize(
    "url",
    ["http://app.example.com", "http://10.0.0.8:8080", "ftp://app.example.com", "app.example.com", "https:///reset"],
)
def test_production_refuses_a_frontend_url_that_is_not_https(url):
    # Given a FRONTEND_URL whose reset links would travel (and be sent) over plain http, or no URL at all
    result = _import_production_settings(FRONTEND_URL=url)

    assert result.returncode != 0
    assert f"ImproperlyConfigured: FRONTEND_URL={url}" in result.stderr


@pytest.mark.parametrize("url", ["http://localhost:8080", "http://127.0.0.1:8000", "http://[::1]:8080"])
def test_production_accepts_plain_http_to_a_loopback_frontend_url(url):
    # Given a whole stack on one machine (docker compose, a kind cluster behind port-forward): a link to the
    # loopback address never leaves the machine of whoever opens it
    result = _import_production_settings(FRONTEND_URL=url)

    assert result.returncode == 0, result.stderr


def test_production_settings_load_with_everything_set():
    result = _import_production_settings()
    assert result.returncode == 0, result.stderr


def test_local_secrets_are_generated_once_and_then_reused(tmp_path):
    path = tmp_path / "var" / "local.env"
    first = load_or_create_local_secrets(path)
    second = load_or_create_local_secrets(path)
    assert first == second
    assert set(first) == {"SECRET_KEY", "JWT_SIGNING_KEY"}
    assert first["SECRET_KEY"] != first["JWT_SIGNING_KEY"]
    assert len(first["SECRET_KEY"]) >= 50
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_postgres_urls_enable_the_native_pool_without_persistent_connections_checking_each_before_use():
    code = (
        "import os; os.environ['DATABASE_URL']='postgres://u@127.0.0.1:5432/db';"
        "import config.settings.test as s; db=s.DATABASES['default'];"
        "print(db['ENGINE'], db['CONN_MAX_AGE'], db['CONN_HEALTH_CHECKS'], sorted(db['OPTIONS']['pool'].items()))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    # CONN_HEALTH_CHECKS: Django hands the pool check=ConnectionPool.check_connection (docs/operations.md).
    assert result.stdout.strip() == (
        "django.db.backends.postgresql 0 True "
        "[('max_size', 10), ('min_size', 2), ('reconnect_timeout', 0.0), ('timeout', 10.0)]"
    )


def test_argon2_with_bounded_memory_is_the_first_password_hasher_outside_tests():
    from config.settings import base

    assert base.PASSWORD_HASHERS[0] == "backend.accounts.hashers.BoundedMemoryArgon2PasswordHasher"


def test_every_environment_variable_the_settings_read_is_documented_in_env_example():
    from django.conf import settings

    sources = "\n".join(path.read_text() for path in [*(ROOT / "config").rglob("*.py")])
    read = set(re.findall(r"""(?:env(?:\.\w+)?|\b_\w+)\(\s*["']([A-Z][A-Z0-9_]+)["']""", sources))
    read |= set(re.findall(r"""os\.environ\.get\(\s*["']([A-Z][A-Z0-9_]+)["']""", sources))
    read |= {f"RATE_LIMIT_{scope.upper()}" for scope in settings.RATE_LIMITS}
    documented = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))

    assert read, "the pattern found no variables: it is broken"
    assert read - documented == set()
