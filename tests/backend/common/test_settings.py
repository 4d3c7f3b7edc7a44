"""Configuration: production refuses missing or unsafe settings and loads with everything set; local generates its
own secrets once; every environment variable the settings read is documented."""

import os
import re
import subprocess
import sys

import pytest

from config.local_secrets import load_or_create_local_secrets
from tests.backend.common.helpers import ROOT
from tests.backend.common.helpers import import_production_settings as _import_production_settings
from tests.support.settings_process import settings_process


@pytest.mark.parametrize(
    "missing",
    [
        "SECRET_KEY",
        "JWT_SIGNING_KEY",
        "MFA_ENCRYPTION_KEY",
        "DATABASE_URL",
        "REDIS_URL",
        "FRONTEND_URL",
        "EMAIL_BACKEND",
    ],
)
def test_production_refuses_to_start_without_a_required_variable_and_names_it(missing):
    result = _import_production_settings(**{missing: ""})
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {missing} is not set." in result.stderr
    assert "see .env.example" in result.stderr


def test_production_names_the_missing_file_of_a_secret_read_from_one(tmp_path):
    missing = tmp_path / "sad-backend" / "SECRET_KEY"

    result = _import_production_settings(SECRET_KEY="", SECRET_KEY_FILE=str(missing))

    assert result.returncode != 0
    assert f"SECRET_KEY is not set: SECRET_KEY_FILE names {missing}, which does not exist" in result.stderr


@pytest.mark.parametrize("what", ["is empty", "is a directory", "cannot be read"])
def test_production_says_what_is_wrong_with_a_secrets_file(tmp_path, what):
    path = tmp_path / "SECRET_KEY"
    if what == "is a directory":
        path.mkdir()
    elif what == "is empty":
        path.write_text("")
    else:
        path.write_bytes(b"\xff\xfe not text")  # not UTF-8

    result = _import_production_settings(SECRET_KEY="", SECRET_KEY_FILE=str(path))

    assert result.returncode != 0
    assert f"SECRET_KEY_FILE names {path}, which {what}" in result.stderr


@pytest.mark.parametrize("url", ["127.0.0.1:6379", "redis-host:6379/0", "http://redis:6379/0"])
def test_production_refuses_a_redis_url_without_a_redis_scheme(url):
    # (django-redis would refuse it on every request instead: each API call a 500 while the pod stays ready)
    result = _import_production_settings(REDIS_URL=url)

    assert result.returncode != 0
    assert "REDIS_URL must start with redis://, rediss:// (TLS) or unix://" in result.stderr


