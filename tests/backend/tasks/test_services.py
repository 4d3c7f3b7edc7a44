"""The task services and selectors called directly: their contracts beyond what the API shows."""

import uuid
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, QueryDict
from django.utils import timezone

from backend.tasks import services
from backend.tasks.models import Task
from backend.tasks.selectors import task_get, task_list
from backend.tasks.services import task_bulk_apply, task_create, task_delete, task_update
from tests.backend.tasks.helpers import snapshot
from tests.dbvendor import skip_on_mongodb
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def changes(monkeypatch) -> list:
    """Records each owner id passed to the _tasks_changed seam."""
    calls: list = []
    monkeypatch.setattr(services, "_tasks_changed", calls.append)
    return calls


# --- task_create ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "ok", "description": "d" * 10_001}, "description"),
        ({"title": "ok", "status": "archived"}, "status"),
        ({"title": "ok", "priority": "urgent"}, "priority"),
    ],
)
def test_task_create_refuses_invalid_values_and_writes_nothing(user, changes, kwargs, field):
    with pytest.raises(DjangoValidationError) as excinfo:
        task_create(owner=user, **kwargs)

    assert list(excinfo.value.message_dict) == [field]
    assert Task.objects.count() == 0
    assert changes == []


def test_task_create_trims_the_title_and_reports_the_change_after_commit(
    user, changes, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        task = task_create(owner=user, title="  Hello  ", due_date=date(2030, 1, 1))

    assert Task.objects.get().title == "Hello"
    assert (task.status, task.priority, task.completed_at) == ("todo", "medium", None)
    assert changes == [user.id]


# --- task_update ----------------------------------------------------------------------------------


def test_task_update_refuses_fields_it_does_not_own(user):
    task = TaskFactory(owner=user)

    with pytest.raises(ValueError, match="completed_at"):
        task_update(task=task, data={"completed_at": timezone.now()})


def test_task_update_with_invalid_value_writes_nothing(user, changes):
    task = TaskFactory(owner=user, title="Keep")
    before = snapshot(task)

    with pytest.raises(DjangoValidationError):
        task_update(task=task, data={"title": "  ", "priority": "high"})

    assert snapshot(task) == before
    assert changes == []


@skip_on_mongodb("reads SQL text; test_mongodb_queries checks the same write's $set on MongoDB")
def test_task_update_writes_only_changed_columns(user, django_assert_num_queries, django_capture_on_commit_callbacks):
    task = TaskFactory(owner=user, title="Old", priority="low")

    # One statement: the conditional UPDATE, with no transaction (or savepoint) around it.
    with django_capture_on_commit_callbacks() as callbacks, django_assert_num_queries(1) as captured:
        task_update(task=task, data={"title": "New", "priority": "low"})

    update = next(query["sql"] for query in captured.captured_queries if query["sql"].startswith("UPDATE"))
    assert '"title"' in update
    assert '"updated_at"' in update
    assert '"priority"' not in update
    assert '"description"' not in update
    assert len(callbacks) == 1


def test_task_update_without_changes_does_not_write(user, changes, django_assert_num_queries):
    task = TaskFactory(owner=user, title="Same")

    with django_assert_num_queries(0):
        task_update(task=task, data={"title": " Same "})

    assert changes == []


@pytest.mark.parametrize(
    ("old", "new", "expect_completed"),
    [("todo", "done", True), ("in_progress", "done", True), ("done", "todo", False), ("todo", "in_progress", False)],
)
def test_task_update_keeps_completed_at_in_step_with_status(user, old, new, expect_completed):
    task = TaskFactory(owner=user, status=old, completed_at=timezone.now() if old == "done" else None)

    task_update(task=task, data={"status": new})

    task.refresh_from_db()
    assert (task.completed_at is not None) is expect_completed


# --- task_delete ----------------------------------------------------------------------------------


def test_task_delete_reports_the_change_once(user, changes, django_capture_on_commit_callbacks):
    task = TaskFactory(owner=user)

    with django_capture_on_commit_callbacks(execute=True):
        task_delete(task=task)

    assert not Task.objects.exists()
    assert changes == [user.id]


# --- task_bulk_apply ------------------------------------------------------------------------------


def test_task_bulk_apply_refuses_more_than_100_distinct_ids(user):
    with pytest.raises(DjangoValidationError) as excinfo:
        task_bulk_apply(owner=user, ids=[uuid.uuid4() for _ in range(101)], action="delete")

    assert excinfo.value.message_dict == {"ids": ["Give at most 100 ids."]}


def test_task_bulk_apply_refuses_an_unknown_action(user):
    with pytest.raises(DjangoValidationError) as excinfo:
        task_bulk_apply(owner=user, ids=[uuid.uuid4()], action="archive")

    assert list(excinfo.value.message_dict) == ["action"]


@pytest.mark.parametrize(("action", "value"), [("delete", None), ("complete", None), ("set_priority", "low")])
def test_task_bulk_apply_is_all_or_nothing(user, monkeypatch, action, value):
    # Given a failure after the write but inside the transaction,
    tasks = TaskFactory.create_batch(3, owner=user, status="todo", priority="high")
    before = [snapshot(task) for task in tasks]

    def fail(owner_id):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "_after_commit", fail)

    # when the bulk action runs, then it raises and every task is as it was.
    with pytest.raises(RuntimeError):
        task_bulk_apply(owner=user, ids=[task.id for task in tasks], action=action, value=value)

    assert [snapshot(task) for task in tasks] == before


