"""config/secret_files.py (secrets mounted as files, `NAME_FILE`) and config/healthcheck.py's choice of Host."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.healthcheck import probe_host
from config.secret_files import SECRET_SETTINGS, load_secret_files


def test_a_secret_file_becomes_its_variable_without_the_trailing_newline(tmp_path):
    (tmp_path / "SECRET_KEY").write_text("s3cret-value\n")
    (tmp_path / "REDIS_URL").write_text("rediss://:pw@redis:6379/0")
    environ = {"SECRET_KEY_FILE": str(tmp_path / "SECRET_KEY"), "REDIS_URL_FILE": str(tmp_path / "REDIS_URL")}

    loaded = load_secret_files(environ)

    assert sorted(loaded) == ["REDIS_URL", "SECRET_KEY"]
    assert environ["SECRET_KEY"] == "s3cret-value"
    assert environ["REDIS_URL"] == "rediss://:pw@redis:6379/0"


def test_a_file_the_secret_does_not_hold_leaves_the_variable_unset(tmp_path):
    environ = {"SENTRY_DSN_FILE": str(tmp_path / "SENTRY_DSN"), "DATABASE_URL": "postgres://from-env/app"}
    environ["DATABASE_URL_FILE"] = str(tmp_path / "DATABASE_URL")  # dev: the URL comes from env, no such file

    assert load_secret_files(environ) == []
    assert "SENTRY_DSN" not in environ
    assert environ["DATABASE_URL"] == "postgres://from-env/app"


def test_a_variable_set_both_ways_is_refused(tmp_path):
    (tmp_path / "JWT_SIGNING_KEY").write_text("from-file")
    environ = {"JWT_SIGNING_KEY": "from-env", "JWT_SIGNING_KEY_FILE": str(tmp_path / "JWT_SIGNING_KEY")}

    with pytest.raises(ImproperlyConfigured, match="JWT_SIGNING_KEY and JWT_SIGNING_KEY_FILE are both set"):
        load_secret_files(environ)


def test_reading_again_what_was_read_is_fine(tmp_path):
    # gunicorn's master reads the files (config/gunicorn.conf.py), its workers inherit the variables and read again.
    (tmp_path / "REDIS_URL").write_text("redis://cache:6379/0\n")
    environ = {"REDIS_URL_FILE": str(tmp_path / "REDIS_URL")}

    load_secret_files(environ)
    assert load_secret_files(environ) == ["REDIS_URL"]
    assert environ["REDIS_URL"] == "redis://cache:6379/0"


def test_only_the_secret_settings_are_read_from_files(tmp_path):
    (tmp_path / "ca.pem").write_text("-----BEGIN CERTIFICATE-----")
    environ = {"SSL_CERT_FILE": str(tmp_path / "ca.pem")}

    assert load_secret_files(environ) == []
    assert "SSL_CERT" not in environ
    assert {"SECRET_KEY", "JWT_SIGNING_KEY", "DATABASE_URL", "REDIS_URL"} <= set(SECRET_SETTINGS)


@pytest.mark.parametrize(
    ("allowed", "host"),
    [
        ("localhost,127.0.0.1", "localhost"),
        ("app.example.com,localhost", "app.example.com"),
        (".example.com", "example.com"),
        ("*", "localhost"),
        ("", "localhost"),
    ],
)
def test_the_healthcheck_sends_a_host_that_allowed_hosts_accepts(allowed, host):
    assert probe_host(allowed) == host
