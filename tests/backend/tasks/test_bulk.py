"""POST /api/tasks/bulk/: validation, each action, isolation and all-or-nothing."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from backend.tasks.models import Task
from tests.backend.tasks.helpers import BULK_URL, snapshot
from tests.dbvendor import as_stored
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db


def _bulk(client, **body):
    return client.post(BULK_URL, body, format="json")


def _ids(*tasks) -> list[str]:
    return [str(task.id) for task in tasks]


# --- invalid input changes nothing ----------------------------------------------------------------


ANY_ID = ["0b5d3c8e-1f2a-4e6b-9c7d-8a9b0c1d2e3f"]
NEEDS_STATUS = "The action 'set_status' needs a value: one of todo, in_progress, done."


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"action": "complete"}, {"ids": ["This field is required."]}),
        ({"ids": [], "action": "complete"}, {"ids": ["This list may not be empty."]}),
        ({"ids": "abc", "action": "complete"}, {"ids": ['Expected a list of items but got type "str".']}),
        ({"ids": {"a": 1}, "action": "complete"}, {"ids": ['Expected a list of items but got type "dict".']}),
        ({"ids": ["nope"], "action": "complete"}, {"ids": ["Not valid UUIDs: 'nope'."]}),
        ({"ids": [123, None], "action": "complete"}, {"ids": ["Not valid UUIDs: 123, None."]}),
        ({"ids": ANY_ID}, {"action": ["This field is required."]}),
        ({"ids": ANY_ID, "action": "archive"}, {"action": ['"archive" is not a valid choice.']}),
        ({"ids": ANY_ID, "action": ["delete"]}, {"action": ["\"['delete']\" is not a valid choice."]}),
        ({"ids": ANY_ID, "action": "set_status"}, {"value": [NEEDS_STATUS]}),
        ({"ids": ANY_ID, "action": "set_status", "value": None}, {"value": [NEEDS_STATUS]}),
        (
            {"ids": ANY_ID, "action": "set_status", "value": "high"},
            {"value": ["Unknown value 'high'. Choose from: todo, in_progress, done."]},
        ),
        (
            {"ids": ANY_ID, "action": "set_priority", "value": "done"},
            {"value": ["Unknown value 'done'. Choose from: low, medium, high."]},
        ),
        ({"ids": ANY_ID, "action": "set_priority", "value": {}}, {"value": ["Not a valid string."]}),
        ({"ids": ANY_ID, "action": "complete", "value": "done"}, {"value": ["The action 'complete' takes no value."]}),
        ({"ids": ANY_ID, "action": "delete", "value": "x"}, {"value": ["The action 'delete' takes no value."]}),
    ],
)
def test_invalid_bulk_request_is_400(auth_client, body, errors):
    response = _bulk(auth_client, **body)

    assert response.status_code == 400
    assert response.json() == errors


def test_more_than_100_ids_is_400_and_changes_nothing(auth_client, user):
    tasks = TaskFactory.create_batch(101, owner=user)

    response = _bulk(auth_client, ids=_ids(*tasks), action="delete")

    assert response.status_code == 400
    assert response.json() == {"ids": ["Ensure this field has no more than 100 elements."]}
    assert Task.objects.count() == 101


def test_one_malformed_id_among_valid_ones_changes_nothing(auth_client, user):
    tasks = TaskFactory.create_batch(3, owner=user)

    response = _bulk(auth_client, ids=[*_ids(*tasks), "bad"], action="complete")

    assert response.status_code == 400
    assert Task.objects.filter(status="done").count() == 0


def test_malformed_json_is_400(auth_client):
    response = auth_client.post(BULK_URL, '{"ids": [', content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


# --- isolation ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "value"), [("complete", None), ("delete", None), ("set_status", "in_progress"), ("set_priority", "low")]
)
def test_bulk_never_touches_other_users_tasks(auth_client, user, other_user, action, value):
    mine = TaskFactory(owner=user, status="todo", priority="high")
    theirs = TaskFactory(owner=other_user, status="todo", priority="high")
    before = snapshot(theirs)

    response = _bulk(auth_client, ids=_ids(mine, theirs), action=action, value=value)

    assert response.status_code == 200
    assert response.json() == {"updated": 1}
    assert snapshot(theirs) == before


def test_unknown_ids_are_ignored(auth_client, user):
    task = TaskFactory(owner=user)

    response = _bulk(auth_client, ids=[*_ids(task), str(uuid.uuid4())], action="delete")

    assert response.json() == {"updated": 1}


def test_only_others_ids_is_200_with_zero(auth_client, other_user):
    theirs = TaskFactory(owner=other_user)

    response = _bulk(auth_client, ids=_ids(theirs), action="delete")

    assert response.status_code == 200
    assert response.json() == {"updated": 0}
    assert Task.objects.filter(pk=theirs.pk).exists()


# --- actions --------------------------------------------------------------------------------------


def test_complete_marks_done_and_sets_completed_at_only_where_it_changes(auth_client, user):
    earlier = as_stored(timezone.now() - timedelta(days=4))
    todo, in_progress = TaskFactory(owner=user, status="todo"), TaskFactory(owner=user, status="in_progress")
    already_done = TaskFactory(owner=user, status="done", completed_at=earlier)
    untouched = TaskFactory(owner=user, status="todo")
    before = as_stored(timezone.now())

    response = _bulk(auth_client, ids=_ids(todo, in_progress, already_done), action="complete")

    assert response.status_code == 200
    assert response.json() == {"updated": 2}
    for task in (todo, in_progress):
        task.refresh_from_db()
        assert task.status == "done"
        assert before <= task.completed_at <= timezone.now()
        assert task.updated_at >= before
    already_done.refresh_from_db()
    assert already_done.completed_at == earlier  # not re-stamped
    untouched.refresh_from_db()
    assert untouched.status == "todo"


def test_delete_removes_the_listed_tasks(auth_client, user):
    gone = TaskFactory.create_batch(3, owner=user)
    kept = TaskFactory(owner=user)

    response = _bulk(auth_client, ids=_ids(*gone), action="delete")

    assert response.json() == {"updated": 3}
    assert list(Task.objects.values_list("id", flat=True)) == [kept.id]


def test_set_status_away_from_done_clears_completed_at(auth_client, user):
    done = TaskFactory(owner=user, status="done", completed_at=timezone.now())
    todo = TaskFactory(owner=user, status="todo")

    response = _bulk(auth_client, ids=_ids(done, todo), action="set_status", value="in_progress")

    assert response.json() == {"updated": 2}
    for task in (done, todo):
        task.refresh_from_db()
        assert (task.status, task.completed_at) == ("in_progress", None)


def test_set_status_done_sets_completed_at(auth_client, user):
    task = TaskFactory(owner=user, status="todo")

    response = _bulk(auth_client, ids=_ids(task), action="set_status", value="done")

    task.refresh_from_db()
    assert response.json() == {"updated": 1}
    assert task.status == "done"
    assert task.completed_at is not None


def test_set_status_counts_only_tasks_whose_status_changes(auth_client, user):
    same = TaskFactory(owner=user, status="todo")
    before = snapshot(same)
    other = TaskFactory(owner=user, status="done", completed_at=timezone.now())

    response = _bulk(auth_client, ids=_ids(same, other), action="set_status", value="todo")

    assert response.json() == {"updated": 1}
    assert snapshot(same) == before  # updated_at not bumped


def test_set_priority_changes_priority_only(auth_client, user):
    low, high = TaskFactory(owner=user, priority="low"), TaskFactory(owner=user, priority="high", status="done")

    response = _bulk(auth_client, ids=_ids(low, high), action="set_priority", value="medium")

    assert response.json() == {"updated": 2}
    low.refresh_from_db()
    high.refresh_from_db()
    assert (low.priority, high.priority, high.status) == ("medium", "medium", "done")


def test_duplicate_ids_count_once(auth_client, user):
    task = TaskFactory(owner=user)

    response = _bulk(auth_client, ids=_ids(task, task, task), action="complete")

    assert response.json() == {"updated": 1}


def test_exactly_100_ids_is_accepted(auth_client, user):
    tasks = TaskFactory.create_batch(100, owner=user)

    response = _bulk(auth_client, ids=_ids(*tasks), action="set_priority", value="high")

    assert response.status_code == 200
    assert response.json() == {"updated": 100}
    assert Task.objects.filter(priority="high").count() == 100


def test_bulk_query_count_does_not_grow_with_the_ids(auth_client, user, django_assert_max_num_queries):
    tasks = TaskFactory.create_batch(100, owner=user)
    auth_client.get("/api/tasks/")  # warm the session-liveness cache

    with django_assert_max_num_queries(4):  # the user, SAVEPOINT/BEGIN, one UPDATE, RELEASE/COMMIT
        response = _bulk(auth_client, ids=_ids(*tasks), action="complete")

    assert response.json() == {"updated": 100}


@pytest.mark.parametrize("path", ["/api/tasks/bulk", "/api/tasks/bulk/"])
def test_bulk_answers_with_and_without_trailing_slash(auth_client, user, path):
    task = TaskFactory(owner=user)

    response = auth_client.post(path, {"ids": _ids(task), "action": "delete"}, format="json")

    assert response.status_code == 200
    assert response.json() == {"updated": 1}


def test_bulk_is_post_only(auth_client):
    response = auth_client.get(BULK_URL)

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