def test_task_bulk_apply_reports_nothing_when_nothing_changed(
    user, other_user, changes, django_capture_on_commit_callbacks
):
    theirs = TaskFactory(owner=other_user)

    with django_capture_on_commit_callbacks(execute=True):
        affected = task_bulk_apply(owner=user, ids=[theirs.id], action="delete")

    assert affected == 0
    assert changes == []


def test_task_bulk_apply_reports_the_change_once(user, changes, django_capture_on_commit_callbacks):
    tasks = TaskFactory.create_batch(5, owner=user)

    with django_capture_on_commit_callbacks(execute=True):
        affected = task_bulk_apply(owner=user, ids=[task.id for task in tasks], action="complete")

    assert affected == 5
    assert changes == [user.id]


# --- selectors ------------------------------------------------------------------------------------


@pytest.mark.parametrize("task_id", ["x", "", None, 42, "1" * 33])
def test_task_get_with_a_malformed_id_is_404(user, task_id):
    with pytest.raises(Http404):
        task_get(owner=user, task_id=task_id)


def test_task_get_of_another_users_task_is_404(user, other_user):
    theirs = TaskFactory(owner=other_user)

    with pytest.raises(Http404):
        task_get(owner=user, task_id=theirs.id)


def test_task_get_accepts_a_uuid_or_its_string(user):
    task = TaskFactory(owner=user)

    assert task_get(owner=user, task_id=task.id) == task
    assert task_get(owner=user, task_id=str(task.id)) == task


def test_task_list_accepts_a_plain_dict_or_a_querydict(user):
    done = TaskFactory(owner=user, status="done", completed_at=timezone.now())
    TaskFactory(owner=user, status="todo")

    assert list(task_list(owner=user, filters={"status": "done"})) == [done]
    assert list(task_list(owner=user, filters=QueryDict("status=done"))) == [done]


def test_task_list_with_invalid_filters_raises_a_validation_error_per_field(user):
    with pytest.raises(DjangoValidationError) as excinfo:
        task_list(owner=user, filters={"due_before": "soon", "ordering": "owner"})

    assert set(excinfo.value.message_dict) == {"due_before", "ordering"}


def test_task_list_orders_newest_first_by_default(user):
    old = TaskFactory(owner=user)
    Task.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=1))
    new = TaskFactory(owner=user)

    assert list(task_list(owner=user, filters={})) == [new, old]
