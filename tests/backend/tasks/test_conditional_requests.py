"""Conditional requests: ETags, If-None-Match 304s, and If-Match 412s over a compare-and-set on ``version``."""

import pytest

from backend.tasks.services import task_admin_save, task_bulk_apply, task_create, task_update
from tests.backend.tasks.helpers import serializing_fails
from tests.conftest import signed_in_client
from tests.factories import TaskFactory

LIST = "/api/tasks/"
STATS = "/api/tasks/stats/"


# ------------------------------------------------------------------------------
# ETags and conditional requests
# ------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("path", [LIST, STATS])
def test_if_none_match_with_the_current_etag_is_304_without_a_body(auth_client, user, path, monkeypatch):
    TaskFactory(owner=user)
    first = auth_client.get(path)
    serializing_fails(monkeypatch)

    response = auth_client.get(path, HTTP_IF_NONE_MATCH=first["ETag"])

    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == first["ETag"]
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_if_none_match_on_a_detail_is_304_and_a_weak_or_listed_tag_matches_too(auth_client, user):
    task = TaskFactory(owner=user)
    url = f"{LIST}{task.id}/"
    etag = auth_client.get(url)["ETag"]

    assert auth_client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert auth_client.get(url, HTTP_IF_NONE_MATCH=f'"other", W/{etag}').status_code == 304
    assert auth_client.get(url, HTTP_IF_NONE_MATCH='"other"').status_code == 200


@pytest.mark.django_db
def test_a_detail_copy_from_before_a_release_that_changed_the_tasks_shape_is_not_a_304(auth_client, user, monkeypatch):
    from backend.tasks.selectors import TASK_READS

    # Given a browser's copy of a task and its ETag (cached now)
    task = TaskFactory(owner=user)
    url = f"{LIST}{task.id}/"
    old_copy = auth_client.get(url)["ETag"]

    # When a release shows another set of columns (the task unchanged) and the browser revalidates its copy
    monkeypatch.setattr(TASK_READS, "shape", TASK_READS.shape + ",labels")
    response = auth_client.get(url, HTTP_IF_NONE_MATCH=old_copy)

    # Then it gets the task again, under a new ETag
    assert response.status_code == 200
    assert response["ETag"] != old_copy


@pytest.mark.django_db(transaction=True)
def test_an_etag_changes_when_the_data_does(user):
    client, _ = signed_in_client(user)
    task = task_create(owner=user, title="t")
    old_list, old_detail = client.get(LIST)["ETag"], client.get(f"{LIST}{task.id}/")["ETag"]

    client.patch(f"{LIST}{task.id}/", {"title": "new"}, format="json")

    assert client.get(LIST, HTTP_IF_NONE_MATCH=old_list).status_code == 200
    assert client.get(f"{LIST}{task.id}/", HTTP_IF_NONE_MATCH=old_detail).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["patch", "put"])
def test_a_stale_if_match_is_412_and_writes_nothing(auth_client, user, method):
    task = TaskFactory(owner=user, title="original")
    url = f"{LIST}{task.id}/"
    stale = auth_client.get(url)["ETag"]
    auth_client.patch(url, {"title": "changed by another tab"}, format="json")

    response = getattr(auth_client, method)(url, {"title": "mine"}, format="json", HTTP_IF_MATCH=stale)

    assert response.status_code == 412
    assert response.json()["code"] == "precondition_failed"
    task.refresh_from_db()
    assert task.title == "changed by another tab"


@pytest.mark.django_db
def test_a_delete_with_a_stale_if_match_is_412_and_deletes_nothing(auth_client, user):
    task = TaskFactory(owner=user, title="original")
    url = f"{LIST}{task.id}/"
    stale = auth_client.get(url)["ETag"]
    current = auth_client.patch(url, {"title": "changed by another tab"}, format="json")["ETag"]

    response = auth_client.delete(url, HTTP_IF_MATCH=stale)

    assert (response.status_code, response.json()["code"]) == (412, "precondition_failed")
    assert response["ETag"] == current
    task.refresh_from_db()
    assert task.title == "changed by another tab"


