"""Migrations keep the previous release working while a rollout runs and after a rollback (docs/deploy.md).

The previous release's pods keep serving on the migrated schema until they are replaced, and `kubectl rollout
undo` leaves the new migrations applied. Their inserts name only the columns they know: a new NOT NULL column must
therefore have a default in the database, not only in Django (`AddField(default=...)` drops it once the column is
filled), or every insert of the old code fails.
"""

from datetime import timedelta

import pytest
from django.apps import apps
from django.db import connection, migrations
from django.db.migrations.loader import MigrationLoader
from django.db.models import NOT_PROVIDED, Model
from django.utils import timezone

from backend.accounts.models import AuthSession, User
from backend.tasks.models import Task
from tests.backend.common.helpers import ROOT

# Added before this rule; accounts 0006 and tasks 0003 give each its database default.
DEFAULT_GIVEN_LATER = {
    ("accounts", "0002_user_sessions_revocation_key", "sessions_revocation_key"),
    ("accounts", "0003_lifecycle_fields", "previous_refresh_jti_hash"),
    ("accounts", "0003_lifecycle_fields", "email_verified"),
    ("accounts", "0004_session_authentication_level", "aal"),
    ("accounts", "0004_session_authentication_level", "amr"),
    ("tasks", "0002_task_version", "version"),
}


def _our_apps() -> set[str]:
    """The labels of the installed apps under backend/: a new app is held to the rule from its first migration."""
    return {config.label for config in apps.get_app_configs() if config.name.startswith("backend.")}


def test_the_rule_covers_every_app_of_ours_that_has_migrations():
    with_migrations = {path.parent.parent.name for path in (ROOT / "backend").glob("*/migrations/__init__.py")}

    assert "oidc" in with_migrations
    assert with_migrations - _our_apps() == set(), "an app under backend/ with migrations is not in INSTALLED_APPS"


def test_every_column_added_not_null_has_a_default_in_the_database():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    our_apps = _our_apps()
    added = [
        (app, name, operation.name)
        for (app, name), migration in loader.disk_migrations.items()
        if app in our_apps
        for operation in migration.operations
        if isinstance(operation, migrations.AddField)
        and not operation.field.null
        and not operation.field.many_to_many
        and operation.field.db_default is NOT_PROVIDED
    ]

    assert sorted(set(added) - DEFAULT_GIVEN_LATER) == [], "add it with db_default=, or nullable"


def _insert_without(instance: Model, column: str) -> None:
    """What an older release's insert does: every column but ``column``, which it does not know."""
    fields = [field for field in instance._meta.concrete_fields if field.column != column]
    names = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    values = [field.get_db_prep_save(field.pre_save(instance, add=True), connection) for field in fields]
    table = connection.ops.quote_name(instance._meta.db_table)
    placeholders = ", ".join(["%s"] * len(fields))
    with connection.cursor() as cursor:  # names from the model, quoted; the values are parameters
        cursor.execute(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", values)  # noqa: S608


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model", "column", "expected"),
    [
        (User, "sessions_revocation_key", ""),
        (User, "email_verified", False),
        (AuthSession, "previous_refresh_jti_hash", ""),
        (AuthSession, "aal", 1),
        (AuthSession, "amr", "pwd"),
        (Task, "version", 1),
    ],
)
def test_an_insert_by_the_release_before_a_column_still_works_and_gets_its_default(user, model, column, expected):
    now = timezone.now()
    instance = {
        User: lambda: User(email="older-release@example.com", password="!"),
        AuthSession: lambda: AuthSession(user=user, expires_at=now + timedelta(days=1), refresh_jti_hash="0" * 64),
        Task: lambda: Task(owner=user, title="Made by the older release"),
    }[model]()

    _insert_without(instance, column)

    assert getattr(model._base_manager.get(pk=instance.pk), column) == expected
