"""GET/PUT/PATCH/DELETE /api/tasks/{id}/: isolation, validation, completed_at transitions and routing."""

import uuid
from datetime import date, timedelta

import pytest
from django.utils import timezone

from backend.tasks.models import Task
from tests.backend.tasks.helpers import detail_url, make_task, snapshot
from tests.dbvendor import as_stored
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db

NOT_FOUND = {"detail": "Not found.", "code": "not_found"}
VALID_BODY = {"title": "Changed", "description": "new", "status": "done", "priority": "high", "due_date": "2031-01-01"}


def _send(client, method: str, url: str):
    return getattr(client, method)(url, VALID_BODY, format="json")


# --- isolation and ids ----------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_other_users_task_is_404_and_unchanged(auth_client, other_user, method):
    theirs = TaskFactory(owner=other_user, title="Theirs")
    before = snapshot(theirs)

    response = _send(auth_client, method, detail_url(theirs.id))

    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    assert snapshot(theirs) == before


@pytest.mark.parametrize("method", ["put", "patch"])
def test_other_users_task_is_404_even_with_an_invalid_body(auth_client, other_user, method):
    theirs = TaskFactory(owner=other_user)

    response = getattr(auth_client, method)(detail_url(theirs.id), {"title": ""}, format="json")

    assert response.status_code == 404  # not 400: the body must not reveal that the id exists


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
@pytest.mark.parametrize(
    ("body", "content_type", "headers"),
    [
        ('{"title": ', "application/json", {}),  # malformed JSON
        ("title=x", "text/plain", {}),  # a media type the API does not parse
        ('{"title": "x"}', "application/json", {"HTTP_IF_MATCH": "not-an-etag"}),  # a malformed If-Match
        ('{"title": ""}', "application/json", {"HTTP_IF_MATCH": "not-an-etag"}),
    ],
    ids=["malformed-json", "unsupported-media-type", "malformed-if-match", "malformed-if-match-and-invalid-body"],
)
def test_other_users_task_is_404_whatever_the_request_holds(
    auth_client, other_user, method, body, content_type, headers
):
    theirs = TaskFactory(owner=other_user, title="Theirs")
    before = snapshot(theirs)

    response = getattr(auth_client, method)(detail_url(theirs.id), body, content_type=content_type, **headers)

    assert response.status_code == 404  # not 400 or 415: the request must not reveal that the id exists
    assert response.json() == NOT_FOUND
    assert snapshot(theirs) == before


def test_own_task_with_an_invalid_body_and_a_malformed_if_match_reports_the_body_first(auth_client, user):
    mine = TaskFactory(owner=user, title="Mine")

    response = auth_client.patch(detail_url(mine.id), {"title": ""}, format="json", HTTP_IF_MATCH="not-an-etag")

    assert response.status_code == 400
    assert list(response.json()) == ["title"]  # the body's error, as before the If-Match is read


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
@pytest.mark.parametrize("task_id", ["not-a-uuid", "123", "00000000-0000-0000-0000-00000000000z", "%20", "..."])
def test_malformed_id_is_404(auth_client, user, method, task_id):
    TaskFactory(owner=user)

    response = _send(auth_client, method, detail_url(task_id))

    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    assert Task.objects.count() == 1


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_unknown_id_is_404(auth_client, method):
    response = _send(auth_client, method, detail_url(uuid.uuid4()))

    assert response.status_code == 404
    assert response.json() == NOT_FOUND


# --- GET ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path_format", ["/api/tasks/{}/", "/api/tasks/{}"])
def test_get_returns_the_task_with_and_without_trailing_slash(auth_client, user, path_format):
    task = TaskFactory(owner=user, title="Mine", priority="low", due_date=date(2030, 5, 6))

    response = auth_client.get(path_format.format(task.id))

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(task.id)
    assert (body["title"], body["priority"], body["due_date"]) == ("Mine", "low", "2030-05-06")
    assert set(body) == {
        "id",
        "title",
        "description",
        "status",
        "priority",
        "due_date",
        "completed_at",
        "created_at",
        "updated_at",
    }


def test_uppercase_id_finds_the_task(auth_client, user):
    task = TaskFactory(owner=user)

    response = auth_client.get(detail_url(str(task.id).upper()))

    assert response.status_code == 200
    assert response.json()["id"] == str(task.id)


# --- PATCH ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"title": "   "}, {"title": ["This field may not be blank."]}),
        ({"title": None}, {"title": ["This field may not be null."]}),
        ({"title": ["x"]}, {"title": ["Not a valid string."]}),
        ({"status": "finished"}, {"status": ['"finished" is not a valid choice.']}),
        ({"priority": ""}, {"priority": ['"" is not a valid choice.']}),
        ({"description": "d" * 10_001}, {"description": ["Ensure this field has no more than 10000 characters."]}),
        (
            {"due_date": "2030-13-01"},
            {"due_date": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]},
        ),
    ],
)
def test_patch_with_invalid_fields_is_400_and_changes_nothing(auth_client, user, body, errors):
    task = TaskFactory(owner=user, title="Original")
    before = snapshot(task)

    response = auth_client.patch(detail_url(task.id), body, format="json")

    assert response.status_code == 400
    assert response.json() == errors
    assert snapshot(task) == before


