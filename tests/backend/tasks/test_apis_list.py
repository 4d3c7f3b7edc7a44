"""GET/POST /api/tasks/: authentication, isolation, creation, validation, pagination and routing."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from backend.tasks.models import Task
from tests.backend.tasks.helpers import BULK_URL, LIST_URL, STATS_URL, detail_url, ids, make_task
from tests.dbvendor import as_stored
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db

# Fixed, so parametrized test ids are identical across pytest-xdist workers.
SOME_ID = "6f1c2b0e-9d1a-4c55-8a39-2f4b8e7d1c00"
NOT_AUTHENTICATED = {"detail": "Authentication credentials were not provided.", "code": "not_authenticated"}


# --- authentication -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", LIST_URL),
        ("post", LIST_URL),
        ("get", STATS_URL),
        ("post", BULK_URL),
        ("get", detail_url(SOME_ID)),
        ("put", detail_url(SOME_ID)),
        ("patch", detail_url(SOME_ID)),
        ("delete", detail_url(SOME_ID)),
    ],
)
def test_unauthenticated_request_is_401_json(api_client, method, path):
    response = getattr(api_client, method)(path, {}, format="json")

    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json() == NOT_AUTHENTICATED


def test_garbage_bearer_token_is_401_and_creates_nothing(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-jwt")

    response = api_client.post(LIST_URL, {"title": "x"}, format="json")

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"
    assert Task.objects.count() == 0


# --- isolation ------------------------------------------------------------------------------------


def test_list_never_shows_other_users_tasks(auth_client, user, other_user):
    mine = TaskFactory(owner=user)
    TaskFactory.create_batch(3, owner=other_user)

    response = auth_client.get(LIST_URL)

    assert response.status_code == 200
    assert response.json()["count"] == 1
    assert ids(response) == [str(mine.id)]


def test_list_of_a_user_with_no_tasks_is_empty(auth_client, other_user):
    TaskFactory(owner=other_user)

    response = auth_client.get(LIST_URL)

    assert response.json() == {"count": 0, "next": None, "previous": None, "results": []}


# --- create: failures -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, {"title": ["This field is required."]}),
        ({"title": ""}, {"title": ["This field may not be blank."]}),
        ({"title": "   \t\n "}, {"title": ["This field may not be blank."]}),
        ({"title": None}, {"title": ["This field may not be null."]}),
        ({"title": "x" * 201}, {"title": ["Ensure this field has no more than 200 characters."]}),
        # The limit holds for the text as sent, as the schema's maxLength says, not once trimmed.
        ({"title": " " + "x" * 200}, {"title": ["Ensure this field has no more than 200 characters."]}),
        ({"title": {}}, {"title": ["Not a valid string."]}),
        ({"title": []}, {"title": ["Not a valid string."]}),
        ({"title": True}, {"title": ["Not a valid string."]}),
        ({"title": "a\x00b"}, {"title": ["Null characters are not allowed."]}),
        ({"title": "ok", "description": "\x00"}, {"description": ["Null characters are not allowed."]}),
        (
            {"title": "ok", "description": "d" * 10_001},
            {"description": ["Ensure this field has no more than 10000 characters."]},
        ),
        ({"title": "ok", "description": None}, {"description": ["This field may not be null."]}),
        ({"title": "ok", "description": ["a"]}, {"description": ["Not a valid string."]}),
        ({"title": "ok", "status": "archived"}, {"status": ['"archived" is not a valid choice.']}),
        ({"title": "ok", "status": "DONE"}, {"status": ['"DONE" is not a valid choice.']}),
        ({"title": "ok", "priority": "urgent"}, {"priority": ['"urgent" is not a valid choice.']}),
        ({"title": "ok", "priority": {}}, {"priority": ['"{}" is not a valid choice.']}),
    ],
)
def test_create_with_invalid_fields_is_400_and_creates_nothing(auth_client, body, errors):
    response = auth_client.post(LIST_URL, body, format="json")

    assert response.status_code == 400
    assert response.json() == errors
    assert Task.objects.count() == 0


@pytest.mark.parametrize(
    "due_date",
    [
        "2024-02-30",
        "tomorrow",
        "01/02/2024",
        20240101,
        [],
        {},
        "20240101",  # date.fromisoformat's basic format: not the schema's YYYY-MM-DD
        "2024-W01-1",  # an ISO week date, which fromisoformat takes too
        "\u0661\u0662\u0663\u0664-\u0660\u0661-\u0660\u0661",  # Arabic-Indic digits, which int() reads
    ],
)
def test_create_with_invalid_due_date_is_400(auth_client, due_date):
    response = auth_client.post(LIST_URL, {"title": "ok", "due_date": due_date}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["due_date"]
    assert response.json()["due_date"][0].startswith("Date has wrong format.")
    assert Task.objects.count() == 0


@pytest.mark.parametrize("body", ["{not json", '{"title": ', "[1, 2", '"unterminated'])
def test_malformed_json_body_is_400_parse_error(auth_client, body):
    response = auth_client.post(LIST_URL, body, content_type="application/json")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "parse_error"
    assert response.json()["detail"].startswith("JSON parse error")
    assert Task.objects.count() == 0


@pytest.mark.parametrize("body", ["[]", '"text"', "123", "null"])
def test_json_body_that_is_not_an_object_is_400(auth_client, body):
    response = auth_client.post(LIST_URL, body, content_type="application/json")

    assert response.status_code == 400
    assert list(response.json()) == ["non_field_errors"]
    assert Task.objects.count() == 0


def test_form_encoded_body_is_415(auth_client):
    response = auth_client.post(LIST_URL, {"title": "x"})  # multipart: only JSON is accepted

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert Task.objects.count() == 0


# --- create: success ------------------------------------------------------------------------------


def test_create_with_only_a_title_applies_the_defaults(auth_client, user):
    response = auth_client.post(LIST_URL, {"title": "  Buy milk  "}, format="json")

    assert response.status_code == 201
    task = Task.objects.get()
    assert task.owner == user
    body = response.json()
    assert body == {
        "id": str(task.id),
        "title": "Buy milk",
        "description": "",
        "status": "todo",
        "priority": "medium",
        "due_date": None,
        "completed_at": None,
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }
    assert (task.title, task.status, task.priority, task.completed_at) == ("Buy milk", "todo", "medium", None)
    assert uuid.UUID(body["id"]) == task.id


def test_a_create_answers_where_the_new_task_is(auth_client):
    response = auth_client.post(LIST_URL, {"title": "Buy milk"}, format="json")

    assert response.status_code == 201
    assert response["Location"] == f"/api/tasks/{response.json()['id']}/"
    shown = auth_client.get(response["Location"])
    assert (shown.status_code, shown.json()) == (200, response.json())


def test_create_with_every_field(auth_client, user):
    body = {
        "title": "Ship",
        "description": "  indented\nlines  ",
        "status": "in_progress",
        "priority": "high",
        "due_date": "2030-01-31",
    }

    response = auth_client.post(LIST_URL, body, format="json")

    assert response.status_code == 201
    assert {key: response.json()[key] for key in body} == body
    task = Task.objects.get(owner=user)
    assert task.description == "  indented\nlines  "  # descriptions are stored verbatim
    assert str(task.due_date) == "2030-01-31"


def test_create_ignores_read_only_and_unknown_fields(auth_client, user, other_user):
    forced_id = uuid.uuid4()
    response = auth_client.post(
        LIST_URL,
        {
            "title": "x",
            "id": str(forced_id),
            "owner": str(other_user.id),
            "completed_at": "2020-01-01T00:00:00Z",
            "created_at": "2020-01-01T00:00:00Z",
            "colour": "red",
        },
        format="json",
    )

    assert response.status_code == 201
    task = Task.objects.get()
    assert task.id != forced_id
    assert task.owner == user
    assert task.completed_at is None
    assert task.created_at.year == timezone.now().year


def test_create_as_done_sets_completed_at(auth_client):
    before = as_stored(timezone.now())

    response = auth_client.post(LIST_URL, {"title": "x", "status": "done"}, format="json")

    task = Task.objects.get()
    assert before <= task.completed_at <= timezone.now()
    assert response.json()["completed_at"] is not None


@pytest.mark.parametrize("title", [123, 1e308, True, None])
def test_non_string_title_is_400_not_coerced(auth_client, title):
    response = auth_client.post(LIST_URL, {"title": title}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["title"]
    assert not Task.objects.exists()


def test_title_of_exactly_200_characters_as_sent_is_accepted_and_stored_trimmed(auth_client):
    response = auth_client.post(LIST_URL, {"title": "  " + "x" * 196 + "  "}, format="json")

    assert response.status_code == 201
    assert Task.objects.get().title == "x" * 196


def test_description_of_exactly_10000_characters_is_accepted(auth_client):
    response = auth_client.post(LIST_URL, {"title": "x", "description": "d" * 10_000}, format="json")

    assert response.status_code == 201
    assert len(Task.objects.get().description) == 10_000


# --- pagination -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ("page_size=0", {"page_size": ["Must be a positive integer."]}),
        ("page_size=-5", {"page_size": ["Must be a positive integer."]}),
        ("page_size=abc", {"page_size": ["Must be a positive integer."]}),
        ("page=abc", {"page": ["Must be a positive integer."]}),
        ("page=0", {"page": ["Must be a positive integer."]}),
        ("page=%D9%A1", {"page": ["Must be a positive integer."]}),
        ("page=1e3", {"page": ["Must be a positive integer."]}),
        ("page=99999999999", {"page": ["Must be a positive integer."]}),
        # Past int()'s 4,300-digit limit, which raises ValueError (a 500) rather than parsing.
        ("page=" + "9" * 5000, {"page": ["Must be a positive integer."]}),
        ("page_size=" + "1" * 5000, {"page_size": ["Must be a positive integer."]}),
    ],
)
def test_malformed_paging_input_is_400(auth_client, user, query, errors):
    TaskFactory(owner=user)

    response = auth_client.get(f"{LIST_URL}?{query}")

    assert response.status_code == 400
    assert response.json() == errors


def test_page_beyond_the_last_is_404(auth_client, user):
    TaskFactory.create_batch(3, owner=user)

    response = auth_client.get(f"{LIST_URL}?page=2")

    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid page.", "code": "not_found"}


def test_default_page_size_is_20_with_next_link(auth_client, user):
    TaskFactory.create_batch(21, owner=user)

    response = auth_client.get(LIST_URL)

    body = response.json()
    assert body["count"] == 21
    assert len(body["results"]) == 20
    assert body["next"] == "http://testserver/api/tasks/?page=2"
    assert body["previous"] is None


def test_last_page_has_previous_link_and_no_next(auth_client, user):
    TaskFactory.create_batch(21, owner=user)

    response = auth_client.get(f"{LIST_URL}?page=2&status=todo")

    body = response.json()
    assert len(body["results"]) == 1
    assert body["next"] is None
    # The filters travel with the links.
    assert body["previous"] == "http://testserver/api/tasks/?status=todo"


def test_pages_together_hold_every_task_once(auth_client, user):
    now = timezone.now()
    # Identical created_at everywhere: only the id tie-break keeps pages stable.
    tasks = [make_task(owner=user, created_at=now) for _ in range(7)]

    seen = []
    for page in (1, 2, 3):
        seen += ids(auth_client.get(f"{LIST_URL}?page_size=3&page={page}"))

    assert sorted(seen) == sorted(str(task.id) for task in tasks)
    assert len(seen) == 7


@pytest.mark.parametrize(("page_size", "expected"), [("1", 1), ("100", 100), ("101", 100), ("1000", 100)])
def test_page_size_is_honoured_up_to_100(auth_client, user, page_size, expected):
    base = timezone.now() - timedelta(days=1)
    for n in range(101):
        make_task(owner=user, created_at=base + timedelta(seconds=n))

    response = auth_client.get(f"{LIST_URL}?page_size={page_size}")

    assert response.status_code == 200
    assert response.json()["count"] == 101
    assert len(response.json()["results"]) == expected


def test_list_query_count_does_not_grow_with_the_page(auth_client, user, django_assert_max_num_queries):
    TaskFactory.create_batch(50, owner=user)
    auth_client.get(LIST_URL)  # warm the session-liveness cache

    with django_assert_max_num_queries(3):  # the user (JWT auth), COUNT, the page
        response = auth_client.get(f"{LIST_URL}?page_size=50")

    assert len(response.json()["results"]) == 50


# --- routing --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/tasks", "/api/tasks/"])
def test_list_answers_with_and_without_trailing_slash_without_redirect(auth_client, user, path):
    TaskFactory(owner=user)

    response = auth_client.get(path)

    assert response.status_code == 200
    assert response.json()["count"] == 1


@pytest.mark.parametrize("path", ["/api/tasks", "/api/tasks/"])
def test_create_answers_with_and_without_trailing_slash(auth_client, path):
    response = auth_client.post(path, {"title": "x"}, format="json")

    assert response.status_code == 201
    assert Task.objects.count() == 1


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_unsupported_method_on_the_list_is_405_json(auth_client, method):
    response = getattr(auth_client, method)(LIST_URL)

    assert response.status_code == 405
    assert response.json() == {"detail": f'Method "{method.upper()}" not allowed.', "code": "method_not_allowed"}
