"""The task admin's "Delete selected tasks" at any size: "select all" on the list selects every task its filters
match, and the confirmation page, its form and the deletion stay the same size whatever that is (admin.py,
services.task_admin_delete_many)."""

import re

import pytest
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backend.tasks import services as task_services
from backend.tasks.admin import DELETION_LISTED
from backend.tasks.models import Task
from tests.conftest import signed_in_client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:tasks_task_changelist"


def _tasks(count: int, *, owners: int, status: str = "todo") -> list[Task]:
    people = UserFactory.create_batch(owners)
    return Task.objects.bulk_create(
        Task(owner=people[n % owners], title=f"{status} task {n}", status=status) for n in range(count)
    )


def _ask_to_delete_all(admin_client, ticked: list[Task], query: str = ""):
    """The list's "select all" then "Delete selected tasks": the page's ticked boxes, and the flag for the rest."""
    return admin_client.post(
        f"{reverse(CHANGELIST)}{query}",
        {
            "action": "delete_selected",
            "select_across": "1",
            "index": "0",
            "_selected_action": [str(t.pk) for t in ticked],
        },
    )


def _posted(form: list[tuple[str, str]]) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for name, value in form:
        data.setdefault(name, []).append(value)
    return data


def _confirmation_form(page: str) -> list[tuple[str, str]]:
    """What the confirmation page's form posts: its hidden inputs, in order."""
    form = page[page.index('<form method="post">') :]
    form = form[: form.index("</form>")]
    return re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)


def _confirmation_of_all(admin_client, tasks: list[Task]) -> tuple[str, int]:
    """The page asking to delete every task (the first two ticked), and how many queries it took."""
    with CaptureQueriesContext(connection) as queries:
        response = _ask_to_delete_all(admin_client, tasks[:2])
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def test_the_confirmation_for_every_task_of_the_list_names_a_few_and_counts_the_rest_in_a_fixed_number_of_queries(
    admin_client,
):
    # Given 30 tasks of three owners, then 300
    tasks = _tasks(30, owners=3)
    few, few_queries = _confirmation_of_all(admin_client, tasks)
    tasks += _tasks(270, owners=3)

    # When the operator selects all 300 and asks to delete them
    page, queries = _confirmation_of_all(admin_client, tasks)

    # Then the page counts them all and names DELETION_LISTED, in as many queries as for 30
    assert queries == few_queries
    assert "<li>300 task(s) of 6 owner(s)" in page
    assert page.count("<li>Task: <a href=") == DELETION_LISTED
    assert f"<li>... and {300 - DELETION_LISTED} more</li>" in page
    assert ("<li>30 task(s) of 3 owner(s)" in few, few.count("<li>Task: <a href="), "more</li>" in few) == (
        True,
        30,
        False,
    )
    # And its form carries the selection, not every id
    assert [(name, value) for name, value in _confirmation_form(page) if name != "csrfmiddlewaretoken"] == [
        ("select_across", "1"),
        ("_selected_action", str(tasks[0].pk)),
        ("_selected_action", str(tasks[1].pk)),
        ("action", "delete_selected"),
        ("post", "yes"),
    ]
    assert Task.objects.count() == 300


def test_confirming_deletes_every_task_the_lists_filter_matches_in_batches_with_their_history(
    admin_client, monkeypatch
):
    # Given 25 done and 5 to-do tasks, batches of 10
    done = _tasks(25, owners=4, status="done")
    kept = _tasks(5, owners=1, status="todo")
    monkeypatch.setattr(task_services, "TASKS_ADMIN_DELETE_BATCH_SIZE", 10)
    query = "?status__exact=done"
    page = _ask_to_delete_all(admin_client, done[:1], query).content.decode()

    # When the operator confirms on the page what its form holds
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.post(f"{reverse(CHANGELIST)}{query}", _posted(_confirmation_form(page)))

    # Then every done task is gone, in three DELETEs, and the to-do ones stay
    assert (response.status_code, response["Location"]) == (302, f"{reverse(CHANGELIST)}{query}")
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Successfully deleted 25 tasks."]
    assert sorted(Task.objects.values_list("pk", flat=True)) == sorted(task.pk for task in kept)
    deletes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('DELETE FROM "tasks_task"')]
    assert len(deletes) == 3
    # And the admin's history has one deletion per task, by the operator, as Django writes it
    history = LogEntry.objects.filter(action_flag=DELETION)
    assert sorted((entry.object_id, entry.object_repr) for entry in history) == sorted(
        (str(task.pk), task.title) for task in done
    )
    assert {entry.user.email for entry in history} == {"root@example.com"}


