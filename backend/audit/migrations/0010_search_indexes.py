"""Indexes for the admin's exact search of the audit trail by address (selectors.audit_search_filter).

Built with CREATE INDEX CONCURRENTLY on PostgreSQL: a plain CREATE INDEX blocks the table's inserts while it
builds (seconds per index on millions of rows), and every sign-in writes a row there; the app's lock_timeout
would then drop those rows. Elsewhere (SQLite, MongoDB) a plain index."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class AddIndexConcurrentlyOnPostgres(AddIndexConcurrently):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            # A try that gave up waiting (migrate_with_retries runs it again) leaves what it did: an index CREATE
            # INDEX CONCURRENTLY left invalid, or built before the next one failed (the migration is recorded only
            # when all are built). The next try would stop at "already exists": drop it and build it again.
            schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {schema_editor.quote_name(self.index.name)}")
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            migrations.AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            migrations.AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("audit", "0009_email_change_cancelled_event"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="auditevent",
            index=models.Index(fields=["email"], name="audit_email_idx"),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name="auditevent",
            index=models.Index(fields=["ip_address"], name="audit_ip_address_idx"),
        ),
    ]
