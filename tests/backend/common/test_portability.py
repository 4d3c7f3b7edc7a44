"""What keeps the backend portable between SQL and MongoDB: string ids, text-only admin search, no raw SQL."""

import re
import uuid
from pathlib import Path

import pytest
from django.contrib import admin
from django.db import models
from django.urls import resolve

from backend.accounts.serializers import SessionOutputSerializer, UserOutputSerializer
from backend.tasks.serializers import TaskOutputSerializer
from tests.factories import TaskFactory

BACKEND = Path(__file__).resolve().parents[3] / "backend"
# Raw SQL, extra() and cursors have no MongoDB translation (django-mongodb-backend raises on them).
NON_PORTABLE = re.compile(r"\.extra\(|\.raw\(|RawSQL|\.cursor\(|connection\.execute\(")
# Modules that run SQL on PostgreSQL only, and the ORM everywhere else (their own tests show both).
SQL_ONLY_ON_POSTGRESQL = {
    "common/prepared_sql.py",
    "common/prepared_rows.py",
    "common/postgresql/collations.py",
    "tasks/row_update.py",
}


def test_no_backend_module_uses_raw_sql_extra_or_cursors():
    offenders = [
        f"{path.relative_to(BACKEND)}:{number}: {line.strip()}"
        for path in BACKEND.rglob("*.py")
        if "migrations" not in path.parts and str(path.relative_to(BACKEND)) not in SQL_ONLY_ON_POSTGRESQL
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if NON_PORTABLE.search(line)
    ]
    assert offenders == []


def test_the_modules_allowed_sql_run_it_on_postgresql_only():
    from backend.common.prepared_sql import PREPARED_VENDORS

    assert set(PREPARED_VENDORS) == {"postgresql"}
    assert all((BACKEND / name).is_file() for name in SQL_ONLY_ON_POSTGRESQL)


def test_admin_search_fields_are_text_fields_only():
    # MongoDB's pattern lookups only work on strings (INTPYTHON-734), so a number or uuid here would break search.
    checked = []
    for model, model_admin in admin.site._registry.items():
        if not model.__module__.startswith("backend."):
            continue
        for path in model_admin.search_fields:
            field = _resolve_field(model, path.lstrip("^=@"))
            checked.append(path)
            # GenericIPAddressField is a string in BSON (and Django casts PostgreSQL's inet for pattern lookups).
            text_like = models.CharField | models.TextField | models.GenericIPAddressField
            assert isinstance(field, text_like), f"{model.__name__}.{path}: {field!r}"
    assert checked  # the loop really found our admins


def _resolve_field(model, path: str) -> models.Field:
    *relations, name = path.split("__")
    for relation in relations:
        model = model._meta.get_field(relation).related_model
    return model._meta.get_field(name)


@pytest.mark.parametrize(
    ("url", "kwarg"),
    [("/api/tasks/{}/", "task_id"), ("/api/auth/sessions/{}/", "session_id")],
)
def test_id_routes_capture_the_id_as_a_string(url, kwarg):
    task_id = str(uuid.uuid4())

    match = resolve(url.format(task_id))

    assert match.kwargs == {kwarg: task_id}


@pytest.mark.django_db
def test_serializers_render_every_id_as_the_hyphenated_uuid_string(user):
    from backend.accounts.services import session_start

    task = TaskFactory(owner=user)
    session = session_start(user=user).session

    rendered = [
        (UserOutputSerializer(user).data["id"], user.pk),
        (TaskOutputSerializer(task).data["id"], task.pk),
        (SessionOutputSerializer(session, context={}).data["id"], session.pk),
    ]
    for value, pk in rendered:
        assert isinstance(value, str)
        assert value == str(pk)
        assert uuid.UUID(str(value)).hex == pk.hex
        assert isinstance(pk, uuid.UUID)