@pytest.mark.parametrize(("seconds", "silenced"), [("0", True), ("31536000", False)])
def test_hsts_turned_off_for_the_ingress_to_own_is_no_deploy_check_warning(seconds, silenced):
    result = _import_production_settings(
        "print('security.W004' in s.SILENCED_SYSTEM_CHECKS)", SECURE_HSTS_SECONDS=seconds
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(silenced)


@pytest.mark.parametrize(
    "backend", ["django.core.mail.backends.console.EmailBackend", "django.core.mail.backends.locmem.EmailBackend"]
)
def test_production_refuses_an_email_backend_that_keeps_reset_links_out_of_the_mailbox(backend):
    # Given the console backend (prints every reset link, a usable token, to stdout and so to the logs) or locmem
    result = _import_production_settings(EMAIL_BACKEND=backend)

    assert result.returncode != 0
    assert f"ImproperlyConfigured: EMAIL_BACKEND={backend}" in result.stderr


@pytest.mark.parametrize(
    ("given", "refusal"),
    [
        ({"EMAIL_HOST": ""}, "EMAIL_HOST is not set: with the SMTP backend it names your relay"),
        ({"EMAIL_HOST": "  "}, "EMAIL_HOST is not set: with the SMTP backend it names your relay"),
        ({"DEFAULT_FROM_EMAIL": ""}, "DEFAULT_FROM_EMAIL is not set: emails need a sender"),
        (
            {"DEFAULT_FROM_EMAIL": "Scalable Auth Dashboard <no-reply@localhost>"},
            "DEFAULT_FROM_EMAIL=Scalable Auth Dashboard <no-reply@localhost> has no domain a relay sends for",
        ),
        ({"DEFAULT_FROM_EMAIL": "no-reply"}, "DEFAULT_FROM_EMAIL=no-reply has no domain a relay sends for (none)"),
    ],
)
def test_production_with_smtp_refuses_the_laptop_relay_and_sender(given, refusal):
    # Given the SMTP backend with email.py's defaults (localhost:25, no-reply@localhost) left in place: in a pod every
    # email would fail, only after its retries
    result = _import_production_settings(**given)

    assert result.returncode != 0
    assert f"ImproperlyConfigured: {refusal}" in result.stderr


@pytest.mark.parametrize(
    "given",
    [
        {"EMAIL_HOST": "localhost", "DEFAULT_FROM_EMAIL": "App <no-reply@app.example.com>"},  # a relay beside the app
        {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_HOST": "",
            "DEFAULT_FROM_EMAIL": "",
        },
    ],
)
def test_production_accepts_a_relay_set_explicitly_and_other_backends_without_one(given):
    result = _import_production_settings("print(s.EMAIL_HOST, s.DEFAULT_FROM_EMAIL)", **given)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == (given["EMAIL_HOST"] or "localhost")


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


def _local_settings_with_dotenv(dotenv, **environment: str) -> subprocess.CompletedProcess:
    code = (
        "import logging, pathlib, sys; logging.basicConfig(level=logging.DEBUG);"  # every log line shows
        "import config.local_secrets as files; files.DOTENV_FILE = pathlib.Path(sys.argv[1]);"
        "import config.settings.local as s; print(s.SECRET_KEY)"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DJANGO_SETTINGS_MODULE")} | environment
    command = [sys.executable, "-c", code, str(dotenv)]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=True)


def test_a_key_in_dotenv_wins_over_the_generated_local_one_and_the_environment_over_both(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("SECRET_KEY=from-dotenv-" + "x" * 50 + "\n")

    assert _local_settings_with_dotenv(dotenv).stdout.strip() == "from-dotenv-" + "x" * 50
    from_env = _local_settings_with_dotenv(dotenv, SECRET_KEY="from-env-" + "y" * 50).stdout.strip()
    assert from_env == "from-env-" + "y" * 50


def test_no_dotenv_is_no_news(tmp_path):
    result = _local_settings_with_dotenv(tmp_path / ".env")

    assert "not found" not in result.stdout + result.stderr  # django-environ's "…/.env not found - …" line


def test_postgres_urls_enable_the_native_pool_without_persistent_connections_checking_each_before_use():
    code = (
        "import os; os.environ['DATABASE_URL']='postgres://u@127.0.0.1:5432/db';"
        "import config.settings.test as s; db=s.DATABASES['default'];"
        "print(db['ENGINE'], db['CONN_MAX_AGE'], db['CONN_HEALTH_CHECKS'], sorted(db['OPTIONS']['pool'].items()))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    # CONN_HEALTH_CHECKS: the pool checks each connection before use (backend/common/postgresql/base.py).
    assert result.stdout.strip() == (
        "backend.common.postgresql 0 True "
        "[('max_size', 10), ('min_size', 2), ('reconnect_timeout', 0.0), ('timeout', 10.0)]"
    )


@pytest.mark.parametrize(("given", "expected"), [(None, "False False False"), ("true", "True True True")])
def test_db_disable_server_side_cursors_reaches_the_primary_and_every_replica(given, expected):
    # Behind PgBouncer in transaction pooling mode (docs/scaling.md) every PostgreSQL alias needs it: a replica's
    # reads stream through the same kind of pooler.
    environment = {
        "DATABASE_URL": "postgres://app@pgbouncer:6432/app",
        "DATABASE_REPLICA_URLS": "postgres://app@replica-a:6432/app,postgres://app@replica-b:6432/app",
        "REDIS_URL": "redis://cache.internal:6379/0",  # replicas need it; settings only name it, nothing connects
    }
    if given is not None:
        environment["DB_DISABLE_SERVER_SIDE_CURSORS"] = given
    result = settings_process(
        "config.settings.test",
        "print(*(s.DATABASES[alias].get('DISABLE_SERVER_SIDE_CURSORS') for alias in sorted(s.DATABASES)))",
        unset={"DATABASE_URL", "DATABASE_REPLICA_URLS", "DB_DISABLE_SERVER_SIDE_CURSORS", "REDIS_URL"},
        **environment,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected  # default, replica_0, replica_1


def test_argon2_with_bounded_memory_is_the_first_password_hasher_outside_tests():
    from config.settings import base

    assert base.PASSWORD_HASHERS[0] == "backend.accounts.hashers.BoundedMemoryArgon2PasswordHasher"


def _variables_read() -> set[str]:
    """The environment variables the Python of config/ and backend/ reads by name (django-environ's ``env(...)`` and
    the settings' ``_helper("NAME")``, ``os.environ.get/[...]``, ``os.getenv``), and the rate limits' ones."""
    from django.conf import settings

    sources = "\n".join(path.read_text() for folder in ("config", "backend") for path in (ROOT / folder).rglob("*.py"))
    read = set(re.findall(r"""(?:env(?:\.\w+)?|\b_\w+)\(\s*["']([A-Z][A-Z0-9_]+)["']""", sources))
    # os.environ["NAME"] = ... sets the variable: only what is read counts.
    read |= set(re.findall(r"""os\.(?:environ\.get\(|getenv\()\s*["']([A-Z][A-Z0-9_]+)["']""", sources))
    read |= set(re.findall(r"""os\.environ\[\s*["']([A-Z][A-Z0-9_]+)["']\s*\](?!\s*=[^=])""", sources))
    read |= {f"RATE_LIMIT_{scope.upper()}" for scope in settings.RATE_LIMITS}
    return read


def _variables_documented() -> set[str]:
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))


def test_every_environment_variable_the_project_reads_is_documented_in_env_example():
    read = _variables_read()

    assert {"DATABASE_URL", "PROMETHEUS_MULTIPROC_DIR"} <= read, "the patterns miss variables: they are broken"
    assert read - _variables_documented() == set()


def test_every_variable_in_env_example_is_read_by_the_project():
    from config.secret_files import SECRET_SETTINGS

    # NAME_FILE is read for each secret setting by name (config/secret_files.py); .env.example shows one of them.
    read_from_files = {f"{name}_FILE" for name in SECRET_SETTINGS}

    assert _variables_documented() - _variables_read() - read_from_files == set()


def test_configuration_md_lists_every_yes_no_word_the_settings_take():
    from config.env import FALSE_WORDS, TRUE_WORDS

    text = " ".join((ROOT / "docs" / "configuration.md").read_text().split())
    sentence = text[text.index("a yes/no setting takes") :].split(" in any case")[0]

    assert set(re.findall(r"`([^`]+)`", sentence)) == TRUE_WORDS | FALSE_WORDS
