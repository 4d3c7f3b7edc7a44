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


def _single_column_indexes(schema_editor: Any) -> list[str]:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, TABLE)
    return sorted(
        name
        for name, info in constraints.items()
        if info["index"] and not info["unique"] and not info["primary_key"] and info["columns"] == [COLUMN]
    )


def _user_fields(apps: Any, *, db_index: bool) -> tuple[Any, Any, Any]:
    model = apps.get_model("audit", "AuditEvent")
    old = model._meta.get_field("user")
    new = copy.copy(old)
    new.db_index = db_index
    return model, old, new


def drop_user_index(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        schema_editor.alter_field(*_user_fields(apps, db_index=False))
        return
    concurrently = " CONCURRENTLY" if vendor == "postgresql" else ""
    for name in _single_column_indexes(schema_editor):
        schema_editor.execute(f"DROP INDEX{concurrently} IF EXISTS {schema_editor.quote_name(name)}")


def add_user_index(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        schema_editor.alter_field(*_user_fields(apps, db_index=True))
        return
    if _single_column_indexes(schema_editor):
        return
    concurrently = " CONCURRENTLY" if vendor == "postgresql" else ""
    name = schema_editor._create_index_name(TABLE, [COLUMN])
    quote = schema_editor.quote_name
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