def test_the_confirmation_of_a_ticked_selection_sends_back_the_ids_ticked(admin_client):
    gone, kept = _tasks(2, owners=1)

    page = admin_client.post(
        reverse(CHANGELIST), {"action": "delete_selected", "index": "0", "_selected_action": [str(gone.pk)]}
    ).content.decode()
    response = admin_client.post(reverse(CHANGELIST), _posted(_confirmation_form(page)))

    assert ("select_across", "1") not in _confirmation_form(page)
    assert "<li>1 task(s) of 1 owner(s)" in page
    assert response.status_code == 302
    assert list(Task.objects.values_list("pk", flat=True)) == [kept.pk]


@pytest.mark.django_db(transaction=True)  # the reads are retired once each batch commits
def test_deleting_every_task_retires_each_owners_cached_reads(admin_client, monkeypatch):
    # Given two owners whose task lists are cached
    first, second = UserFactory(), UserFactory()
    Task.objects.bulk_create(Task(owner=owner, title="gone") for owner in (first, second) for _ in range(3))
    clients = [signed_in_client(owner)[0] for owner in (first, second)]
    for api in clients:
        assert len(api.get("/api/tasks/").json()["results"]) == 3  # now cached
    monkeypatch.setattr(task_services, "TASKS_ADMIN_DELETE_BATCH_SIZE", 4)

    # When an operator deletes every task
    page = _ask_to_delete_all(admin_client, list(Task.objects.all()[:1])).content.decode()
    assert admin_client.post(reverse(CHANGELIST), _posted(_confirmation_form(page))).status_code == 302

    # Then neither owner is served the tasks from the cache
    assert [api.get("/api/tasks/").json()["results"] for api in clients] == [[], []]


def test_an_operator_without_the_right_to_delete_tasks_is_refused_the_confirmation(client, user):
    from django.contrib.auth.models import Permission

    operator = UserFactory(is_staff=True)
    operator.user_permissions.add(*Permission.objects.filter(codename__in=["view_task", "change_task"]))
    client.force_login(operator)
    task = _tasks(1, owners=1)[0]

    response = client.post(
        reverse(CHANGELIST), {"action": "delete_selected", "_selected_action": [str(task.pk)], "post": "yes"}
    )

    # Then Django offers no delete action without the permission: the list is shown again, and nothing deleted
    assert response.status_code == 200
    assert "delete_selected" not in response.content.decode()
    assert Task.objects.filter(pk=task.pk).exists()


def test_the_delete_page_of_one_task_names_it_and_its_owner_and_deletes_it_with_its_history(admin_client):
    task = _tasks(1, owners=1)[0]
    url = reverse("admin:tasks_task_delete", args=[task.pk])

    page = admin_client.get(url)
    deleted = admin_client.post(url, {"post": "yes"})

    assert page.status_code == 200
    assert "<li>1 task(s) of 1 owner(s)" in page.content.decode()
    assert f"(owner {task.owner.email})</li>" in page.content.decode()
    assert (deleted.status_code, deleted["Location"]) == (302, reverse(CHANGELIST))
    assert not Task.objects.exists()
    [entry] = LogEntry.objects.filter(action_flag=DELETION)
    assert (entry.object_id, entry.object_repr) == (str(task.pk), task.title)
