"""An index for the admin's account list, newest first (models.User.Meta.indexes).

Built with CREATE INDEX CONCURRENTLY on PostgreSQL: a plain CREATE INDEX blocks the users table's writes (every
sign-in's) while it builds; plainly elsewhere (common/migration_operations.py)."""

from django.db import migrations, models

from backend.common.migration_operations import AddIndexConcurrentlyOnPostgres


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("accounts", "0011_email_verified_once_backfill"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="user",
            index=models.Index(fields=["date_joined", "id"], name="accounts_user_joined_idx"),
        ),
    ]
