"""config/secret_files.py (secrets mounted as files, `NAME_FILE`) and config/healthcheck.py's choice of Host."""

import json
import logging
import os

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import secret_files
from config.healthcheck import probe_host
from config.secret_files import LOADED_FROM_FILES, SECRET_SETTINGS, load_secret_files


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


@pytest.fixture
def fresh_warnings(monkeypatch):
    """The loader warns once per process: each test starts as a new process would."""
    monkeypatch.setattr(secret_files, "_warned", set())


@pytest.fixture
def as_the_master(monkeypatch):
    """Runs ``load_secret_files`` as this process's parent would (its pid is the one the record binds to): what
    comes after, in this process, is then the worker it started."""

    def load(environ: dict[str, str]) -> list[str]:
        with monkeypatch.context() as patched:
            patched.setattr(secret_files.os, "getpid", os.getppid)
            return load_secret_files(environ)

    return load


def _master_then_worker(as_the_master, tmp_path, name: str, first: str) -> tuple[dict[str, str], dict[str, str]]:
    """gunicorn's master reads ``name`` from its file; returns its environment and a copy, the worker's inherited
    one (config/gunicorn.conf.py, then config/settings/environment.py in the worker)."""
    (tmp_path / name).write_text(first + "\n")
    master = {f"{name}_FILE": str(tmp_path / name)}
    as_the_master(master)
    return master, dict(master)


def test_the_names_read_from_files_are_recorded_for_the_processes_started_after(tmp_path):
    (tmp_path / "SECRET_KEY").write_text("s3cret-value")
    (tmp_path / "REDIS_URL").write_text("redis://cache:6379/0")
    environ = {
        "SECRET_KEY_FILE": str(tmp_path / "SECRET_KEY"),
        "REDIS_URL_FILE": str(tmp_path / "REDIS_URL"),
        "SENTRY_DSN_FILE": str(tmp_path / "SENTRY_DSN"),  # not in the Secret
    }

    load_secret_files(environ)

    assert json.loads(environ[LOADED_FROM_FILES]) == {
        "pid": os.getpid(),
        "loaded": ["SECRET_KEY", "REDIS_URL"],
        "absent": [name for name in SECRET_SETTINGS if name not in ("SECRET_KEY", "REDIS_URL")],
    }


def test_a_worker_started_after_the_file_changed_keeps_the_masters_value_and_warns_once(
    as_the_master, tmp_path, caplog, fresh_warnings
):
    # Given a master that read the key, and then the Secret changed (the kubelet rewrote the file)
    _master, worker = _master_then_worker(as_the_master, tmp_path, "JWT_SIGNING_KEY", "key-the-pod-started-with")
    (tmp_path / "JWT_SIGNING_KEY").write_text("key-the-operator-just-put-in\n")

    # When a worker restarted meanwhile (OOM kill, timeout) reads the files at its boot, twice
    with caplog.at_level(logging.WARNING, logger="config.secret_files"):
        assert load_secret_files(worker) == ["JWT_SIGNING_KEY"]
        load_secret_files(worker)

    # Then it boots with the master's value, as its siblings run, and says once that the pod must be rolled,
    # naming the file but never either value
    assert worker["JWT_SIGNING_KEY"] == "key-the-pod-started-with"
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    message = record.getMessage()
    assert f"JWT_SIGNING_KEY_FILE ({tmp_path / 'JWT_SIGNING_KEY'})" in message
    assert "roll the pods" in message
    assert "key-the" not in message


def test_a_worker_keeps_the_masters_value_of_a_key_that_left_the_secret(
    as_the_master, tmp_path, caplog, fresh_warnings
):
    _master, worker = _master_then_worker(as_the_master, tmp_path, "SENTRY_DSN", "https://key@sentry.example.com/1")
    (tmp_path / "SENTRY_DSN").unlink()

    with caplog.at_level(logging.WARNING, logger="config.secret_files"):
        assert load_secret_files(worker) == ["SENTRY_DSN"]

    assert worker["SENTRY_DSN"] == "https://key@sentry.example.com/1"
    assert "SENTRY_DSN_FILE" in caplog.text
    assert "gone" in caplog.text


def test_an_unchanged_file_says_nothing(as_the_master, tmp_path, caplog, fresh_warnings):
    _master, worker = _master_then_worker(as_the_master, tmp_path, "REDIS_URL", "redis://cache:6379/0")

    with caplog.at_level(logging.WARNING, logger="config.secret_files"):
        load_secret_files(worker)

    assert caplog.records == []


def test_a_worker_leaves_out_a_key_added_to_the_secret_after_the_master_started(
    as_the_master, tmp_path, caplog, fresh_warnings
):
    # Given a master that found no METRICS_TOKEN file, then the operator added the key to the Secret
    (tmp_path / "SECRET_KEY").write_text("s3cret")
    master = {"SECRET_KEY_FILE": str(tmp_path / "SECRET_KEY"), "METRICS_TOKEN_FILE": str(tmp_path / "METRICS_TOKEN")}
    as_the_master(master)
    worker = dict(master)
    (tmp_path / "METRICS_TOKEN").write_text("new-token")

    # When a worker restarted meanwhile reads the files
    with caplog.at_level(logging.WARNING, logger="config.secret_files"):
        load_secret_files(worker)

    # Then it runs without it, as its siblings do (else it alone would answer /metrics differently), and says so
    assert "METRICS_TOKEN" not in worker
    assert f"METRICS_TOKEN_FILE ({tmp_path / 'METRICS_TOKEN'}, added)" in caplog.text
    assert "new-token" not in caplog.text


@pytest.mark.parametrize("record", ["REDIS_URL", '{"pid": 1, "loaded": ["REDIS_URL"], "absent": []}', "{not json"])
def test_a_record_this_process_s_parent_did_not_write_changes_nothing(tmp_path, record):
    # Given the record set by hand, left by an unrelated process, or garbled, beside a real conflict
    (tmp_path / "REDIS_URL").write_text("redis://from-file")
    environ = {
        "REDIS_URL": "redis://from-env",
        "REDIS_URL_FILE": str(tmp_path / "REDIS_URL"),
        LOADED_FROM_FILES: record,
    }

    # Then the two sources are refused as ever
    with pytest.raises(ImproperlyConfigured, match="REDIS_URL and REDIS_URL_FILE are both set"):
        load_secret_files(environ)


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
