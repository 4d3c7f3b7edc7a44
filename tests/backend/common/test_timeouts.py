"""config/db_timeouts.py, backend/common/timeouts.py and the migrate_with_retries command.

tests/e2e/test_statement_timeout.py shows the whole chain under gunicorn on a real PostgreSQL.
"""

import io

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError, connection

from backend.common import timeouts
from backend.common.errors import ErrorCode
from backend.common.management.commands import migrate_with_retries
from config.db_timeouts import postgres_timeout_options


def _wrapped(sqlstate: str, message: str) -> OperationalError:
    """Django's OperationalError around the psycopg error, as a cursor raises it."""
    error = OperationalError(message)
    error.__cause__ = psycopg.errors.lookup(sqlstate)(message)
    return error


@pytest.mark.parametrize(
    ("existing", "statement", "lock", "expected"),
    [
        (None, 15, 5, "-c statement_timeout=15000 -c lock_timeout=5000"),
        ("-c search_path=app", 0.5, 0, "-c search_path=app -c statement_timeout=500"),
        ("", 0, 0, None),
    ],
)
def test_the_timeouts_are_appended_to_the_connections_options(existing, statement, lock, expected):
    assert postgres_timeout_options(existing, statement_timeout=statement, lock_timeout=lock) == expected


def test_a_negative_timeout_is_refused():
    with pytest.raises(ValueError, match="negative"):
        postgres_timeout_options(None, statement_timeout=-1, lock_timeout=0)


@pytest.mark.parametrize(
    ("error", "cancelled"),
    [
        (_wrapped("57014", "canceling statement due to statement timeout"), True),
        (_wrapped("55P03", "canceling statement due to lock timeout"), True),
        (_wrapped("40P01", "deadlock detected"), False),
        (OperationalError("connection refused"), False),
        (ValueError("not a database error"), False),
    ],
)
def test_only_statements_the_server_cancelled_count_as_timeouts(error, cancelled):
    assert timeouts.statement_cancelled(error) is cancelled
    assert isinstance(timeouts.as_database_timeout(error), timeouts.DatabaseTimeout) is cancelled


def test_a_cancelled_statement_is_a_504_with_its_own_code():
    assert timeouts.DatabaseTimeout.status_code == 504
    assert timeouts.DatabaseTimeout.default_code == ErrorCode.DATABASE_TIMEOUT
    assert ErrorCode.DATABASE_TIMEOUT.statuses == (504,)


@pytest.mark.django_db
def test_postgresql_connections_carry_the_configured_timeouts():
    if connection.vendor != "postgresql":
        pytest.skip("statement_timeout and lock_timeout are PostgreSQL settings")
    options = settings.DATABASES["default"]["OPTIONS"].get("options") or ""
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        statement = cursor.fetchone()[0]
        cursor.execute("SHOW lock_timeout")
        lock = cursor.fetchone()[0]
    assert "-c statement_timeout=" in options
    assert (statement, lock) != ("0", "0")


class _FlakyMigrate:
    """Stands for `migrate`: gives up waiting for a lock ``failures`` times, then succeeds."""

    def __init__(self, failures: int, sqlstate: str = "55P03") -> None:
        self.failures, self.sqlstate, self.calls = failures, sqlstate, 0

    def __call__(self, name, **options):
        assert name == "migrate"
        assert options["interactive"] is False
        self.calls += 1
        if self.calls <= self.failures:
            raise _wrapped(self.sqlstate, "canceling statement due to lock timeout")


def test_migrate_is_retried_with_backoff_while_a_lock_wait_is_given_up(monkeypatch):
    flaky, pauses = _FlakyMigrate(failures=2), []
    monkeypatch.setattr(migrate_with_retries, "call_command", flaky)
    monkeypatch.setattr(migrate_with_retries.time, "sleep", pauses.append)
    stderr = io.StringIO()

    call_command("migrate_with_retries", "--noinput", stderr=stderr)

    assert flaky.calls == 3
    assert len(pauses) == 2
    assert pauses[1] > pauses[0] > 0
    assert "try 2 of 6" in stderr.getvalue()


def test_migrate_stops_after_its_attempts_and_says_what_to_look_for(monkeypatch):
    monkeypatch.setattr(migrate_with_retries, "call_command", _FlakyMigrate(failures=10))
    monkeypatch.setattr(migrate_with_retries.time, "sleep", lambda _: None)

    with pytest.raises(CommandError, match="pg_stat_activity"):
        call_command("migrate_with_retries", "--attempts", "3", stderr=io.StringIO())


def test_any_other_migration_failure_is_not_retried(monkeypatch):
    flaky = _FlakyMigrate(failures=1, sqlstate="42P07")  # duplicate_table: a broken migration, not a lock wait
    monkeypatch.setattr(migrate_with_retries, "call_command", flaky)

    with pytest.raises(OperationalError):
        call_command("migrate_with_retries", stderr=io.StringIO())
    assert flaky.calls == 1


@pytest.mark.parametrize(("option", "value"), [("--max-delay", "-1"), ("--max-delay", "nan"), ("--attempts", "0")])
def test_migrate_refuses_options_it_cannot_wait_by_before_migrating(monkeypatch, option, value):
    # (a negative pause would fail only after the first lock timeout, as time.sleep's error)
    migrating = _FlakyMigrate(failures=0)
    monkeypatch.setattr(migrate_with_retries, "call_command", migrating)

    with pytest.raises(CommandError, match="--attempts must be at least 1 and --max-delay at least 0"):
        call_command("migrate_with_retries", option, value, stderr=io.StringIO())
    assert migrating.calls == 0