def test_patch_with_malformed_json_is_400_and_changes_nothing(auth_client, user):
    task = TaskFactory(owner=user)
    before = snapshot(task)

    response = auth_client.patch(detail_url(task.id), "{oops", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert snapshot(task) == before


def test_patch_changes_only_the_given_fields(auth_client, user):
    task = TaskFactory(owner=user, title="Old", description="keep", priority="low", due_date=date(2030, 1, 1))
    old_updated_at = task.updated_at

    response = auth_client.patch(detail_url(task.id), {"title": "  New  ", "due_date": None}, format="json")

    assert response.status_code == 200
    task.refresh_from_db()
    assert (task.title, task.description, task.priority, task.due_date) == ("New", "keep", "low", None)
    assert task.updated_at > old_updated_at
    assert response.json()["title"] == "New"
    assert response.json()["due_date"] is None


def test_patch_with_no_changes_does_not_touch_updated_at(auth_client, user):
    task = TaskFactory(owner=user, title="Same")
    before = snapshot(task)

    response = auth_client.patch(detail_url(task.id), {"title": "Same"}, format="json")

    assert response.status_code == 200
    assert snapshot(task) == before


def test_patch_to_done_sets_completed_at(auth_client, user):
    task = TaskFactory(owner=user, status="in_progress")
    before = as_stored(timezone.now())

    response = auth_client.patch(detail_url(task.id), {"status": "done"}, format="json")

    task.refresh_from_db()
    assert task.status == "done"
    assert before <= task.completed_at <= timezone.now()
    assert response.json()["completed_at"] is not None


def test_patch_leaving_done_clears_completed_at(auth_client, user):
    task = TaskFactory(owner=user, status="done", completed_at=timezone.now() - timedelta(days=2))

    response = auth_client.patch(detail_url(task.id), {"status": "todo"}, format="json")

    task.refresh_from_db()
    assert (task.status, task.completed_at) == ("todo", None)
    assert response.json()["completed_at"] is None


def test_patch_of_a_done_task_keeps_its_completed_at(auth_client, user):
    completed_at = timezone.now() - timedelta(days=3)
    task = TaskFactory(owner=user, status="done", completed_at=completed_at)

    auth_client.patch(detail_url(task.id), {"status": "done", "title": "Renamed"}, format="json")

    task.refresh_from_db()
    assert (task.title, task.completed_at) == ("Renamed", completed_at)


def test_patch_ignores_a_client_supplied_completed_at(auth_client, user):
    task = TaskFactory(owner=user)

    auth_client.patch(detail_url(task.id), {"completed_at": "2020-01-01T00:00:00Z"}, format="json")

    task.refresh_from_db()
    assert task.completed_at is None


# --- PUT ------------------------------------------------------------------------------------------


def test_put_without_a_title_is_400_and_changes_nothing(auth_client, user):
    task = TaskFactory(owner=user)
    before = snapshot(task)

    response = auth_client.put(detail_url(task.id), {"status": "done"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"title": ["This field is required."]}
    assert snapshot(task) == before


def test_put_replaces_every_field_and_resets_omitted_ones_to_defaults(auth_client, user):
    task = TaskFactory(owner=user, description="old", status="done", priority="high", completed_at=timezone.now())
    task.due_date = date(2030, 1, 1)
    task.save()

    response = auth_client.put(detail_url(task.id), {"title": "Fresh"}, format="json")

    assert response.status_code == 200
    task.refresh_from_db()
    assert (task.title, task.description, task.status, task.priority, task.due_date, task.completed_at) == (
        "Fresh",
        "",
        "todo",
        "medium",
        None,
        None,
    )


def test_put_with_every_field(auth_client, user):
    task = TaskFactory(owner=user)

    response = auth_client.put(detail_url(task.id), VALID_BODY, format="json")

    assert response.status_code == 200
    body = response.json()
    assert {key: body[key] for key in VALID_BODY} == VALID_BODY
    task.refresh_from_db()
    assert task.status == "done"
    assert task.completed_at is not None


# --- DELETE ---------------------------------------------------------------------------------------


def test_delete_removes_only_that_task(auth_client, user):
    task, kept = TaskFactory(owner=user), TaskFactory(owner=user)

    response = auth_client.delete(detail_url(task.id))

    assert response.status_code == 204
    assert response.content == b""
    assert list(Task.objects.values_list("id", flat=True)) == [kept.id]


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        ("hello", "text/plain", (415, "unsupported_media_type")),
        ('{"force": ', "application/json", (400, "parse_error")),
    ],
    ids=["not json", "malformed json"],
)
def test_a_delete_with_a_body_that_is_not_json_is_refused_and_deletes_nothing(
    auth_client, user, body, content_type, expected
):
    task = TaskFactory(owner=user)

    response = auth_client.delete(detail_url(task.id), body, content_type=content_type)

    assert (response.status_code, response.json()["code"]) == expected
    assert Task.objects.filter(pk=task.pk).exists()


def test_deleting_twice_is_404_the_second_time(auth_client, user):
    task = TaskFactory(owner=user)
    auth_client.delete(detail_url(task.id))

    response = auth_client.delete(detail_url(task.id))

    assert response.status_code == 404


@pytest.mark.parametrize("path_format", ["/api/tasks/{}/", "/api/tasks/{}"])
def test_delete_answers_with_and_without_trailing_slash(auth_client, user, path_format):
    task = TaskFactory(owner=user)

    response = auth_client.delete(path_format.format(task.id))

    assert response.status_code == 204
    assert not Task.objects.exists()


def test_post_on_a_task_is_405(auth_client, user):
    task = make_task(owner=user)

    response = auth_client.post(detail_url(task.id), {}, format="json")

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