@pytest.mark.django_db
@pytest.mark.parametrize("if_match", ["current", "*", ""], ids=["current etag", "star", "empty"])
def test_a_delete_with_a_current_or_no_precondition_deletes(auth_client, user, if_match):
    task = TaskFactory(owner=user)
    url = f"{LIST}{task.id}/"
    header = auth_client.get(url)["ETag"] if if_match == "current" else if_match

    response = auth_client.delete(url, HTTP_IF_MATCH=header)

    assert response.status_code == 204
    assert not task.__class__.objects.filter(pk=task.pk).exists()


@pytest.mark.django_db
def test_a_delete_with_a_malformed_if_match_is_400_and_deletes_nothing(auth_client, user):
    task = TaskFactory(owner=user)

    response = auth_client.delete(f"{LIST}{task.id}/", HTTP_IF_MATCH="garbage")

    assert (response.status_code, response.json()["code"]) == (400, "invalid_if_match")
    assert task.__class__.objects.filter(pk=task.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_a_delete_from_a_stale_read_is_412_even_if_the_write_raced_in_after_the_check(user):
    from backend.common.exceptions import PreconditionFailed
    from backend.tasks.selectors import task_etag
    from backend.tasks.services import task_delete

    stale = task_create(owner=user, title="t")
    etag_as_read = task_etag(stale)
    task_bulk_apply(owner=user, ids=[stale.id], action="set_priority", value="high")

    with pytest.raises(PreconditionFailed):
        task_delete(task=stale, if_match=[etag_as_read])

    assert stale.__class__.objects.filter(pk=stale.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("if_match", ['"not-an-etag"', 'W/"weak-never-matches"', '"a", "b"'])
def test_an_if_match_naming_no_current_etag_is_412(auth_client, user, if_match):
    task = TaskFactory(owner=user)

    response = auth_client.patch(f"{LIST}{task.id}/", {"title": "x"}, format="json", HTTP_IF_MATCH=if_match)

    assert response.status_code == 412


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["put", "patch"])
@pytest.mark.parametrize("if_match", ["garbage", "0", '"unterminated', '"a" "b"', "**"])
def test_a_malformed_if_match_is_400_and_writes_nothing(auth_client, user, method, if_match):
    task = TaskFactory(owner=user, title="before")

    response = getattr(auth_client, method)(
        f"{LIST}{task.id}/", {"title": "after"}, format="json", HTTP_IF_MATCH=if_match
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_if_match"
    task.refresh_from_db()
    assert task.title == "before"


@pytest.mark.django_db
def test_a_current_if_match_updates_and_returns_the_new_etag(auth_client, user):
    task = TaskFactory(owner=user)
    url = f"{LIST}{task.id}/"
    etag = auth_client.get(url)["ETag"]

    response = auth_client.patch(url, {"title": "renamed"}, format="json", HTTP_IF_MATCH=etag)

    assert response.status_code == 200
    assert response.json()["title"] == "renamed"
    assert response["ETag"] != etag
    assert auth_client.patch(url, {"title": "again"}, format="json", HTTP_IF_MATCH=response["ETag"]).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("if_match", ["", "  \t "])
def test_an_empty_if_match_counts_as_absent_and_updates(auth_client, user, if_match):
    task = TaskFactory(owner=user, title="before")

    response = auth_client.patch(f"{LIST}{task.id}/", {"title": "after"}, format="json", HTTP_IF_MATCH=if_match)

    assert response.status_code == 200
    task.refresh_from_db()
    assert task.title == "after"


@pytest.mark.django_db
def test_if_match_star_and_no_if_match_both_update(auth_client, user):
    task = TaskFactory(owner=user)
    url = f"{LIST}{task.id}/"

    assert auth_client.patch(url, {"title": "a"}, format="json", HTTP_IF_MATCH="*").status_code == 200
    assert auth_client.patch(url, {"title": "b"}, format="json").status_code == 200


@pytest.mark.django_db
def test_if_match_star_writes_as_no_if_match_does_in_one_statement_that_never_conflicts(
    auth_client, user, django_assert_num_queries
):
    # ("*" asks only that the task exists: nothing to compare, so nothing for a concurrent writer to win against)
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the one statement is PostgreSQL's (test_row_update.py)")
    task = TaskFactory(owner=user)
    url = f"{LIST}{task.id}/"
    auth_client.get("/api/auth/me/")  # the session is cached: the write below is the request's only query

    with django_assert_num_queries(1):
        response = auth_client.patch(url, {"title": "a"}, format="json", HTTP_IF_MATCH="*")

    assert response.status_code == 200
    assert response.json()["title"] == "a"


@pytest.mark.django_db
def test_if_match_on_another_users_task_is_still_404(auth_client, other_user):
    task = TaskFactory(owner=other_user)

    response = auth_client.patch(f"{LIST}{task.id}/", {"title": "x"}, format="json", HTTP_IF_MATCH="*")

    assert response.status_code == 404


@pytest.mark.django_db
def test_a_412_carries_the_current_etag(auth_client, user):
    task = TaskFactory(owner=user)
    url = f"{LIST}{task.id}/"

    response = auth_client.patch(url, {"title": "x"}, format="json", HTTP_IF_MATCH='"stale"')

    assert response.status_code == 412
    assert response["ETag"] == auth_client.get(url)["ETag"]


# ------------------------------------------------------------------------------
# Compare-and-set on version: safe concurrent updates without row locks
# ------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_an_update_from_a_stale_read_reapplies_on_the_current_state(user):
    stale = task_create(owner=user, title="t", priority="low")
    task_bulk_apply(owner=user, ids=[stale.id], action="complete")  # another writer gets in first

    updated = task_update(task=stale, data={"title": "renamed"})

    updated.refresh_from_db()
    assert (updated.title, updated.status, updated.version) == ("renamed", "done", 3)


@pytest.mark.django_db(transaction=True)
def test_an_if_match_from_a_stale_read_is_412_even_if_the_write_raced_in_after_the_check(user):
    from backend.common.exceptions import PreconditionFailed
    from backend.tasks.selectors import task_etag

    stale = task_create(owner=user, title="t")
    etag_as_read = task_etag(stale)
    task_bulk_apply(owner=user, ids=[stale.id], action="set_priority", value="high")

    with pytest.raises(PreconditionFailed):
        task_update(task=stale, data={"title": "mine"}, if_match=[etag_as_read])

    stale.refresh_from_db()
    assert (stale.title, stale.priority) == ("t", "high")


@pytest.mark.django_db(transaction=True)
def test_updating_a_task_deleted_meanwhile_is_a_404(user):
    from django.http import Http404

    stale = task_create(owner=user, title="t")
    task_bulk_apply(owner=user, ids=[stale.id], action="delete")

    with pytest.raises(Http404):
        task_update(task=stale, data={"title": "mine"})


@pytest.mark.django_db(transaction=True)
def test_every_kind_of_write_moves_the_etag(user):
    client, _ = signed_in_client(user)
    task = task_create(owner=user, title="t")
    url = f"{LIST}{task.id}/"
    seen = [client.get(url)["ETag"]]

    task_bulk_apply(owner=user, ids=[task.id], action="set_priority", value="high")
    seen.append(client.get(url)["ETag"])
    task.refresh_from_db()
    task.title = "edited in the admin"
    task_admin_save(task=task, changed_fields=["title"], old_status=task.status)
    seen.append(client.get(url)["ETag"])
    seen.append(client.patch(url, {"title": "x"}, format="json")["ETag"])

    assert len(set(seen)) == 4


@pytest.mark.django_db(transaction=True)
def test_parallel_patches_with_the_same_if_match_let_exactly_one_through(user):
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    task = task_create(owner=user, title="t")
    client, _ = signed_in_client(user)
    etag = client.get(f"{LIST}{task.id}/")["ETag"]
    barrier = threading.Barrier(8)

    def patch(n: int) -> int:
        try:
            barrier.wait()
            own, _ = signed_in_client(user)
            return own.patch(
                f"{LIST}{task.id}/", {"title": f"writer {n}"}, format="json", HTTP_IF_MATCH=etag
            ).status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = sorted(pool.map(patch, range(8)))

    assert statuses == [200] + [412] * 7
    task.refresh_from_db()
    assert task.version == 2
