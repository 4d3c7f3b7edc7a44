"""Single-row SQL written once (backend/common/prepared_rows.py): what the ORM's get, save and update do."""

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.db.models import signals
from django.test.utils import CaptureQueriesContext

from backend.common.prepared_rows import NotPrepared, RowStatements
from backend.tasks.models import Task
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db
ON_POSTGRESQL = connection.vendor == "postgresql"
postgresql_only = pytest.mark.skipif(not ON_POSTGRESQL, reason="prepared on PostgreSQL only")

COLUMNS = [field.attname for field in Task._meta.concrete_fields]


def _values(task: Task) -> dict:
    return {name: getattr(task, name) for name in COLUMNS}


@pytest.fixture
def statements():
    return RowStatements(Task)


def _new_task(user, **overrides) -> Task:
    fields = {"title": "Écrire", "description": "two\nlines", "status": "done", "priority": "high"}
    fields |= {"due_date": date(2031, 1, 2), "completed_at": datetime(2026, 3, 29, 0, 30, 1, 250, tzinfo=UTC)}
    return Task(owner=user, **(fields | overrides))


@postgresql_only
def test_get_is_the_orms_instance_with_every_field(statements, user):
    task = TaskFactory(owner=user, due_date=date(2030, 5, 6))

    found = statements.get(pk=task.pk, owner_id=user.pk)

    assert isinstance(found, Task)
    assert _values(found) == _values(Task.objects.get(pk=task.pk))
    assert (found._state.adding, found._state.db) == (False, "default")


@postgresql_only
def test_get_of_another_owners_or_an_unknown_row_is_none(statements, user, other_user):
    task = TaskFactory(owner=other_user)

    assert statements.get(pk=task.pk, owner_id=user.pk) is None
    assert statements.get(pk=uuid4(), owner_id=user.pk) is None


@postgresql_only
def test_insert_writes_the_row_save_would_in_one_statement(statements, user):
    ours, orms = _new_task(user), _new_task(user)

    with CaptureQueriesContext(connection) as queries:
        statements.insert(ours)
    orms.save(force_insert=True)

    assert [query["sql"].split(" ", 2)[:2] for query in queries.captured_queries] == [["INSERT", "INTO"]]
    assert ours._state.adding is False
    assert ours.created_at is not None
    assert ours.updated_at is not None
    stored, expected = _values(Task.objects.get(pk=ours.pk)), _values(Task.objects.get(pk=orms.pk))
    for name in ("id", "created_at", "updated_at"):
        stored.pop(name), expected.pop(name)
    assert stored == expected
    assert _values(Task.objects.get(pk=ours.pk)) == _values(ours)


@postgresql_only
@pytest.mark.parametrize("signal", [signals.pre_save, signals.post_save])
def test_insert_leaves_a_model_with_save_receivers_to_the_orm(statements, user, signal):
    def receiver(**kwargs):
        pass

    signal.connect(receiver, sender=Task)
    try:
        with pytest.raises(NotPrepared, match="pre_save and post_save"):
            statements.insert(_new_task(user))
    finally:
        signal.disconnect(receiver, sender=Task)
    assert not Task.objects.filter(owner=user).exists()


@postgresql_only
def test_insert_leaves_an_instance_without_a_primary_key_to_save(statements, user):
    task = _new_task(user)
    task.pk = None

    with pytest.raises(NotPrepared, match="primary key"):
        statements.insert(task)


@postgresql_only
def test_a_model_with_its_own_save_is_left_to_the_orm(user, monkeypatch):
    original = Task.save

    def save(self, *args, **kwargs):  # e.g. one that writes something else too
        original(self, *args, **kwargs)

    monkeypatch.setattr(Task, "save", save)

    with pytest.raises(NotPrepared):
        RowStatements(Task).insert(_new_task(user))


@postgresql_only
def test_a_refused_update_inside_a_transaction_leaves_it_usable_for_the_orm(statements, user):
    task = TaskFactory(owner=user)

    with transaction.atomic():
        with pytest.raises(NotPrepared):
            statements.update(where={"pk": task.pk, "due_date": None}, values={"title": "x"})
        assert not connection.needs_rollback
        Task.objects.filter(pk=task.pk, due_date=None).update(title="x")  # what the caller falls back to

    assert Task.objects.get(pk=task.pk).title == "x"


@postgresql_only
def test_update_changes_the_row_only_at_the_given_version(statements, user):
    task = TaskFactory(owner=user, title="Old", version=3)
    where = {"owner_id": user.pk, "pk": task.pk}

    assert statements.update(where=where | {"version": 2}, values={"title": "Lost", "version": 3}) == 0
    assert statements.update(where=where | {"version": 3}, values={"title": "New", "due_date": None, "version": 4}) == 1

    stored = Task.objects.get(pk=task.pk)
    assert (stored.title, stored.due_date, stored.version) == ("New", None, 4)


@postgresql_only
def test_an_update_with_its_where_of_another_owner_changes_nothing(statements, user, other_user):
    task = TaskFactory(owner=other_user, title="Theirs")

    assert statements.update(where={"owner_id": user.pk, "pk": task.pk}, values={"title": "Mine"}) == 0
    assert Task.objects.get(pk=task.pk).title == "Theirs"


@postgresql_only
@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: s.get(pk=uuid4(), nope=1), "'nope' is not a column"),
        (lambda s: s.get(), "at least one column"),
        (lambda s: s.get(pk=uuid4(), due_date=None), "IS NULL"),
        (lambda s: s.update(where={"pk": uuid4()}, values={"nope": 1}), "'nope' is not a column"),
    ],
)
def test_what_it_does_not_cover_is_left_to_the_orm(statements, call, message):
    with pytest.raises(NotPrepared, match=message):
        call(statements)


def test_a_model_with_a_database_generated_key_is_left_to_the_orm():
    # Group's AutoField comes back from the INSERT (RETURNING): save() handles that, plain SQL does not.
    with pytest.raises(NotPrepared):
        RowStatements(Group).get(pk=1)


@pytest.mark.skipif(ON_POSTGRESQL, reason="the other backends")
def test_other_backends_run_the_orm(statements, user):
    task = TaskFactory(owner=user)
    with pytest.raises(NotPrepared):
        statements.get(pk=task.pk)
    with pytest.raises(NotPrepared):
        statements.insert(_new_task(user))
    with pytest.raises(NotPrepared):
        statements.update(where={"pk": task.pk}, values={"title": "x"})
