"""The project's management commands, run as an operator runs them (``manage.py`` in a process of its own): the
failures of normal operation (the database out of reach, not migrated, Ctrl-C) end them with a message saying what
to do and an exit status, never a traceback (backend/common/commands.py)."""

import hashlib
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from backend.audit.models import AuditEvent

ROOT = Path(__file__).resolve().parents[3]
NEW_KEY, OLD_KEY = "n" * 44, "o" * 44  # two MFA keys, so mfa_rotate_key gets as far as the database

# Each command of the project, with arguments that take it to its first query.
COMMANDS = {
    "purge_sessions": [],
    "purge_audit": [],
    "purge_idempotency_keys": [],
    "send_queued_emails": [],
    "mfa_rotate_key": ["--expect-fingerprint", hashlib.sha256(NEW_KEY.encode()).hexdigest()[:8]],
    "migrate_with_retries": ["--attempts", "1"],
    "changepassword": ["someone@example.com"],
    "createsuperuser": ["--noinput", "--email", "someone@example.com"],
}


def _manage(command: str, *args: str, database_url: str, script: str | None = None) -> subprocess.CompletedProcess:
    """``manage.py COMMAND ARGS`` against ``database_url`` (or ``script``, which runs it its own way)."""
    env = {key: value for key, value in os.environ.items() if key != "PYTEST_XDIST_WORKER"}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=database_url,
        DB_POOL_TIMEOUT="0.5",  # how long the pool tries before giving up on a database out of reach
        MFA_ENCRYPTION_KEYS=f"{NEW_KEY},{OLD_KEY}",
        DJANGO_SUPERUSER_PASSWORD="a-Strong-operator-passphrase-7",
    )
    argv = ["-c", script, command, *args] if script else ["manage.py", command, *args]
    return subprocess.run(
        [sys.executable, *argv], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def _this_database_url() -> str:
    """This test's database, for another process."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    pytest.skip(f"another process cannot reach this test's {connection.vendor} database here")


@pytest.fixture
def unmigrated_database_url(tmp_path):
    """An empty database of this leg's kind: a new PostgreSQL database (dropped afterwards), or a new SQLite file."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'unmigrated.sqlite3'}"
        return
    if connection.vendor != "postgresql":
        pytest.skip(f"no empty {connection.vendor} database to make here")
    import psycopg

    db = connection.settings_dict
    server = {"host": db["HOST"] or "127.0.0.1", "port": db["PORT"] or 5432, "user": db["USER"]}
    if db["PASSWORD"]:
        server["password"] = db["PASSWORD"]
    name = f"{db['NAME']}_unmigrated"
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    try:
        yield f"postgres://{auth}@{server['host']}:{server['port']}/{name}"
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.parametrize("command", COMMANDS)
def test_a_database_out_of_reach_ends_each_command_with_where_it_is_and_what_to_do(command):
    # When an operator runs the command while nothing answers at the database's address (its password in the URL)
    result = _manage(command, *COMMANDS[command], database_url="postgres://operator:pw-4-test-only@127.0.0.1:1/appdb")

    # Then it says which database it could not reach and what to check, without a traceback or the password
    assert result.returncode == 1, result.stderr
    assert "CommandError: The database (127.0.0.1:1, database appdb) cannot be reached: " in result.stderr
    assert "Check that it is running and reachable from here (DATABASE_URL), then run this again." in result.stderr
    assert "Traceback" not in result.stderr
    assert "pw-4-test-only" not in result.stderr + result.stdout


def test_a_purge_that_reached_no_database_says_it_deleted_nothing():
    result = _manage("purge_audit", database_url="postgres://postgres@127.0.0.1:1/appdb")

    assert result.returncode == 1
    assert result.stderr.rstrip().endswith("then run this again. Nothing was deleted.")


@pytest.mark.django_db(transaction=True)  # the empty database is made beside this test's, on its server
@pytest.mark.parametrize("command", ["purge_sessions", "send_queued_emails", "changepassword"])
def test_a_database_never_migrated_ends_each_command_with_the_command_that_migrates_it(
    command, unmigrated_database_url
):
    # When an operator runs the command against a database no migration has run on
    result = _manage(command, *COMMANDS[command], database_url=unmigrated_database_url)

    # Then it says the database is not migrated (a table missing) and how to migrate it, without a traceback
    assert result.returncode == 1, result.stderr
    assert re.search(r"\) is not migrated: (relation \"\w+\" does not exist|no such table: \w+)\. Run", result.stderr)
    assert "Run `manage.py migrate` first (on Kubernetes, the migrate Job of a deploy)" in result.stderr
    assert "Traceback" not in result.stderr


# manage.py, with a Ctrl-C at the start of the second batch's DELETE: Python's handler for SIGINT raises
# KeyboardInterrupt there, as when the operator presses Ctrl-C while that batch runs.
INTERRUPT_AT_SECOND_DELETE = """
import os, signal, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
import django
django.setup()
from django.core.management import execute_from_command_line
from django.db import connection

deletes = []

def interrupt_the_second_delete(execute, sql, params, many, context):
    if sql.startswith("DELETE"):
        deletes.append(sql)
        if len(deletes) == 2:
            signal.raise_signal(signal.SIGINT)
    return execute(sql, params, many, context)

with connection.execute_wrapper(interrupt_the_second_delete):
    execute_from_command_line(["manage.py", *sys.argv[1:]])
"""


@pytest.mark.django_db(transaction=True)  # the command's own process reads the rows
def test_ctrl_c_during_a_purge_keeps_the_batches_already_deleted_and_says_to_run_it_again():
    # Given five audit rows past the retention
    for _ in range(5):
        AuditEvent(event=AuditEvent.Event.LOGOUT, occurred_at=timezone.now() - timedelta(days=400)).save()

    # When the operator presses Ctrl-C as the second batch of two starts
    result = _manage(
        "purge_audit", "--batch-size", "2", database_url=_this_database_url(), script=INTERRUPT_AT_SECOND_DELETE
    )

    # Then the command stops with the shell's status for Ctrl-C, says what is kept, and the first batch is gone
    assert result.returncode == 130, result.stderr
    assert result.stderr.strip() == (
        "Interrupted. The rows deleted before stay deleted (each batch commits on its own): run it again to finish."
    )
    assert "  deleted 2 so far..." in result.stdout
    assert AuditEvent.objects.count() == 3
