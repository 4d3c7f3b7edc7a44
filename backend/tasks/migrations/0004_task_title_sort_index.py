"""ordering=title in ICU's root collation on PostgreSQL (models.TitleSortKey): its index, rebuilt on that expression.

On PostgreSQL the new index is built with CREATE INDEX CONCURRENTLY before the old one is dropped CONCURRENTLY: a
plain CREATE INDEX blocks the table's writes while it builds (seconds on millions of tasks), and the app's
lock_timeout would fail them. A server without the ICU collation gets the index on plain lower(title), as its
queries are (TitleSortKey compiles the same way for both). Elsewhere a plain index: on SQLite the same lower(title)
as before; on MongoDB none, as before (no index on expressions, docs/mongodb.md)."""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models

import backend.tasks.models


class AddIndexConcurrentlyOnPostgres(AddIndexConcurrently):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            # A try that gave up waiting (migrate_with_retries runs it again) may have left the index invalid, or
            # built: the next try would stop at "already exists". Drop it and build it again.
            schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {schema_editor.quote_name(self.index.name)}")
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            migrations.AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            migrations.AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


class RemoveIndexConcurrentlyOnPostgres(RemoveIndexConcurrently):
    # Forwards is DROP INDEX CONCURRENTLY IF EXISTS: a retry after it passes this step again.
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            migrations.RemoveIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            # As AddIndexConcurrentlyOnPostgres: what a try that gave up left would stop the next.
            schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {schema_editor.quote_name(self.name)}")
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            migrations.RemoveIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    atomic = False  # CREATE and DROP INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("tasks", "0003_column_defaults_in_the_database"),
    ]

    operations = [
        # The new one first: ordering=title has an index at every moment.
        AddIndexConcurrentlyOnPostgres(
            model_name="task",
            index=models.Index(
                models.F("owner"),
                backend.tasks.models.TitleSortKey(),
                models.F("id"),
                name="task_owner_title_sort_idx",
            ),
        ),
        RemoveIndexConcurrentlyOnPostgres(
            model_name="task",
            name="task_owner_title_idx",
        ),
    ]
