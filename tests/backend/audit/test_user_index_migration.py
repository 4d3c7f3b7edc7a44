"""audit 0012 drops the index on user_id alone (audit_user_time_idx starts with user_id and serves its lookups), and
only that index: the foreign key stays as it was (Django's own AlterField would drop and re-add it, scanning the whole
table under a lock that blocks writes), and the table is not rebuilt on SQLite."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from backend.audit.models import AuditEvent
from tests.dbvendor import skip_on_mongodb
from tests.factories import UserFactory

BEFORE = ("audit", "0011_oidc_events")
AFTER = ("audit", "0012_user_index_covered_by_user_time")
TABLE = "audit_auditevent"
# On MongoDB the migration runs Django's own AlterField (no foreign keys there, nothing to keep).
pytestmark = skip_on_mongodb("the migration's SQL path: PostgreSQL and SQLite")


def _migrate(target: tuple[str, str]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])


def _constraints() -> dict:
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, TABLE)


def _indexes_on(columns: list[str]) -> set[str]:
    return {
        name
        for name, info in _constraints().items()
        if info["index"] and not info["primary_key"] and info["columns"] == columns
    }


def _table_and_key_identity() -> list:
    """What a rebuilt table (SQLite) or a foreign key dropped and added again (PostgreSQL) would change."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name = %s", [TABLE])
        else:
            cursor.execute(
                "SELECT oid FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY oid", [TABLE]
            )
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db(transaction=True)
def test_only_the_user_id_index_goes_and_comes_back():
    user = UserFactory()
    AuditEvent.objects.create(event=AuditEvent.Event.LOGIN_SUCCEEDED, user=user)
    _migrate(BEFORE)
    assert len(_indexes_on(["user_id"])) == 1
    identity = _table_and_key_identity()
    assert identity

    _migrate(AFTER)

    assert _indexes_on(["user_id"]) == set()
    assert _indexes_on(["user_id", "occurred_at"]) == {"audit_user_time_idx"}
    assert _table_and_key_identity() == identity
    assert list(AuditEvent.objects.filter(user=user).values_list("event", flat=True)) == ["login_succeeded"]

    _migrate(BEFORE)
    assert len(_indexes_on(["user_id"])) == 1
    _migrate(AFTER)
    assert _indexes_on(["user_id"]) == set()


@pytest.mark.django_db(transaction=True)
def test_a_rerun_after_the_index_is_gone_passes():
    _migrate(BEFORE)
    _migrate(AFTER)
    executor = MigrationExecutor(connection)
    executor.recorder.record_unapplied(*AFTER)  # what a try that gave up after the drop leaves: nothing recorded

    _migrate(AFTER)

    assert _indexes_on(["user_id"]) == set()
    assert executor.recorder.applied_migrations().keys() >= {AFTER}


@pytest.mark.django_db(transaction=True)
def test_undoing_it_replaces_an_invalid_index_a_failed_try_left():
    if connection.vendor != "postgresql":
        pytest.skip("CREATE INDEX CONCURRENTLY and its invalid leftovers are PostgreSQL's")
    _migrate(AFTER)
    with connection.cursor() as cursor:  # what a CREATE INDEX CONCURRENTLY that gave up leaves: an invalid index
        cursor.execute(f'CREATE INDEX "audit_auditevent_user_id_871f21a9" ON "{TABLE}" ("user_id")')
        cursor.execute(
            "UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'audit_auditevent_user_id_871f21a9'::regclass"
        )

    _migrate(BEFORE)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = %s::regclass AND c.relname = ANY(%s)",
            [TABLE, sorted(_indexes_on(["user_id"]))],
        )
        assert cursor.fetchall() == [("audit_auditevent_user_id_871f21a9", True)]
    _migrate(AFTER)
