"""The audit table's index on user_id alone goes: audit_user_time_idx (user_id, occurred_at) starts with the same column
and serves every lookup by user, the SET_NULL of a deleted account's rows among them; the second index was only ever
written, on every event.

Django's own AlterField would drop the foreign key and add it again around the index (on PostgreSQL: a scan of the
whole table under a lock that blocks writes to it and to accounts_user), and rebuild the table on SQLite. Here only
the index is dropped: CONCURRENTLY on PostgreSQL (no write waits on it), plainly on SQLite; MongoDB runs Django's
AlterField, which only drops its index (it has no foreign keys). Run again after a try that gave up, it finds nothing
to drop."""

import copy
from typing import Any

from django.conf import settings
from django.db import migrations, models

TABLE = "audit_auditevent"
COLUMN = "user_id"


def _single_column_indexes(schema_editor: Any, *, valid: bool | None = None) -> list[str]:
    """The indexes on user_id alone; on PostgreSQL, with ``valid`` given, only those that are (or are not) valid: a
    CREATE INDEX CONCURRENTLY that failed leaves an invalid one, which no query uses."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, TABLE)
        names = sorted(
            name
            for name, info in constraints.items()
            if info["index"] and not info["unique"] and not info["primary_key"] and info["columns"] == [COLUMN]
        )
        if valid is None or connection.vendor != "postgresql" or not names:
            return names
        cursor.execute(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = %s::regclass AND i.indisvalid = %s",
            [TABLE, valid],
        )
        return sorted(set(names) & {name for (name,) in cursor.fetchall()})


def _mongodb_alter(apps: Any, schema_editor: Any, *, db_index: bool) -> None:
    """Django's AlterField of user_id's index alone (MongoDB has no foreign keys to keep), built from the field as the
    historical model has it with only db_index set each way: the state handed to a RunPython inside
    SeparateDatabaseAndState is the one before this migration in both directions. Nothing to do when the index already
    is as wanted (a run again after a try that was not recorded)."""
    connection = schema_editor.connection
    present = any(
        info["index"] and info["columns"] == [COLUMN]
        for info in connection.introspection.get_constraints(None, TABLE).values()
    )
    if present == db_index:
        return
    model = apps.get_model("audit", "AuditEvent")
    old, new = copy.copy(model._meta.get_field("user")), copy.copy(model._meta.get_field("user"))
    old.db_index, new.db_index = not db_index, db_index
    schema_editor.alter_field(model, old, new)


def drop_user_index(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        _mongodb_alter(apps, schema_editor, db_index=False)
        return
    concurrently = " CONCURRENTLY" if vendor == "postgresql" else ""
    for name in _single_column_indexes(schema_editor):  # an invalid one left by a failed undo too
        schema_editor.execute(f"DROP INDEX{concurrently} IF EXISTS {schema_editor.quote_name(name)}")


def add_user_index(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        _mongodb_alter(apps, schema_editor, db_index=True)
        return
    quote = schema_editor.quote_name
    if vendor == "postgresql":
        for name in _single_column_indexes(schema_editor, valid=False):
            schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {quote(name)}")
    if _single_column_indexes(schema_editor):
        return
    concurrently = " CONCURRENTLY" if vendor == "postgresql" else ""
    name = schema_editor._create_index_name(TABLE, [COLUMN])
    schema_editor.execute(f"CREATE INDEX{concurrently} {quote(name)} ON {quote(TABLE)} ({quote(COLUMN)})")


class Migration(migrations.Migration):
    atomic = False  # DROP INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("audit", "0011_oidc_events"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent",
                    name="user",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=models.deletion.SET_NULL,
                        related_name="audit_events",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_user_index, add_user_index)],
        ),
    ]
