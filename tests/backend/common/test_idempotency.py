"""Idempotency-Key on POST /api/tasks/ and /api/tasks/bulk/ (backend/common/idempotency.py): a retry with the same
key and body answers the first response and writes nothing; the same key with another request is a 422."""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from backend.common.models import IdempotencyKey
from backend.tasks.selectors import task_queryset
from tests.conftest import signed_in_client
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db

LIST = "/api/tasks/"
BULK = "/api/tasks/bulk/"


def post(client, path, body, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(path, body, format="json", **headers)


def test_a_create_retried_with_its_key_answers_the_first_task_and_writes_nothing(auth_client, user):
    key = str(uuid.uuid4())

    first = post(auth_client, LIST, {"title": "pay rent", "priority": "high"}, key)
    retry = post(auth_client, LIST, {"priority": "high", "title": "pay rent"}, key)  # key order does not matter

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.content == first.content
    assert retry["ETag"] == first["ETag"]
    assert retry["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert retry["Location"] == first["Location"] == f"/api/tasks/{first.json()['id']}/"
    assert [task.title for task in task_queryset(owner=user)] == ["pay rent"]


def test_the_same_key_with_another_body_is_a_422_and_writes_nothing(auth_client, user):
    key = str(uuid.uuid4())
    post(auth_client, LIST, {"title": "first"}, key)

    response = post(auth_client, LIST, {"title": "second"}, key)

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert [task.title for task in task_queryset(owner=user)] == ["first"]


def test_the_same_key_on_another_endpoint_is_a_422(auth_client, user):
    key = str(uuid.uuid4())
    created = post(auth_client, LIST, {"title": "t"}, key).json()

    response = post(auth_client, BULK, {"ids": [created["id"]], "action": "delete"}, key)

    assert (response.status_code, response.json()["code"]) == (422, "idempotency_key_reused")
    assert task_queryset(owner=user).count() == 1


def test_keys_are_per_user(auth_client, other_client, user, other_user):
    key = str(uuid.uuid4())

    mine = post(auth_client, LIST, {"title": "same"}, key)
    theirs = post(other_client, LIST, {"title": "same"}, key)

    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["id"] != theirs.json()["id"]
    assert "Idempotent-Replayed" not in theirs
    assert task_queryset(owner=user).count() == task_queryset(owner=other_user).count() == 1


def test_without_a_key_or_with_an_empty_one_every_request_writes(auth_client, user):
    post(auth_client, LIST, {"title": "a"})
    post(auth_client, LIST, {"title": "a"})
    post(auth_client, LIST, {"title": "a"}, "")
    post(auth_client, LIST, {"title": "a"}, "")

    assert task_queryset(owner=user).count() == 4
    assert not IdempotencyKey.objects.exists()


@pytest.mark.parametrize("key", ["x" * 256, "has space", "naïve", "tab\tinside"])
def test_a_malformed_key_is_a_400_and_writes_nothing(auth_client, user, key):
    response = post(auth_client, LIST, {"title": "t"}, key)

    assert (response.status_code, response.json()["code"]) == (400, "invalid_idempotency_key")
    assert task_queryset(owner=user).count() == 0


def test_a_request_that_failed_stores_nothing_so_its_key_still_works_for_the_corrected_body(auth_client, user):
    key = str(uuid.uuid4())

    invalid = post(auth_client, LIST, {"title": ""}, key)
    corrected = post(auth_client, LIST, {"title": "now valid"}, key)

    assert (invalid.status_code, corrected.status_code) == (400, 201)
    assert task_queryset(owner=user).count() == 1


def test_a_key_expires_after_the_ttl_and_then_writes_again(auth_client, user, settings):
    key = str(uuid.uuid4())
    first = post(auth_client, LIST, {"title": "weekly"}, key).json()
    IdempotencyKey.objects.filter(key=key).update(expires_at=timezone.now() - timedelta(seconds=1))

    again = post(auth_client, LIST, {"title": "weekly"}, key)

    assert again.status_code == 201
    assert again.json()["id"] != first["id"]
    assert "Idempotent-Replayed" not in again
    assert task_queryset(owner=user).count() == 2
    record = IdempotencyKey.objects.get(key=key)
    assert timedelta(hours=23, minutes=59) < record.expires_at - timezone.now() <= timedelta(hours=24)


def test_a_bulk_delete_retried_with_its_key_answers_how_many_the_first_deleted(auth_client, user):
    ids = [str(TaskFactory(owner=user).id) for _ in range(3)]
    key = str(uuid.uuid4())

    first = post(auth_client, BULK, {"ids": ids, "action": "delete"}, key)
    retry = post(auth_client, BULK, {"ids": ids, "action": "delete"}, key)
    unkeyed = post(auth_client, BULK, {"ids": ids, "action": "delete"})

    assert (first.status_code, first.json()) == (200, {"updated": 3})
    assert (retry.status_code, retry.json(), retry["Idempotent-Replayed"]) == (200, {"updated": 3}, "true")
    assert unkeyed.json() == {"updated": 0}  # without a key, the second delete finds nothing left


def test_a_bulk_status_change_retried_with_its_key_is_not_applied_again(auth_client, user):
    task = TaskFactory(owner=user, status="todo")
    key = str(uuid.uuid4())

    post(auth_client, BULK, {"ids": [str(task.id)], "action": "complete"}, key)
    auth_client.patch(f"{LIST}{task.id}/", {"status": "todo"}, format="json")  # reopened meanwhile
    retry = post(auth_client, BULK, {"ids": [str(task.id)], "action": "complete"}, key)

    assert retry.json() == {"updated": 1}
    task.refresh_from_db()
    assert task.status == "todo"  # the retry changed nothing


def test_purge_idempotency_keys_deletes_only_expired_records(auth_client):
    kept, expired = str(uuid.uuid4()), str(uuid.uuid4())
    post(auth_client, LIST, {"title": "kept"}, kept)
    post(auth_client, LIST, {"title": "expired"}, expired)
    IdempotencyKey.objects.filter(key=expired).update(expires_at=timezone.now() - timedelta(minutes=1))

    call_command("purge_idempotency_keys", "--batch-size", "1", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == [kept]


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_write_once_and_all_answer_the_same_task(user):
    """Every request passes the key lookup before any commits: the task inserts are slowed down so that each is
    still in its transaction when the others look. The unique (owner, key) lets one commit; the others roll back
    and answer its response."""
    key = str(uuid.uuid4())
    barrier = threading.Barrier(4)

    def slow_task_insert(execute, sql, params, many, context):
        if sql.startswith('INSERT INTO "tasks_task"'):
            threading.Event().wait(0.3)  # the others reach their lookup meanwhile
        return execute(sql, params, many, context)

    def create(_: int):
        try:
            client, _issued = signed_in_client(user)
            barrier.wait()
            with connection.execute_wrapper(slow_task_insert):
                return post(client, LIST, {"title": "once"}, key)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        responses = list(pool.map(create, range(4)))

    assert [response.status_code for response in responses] == [201] * 4
    assert len({response.json()["id"] for response in responses}) == 1
    assert sum("Idempotent-Replayed" in response for response in responses) == 3
    assert task_queryset(owner=user).count() == 1


@pytest.mark.parametrize("replayed", [False, True])
def test_a_stored_response_has_the_cache_control_patch_cache_control_gives_a_fresh_response(replayed):
    from django.http import HttpResponse
    from django.utils.cache import patch_cache_control

    from backend.common.idempotency import StoredResponse, stored_json_response

    expected = HttpResponse()
    patch_cache_control(expected, private=True, no_cache=True)

    response = stored_json_response(StoredResponse(status=201, body=b"{}", etag='"e"'), replayed=replayed)

    assert response["Cache-Control"] == expected["Cache-Control"]
    assert response["ETag"] == '"e"'
