"""ordering=title in ICU's root collation on PostgreSQL (models.TitleSortKey): its index, rebuilt on that expression.

On PostgreSQL the new index is built with CREATE INDEX CONCURRENTLY before the old one is dropped CONCURRENTLY: a
plain CREATE INDEX blocks the table's writes while it builds (seconds on millions of tasks), and the app's
lock_timeout would fail them. A server without the ICU collation gets the index on plain lower(title), as its
queries are (TitleSortKey compiles the same way for both). Elsewhere a plain index: on SQLite the same lower(title)
as before; on MongoDB none, as before (no index on expressions, docs/mongodb.md)."""

from django.db import migrations, models

import backend.tasks.models
from backend.common.migration_operations import AddIndexConcurrentlyOnPostgres, RemoveIndexConcurrentlyOnPostgres


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
