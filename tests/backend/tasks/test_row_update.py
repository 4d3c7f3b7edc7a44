"""task_update_by_id (one UPDATE ... RETURNING on PostgreSQL) does exactly what task_update does after task_get.

On SQLite and MongoDB task_update_by_id runs task_update itself: the comparisons with it run on PostgreSQL only, and
the contract (404s, validation) on every backend."""

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection
from django.http import Http404

from backend.tasks import services
from backend.tasks.models import Task
from backend.tasks.selectors import task_get
from backend.tasks.services import task_update, task_update_by_id
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 12, 0, 0, 123456, tzinfo=UTC)
EARLIER = datetime(2026, 5, 1, 8, 30, tzinfo=UTC)
ROW_FIELDS = ["title", "description", "status", "priority", "due_date", "completed_at", "version", "updated_at"]

STATES = {
    "todo": {"status": "todo", "completed_at": None},
    "in progress": {"status": "in_progress", "completed_at": None, "due_date": date(2030, 1, 31)},
    "done": {"status": "done", "completed_at": EARLIER},
    "done without completed_at": {"status": "done", "completed_at": None},  # as an operator's edit could leave it
}
CHANGES = {
    "nothing": {},
    "the same title": {"title": "Same"},
    "a new title": {"title": "  New title  "},
    "to done": {"status": "done"},
    "to todo": {"status": "todo"},
    "the same status and a new priority": {"status": "in_progress", "priority": "high"},
    "done and a new title": {"status": "done", "title": "Finished"},
    "a due date": {"due_date": date(2031, 12, 31)},
    "no due date": {"due_date": None},
    "a description with whitespace": {"description": "  kept\n"},
    "every field (a PUT)": {
        "title": "Put",
        "description": "",
        "status": "todo",
        "priority": "medium",
        "due_date": None,
    },
}


@pytest.fixture
def changes(monkeypatch) -> list:
    """Records each owner id passed to the _tasks_changed seam, and fixes the services' clock."""
    calls: list = []
    monkeypatch.setattr(services, "_tasks_changed", calls.append)
    monkeypatch.setattr(services.timezone, "now", lambda: NOW)
    return calls


def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the one statement is PostgreSQL's; elsewhere task_update_by_id runs task_update itself")


def _row(task: Task) -> dict:
    fresh = Task.objects.get(pk=task.pk)
    return {name: getattr(fresh, name) for name in ROW_FIELDS}


def _twins(user, state: dict) -> tuple[Task, Task]:
    fields = {"title": "Same", "description": "", "priority": "low", **state}
    return TaskFactory(owner=user, **fields), TaskFactory(owner=user, **fields)


@pytest.mark.parametrize("state", STATES.values(), ids=STATES.keys())
@pytest.mark.parametrize("data", CHANGES.values(), ids=CHANGES.keys())
def test_one_statement_writes_what_the_read_then_write_does(
    user, changes, django_capture_on_commit_callbacks, state, data
):
    _postgresql_only()
    # Given two tasks in the same state
    ours, theirs = _twins(user, state)

    # When one is updated by id and the other by task_update after task_get
    with django_capture_on_commit_callbacks(execute=True):
        by_id = task_update_by_id(owner=user, task_id=str(ours.pk), data=data)
    reported_by_id, changes[:] = list(changes), []
    with django_capture_on_commit_callbacks(execute=True):
        by_read = task_update(task=task_get(owner=user, task_id=theirs.pk), data=data)

    # Then both rows, both returned tasks and both reports of the change are the same
    assert _row(ours) == _row(theirs)
    assert {name: getattr(by_id, name) for name in ROW_FIELDS} == _row(ours)
    assert {name: getattr(by_read, name) for name in ROW_FIELDS} == _row(theirs)
    assert (by_id.pk, by_id.owner_id) == (ours.pk, user.pk)
    assert reported_by_id == changes


def test_a_change_is_one_statement_on_postgresql_and_no_change_writes_nothing(
    user, changes, django_assert_num_queries, django_capture_on_commit_callbacks
):
    _postgresql_only()
    task = TaskFactory(owner=user, title="Same", status="todo")

    with django_assert_num_queries(1), django_capture_on_commit_callbacks(execute=True):
        updated = task_update_by_id(owner=user, task_id=task.pk, data={"title": "New", "status": "done"})
    with django_assert_num_queries(2), django_capture_on_commit_callbacks(execute=True):
        # The statement changed no row: the task is read as it is
        unchanged = task_update_by_id(owner=user, task_id=task.pk, data={"title": "New"})

    assert (updated.title, updated.status, updated.completed_at, updated.version) == ("New", "done", NOW, 2)
    assert (unchanged.version, unchanged.updated_at) == (2, NOW)
    assert changes == [user.pk]


@pytest.mark.parametrize("task_id", ["not-a-uuid", "6b1f7c2e-8f4a-4d7e-9a51-2c3b4d5e6f70"])
def test_a_malformed_or_unknown_id_is_404(user, changes, task_id):
    with pytest.raises(Http404):
        task_update_by_id(owner=user, task_id=task_id, data={"title": "x"})
    assert changes == []


@pytest.mark.parametrize("data", [{"title": "x"}, {"status": "archived"}, {}])
def test_another_users_task_is_404_and_unchanged_whatever_the_values(user, other_user, changes, data):
    task = TaskFactory(owner=other_user, title="Theirs")

    with pytest.raises(Http404):
        task_update_by_id(owner=user, task_id=task.pk, data=data)

    assert (Task.objects.get(pk=task.pk).title, Task.objects.get(pk=task.pk).version) == ("Theirs", 1)
    assert changes == []


@pytest.mark.parametrize(
    ("data", "field"),
    [({"title": "   "}, "title"), ({"title": "x" * 201}, "title"), ({"priority": "urgent"}, "priority")],
)
def test_an_invalid_value_is_refused_and_writes_nothing(user, changes, data, field):
    task = TaskFactory(owner=user, title="Mine")

    with pytest.raises(DjangoValidationError) as excinfo:
        task_update_by_id(owner=user, task_id=task.pk, data=data)

    assert list(excinfo.value.message_dict) == [field]
    assert _row(task)["version"] == 1
    assert changes == []


def test_fields_it_does_not_own_are_refused(user):
    task = TaskFactory(owner=user)
    with pytest.raises(ValueError, match="completed_at"):
        task_update_by_id(owner=user, task_id=task.pk, data={"completed_at": NOW})


def test_a_value_too_long_for_its_column_is_refused_by_the_database_not_truncated(user):
    # Past validation (called directly): the column's own limit still holds, as for the ORM's UPDATE.
    from django.db import DataError, transaction

    from backend.tasks.row_update import task_row_update

    _postgresql_only()
    task = TaskFactory(owner=user, title="Short")

    with pytest.raises(DataError), transaction.atomic():
        task_row_update(owner_id=user.pk, pk=task.pk, values={"title": "x" * 201}, now=NOW)

    assert Task.objects.get(pk=task.pk).title == "Short"
