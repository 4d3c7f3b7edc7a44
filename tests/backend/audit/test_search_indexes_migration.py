"""The audit search indexes' migration (audit 0010) is built concurrently on PostgreSQL, and survives being run again
after a try that gave up waiting for a lock (manage.py migrate_with_retries)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = ("audit", "0009_email_change_cancelled_event")
AFTER = ("audit", "0010_search_indexes")
INDEXES = {"audit_email_idx", "audit_ip_address_idx"}


def _migrate(target: tuple[str, str]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])


def _valid_indexes() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = 'audit_auditevent'::regclass AND i.indisvalid"
        )
        return {name for (name,) in cursor.fetchall()}


@pytest.mark.django_db(transaction=True)
def test_a_rerun_rebuilds_the_indexes_a_failed_try_left():
    if connection.vendor != "postgresql":
        pytest.skip("CREATE INDEX CONCURRENTLY and its leftovers are PostgreSQL's")
    _migrate(BEFORE)
    assert not INDEXES & _valid_indexes()
    with connection.cursor() as cursor:  # what a try stopped after its first index leaves behind
        cursor.execute('CREATE INDEX "audit_email_idx" ON "audit_auditevent" ("email")')

    _migrate(AFTER)

    assert _valid_indexes() >= INDEXES
