"""Indexes for the admin's exact search of the audit trail by address (selectors.audit_search_filter).

Built with CREATE INDEX CONCURRENTLY on PostgreSQL: a plain CREATE INDEX blocks the table's inserts while it
builds (seconds per index on millions of rows), and every sign-in writes a row there; the app's lock_timeout
would then drop those rows. Elsewhere (SQLite, MongoDB) a plain index."""

from django.db import migrations, models

from backend.common.migration_operations import AddIndexConcurrentlyOnPostgres


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
