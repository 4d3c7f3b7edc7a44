"""The operator admin for tasks."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from backend.tasks.models import Task
from tests.conftest import signed_in_client
from tests.factories import TaskFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:tasks_task_changelist"


def test_task_admin_requires_staff(client, user):
    client.force_login(user)

    response = client.get(reverse(CHANGELIST))

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize("tasks", [1, 40])
def test_changelist_renders_with_bounded_queries_whatever_the_number_of_tasks(
    admin_client, django_assert_max_num_queries, tasks
):
    for n in range(tasks):
        TaskFactory(owner=UserFactory(email=f"owner{n}@example.com"), title=f"Task number {n}")

    with django_assert_max_num_queries(6):
        response = admin_client.get(reverse(CHANGELIST))

    assert response.status_code == 200
    content = response.content.decode()
    assert "owner0@example.com" in content
    assert "Task number 0" in content


def test_changelist_searches_title_and_owner_email(admin_client):
    TaskFactory(owner=UserFactory(email="alice@example.com"), title="Quarterly report")
    TaskFactory(owner=UserFactory(email="bob@example.com"), title="Groceries")

    by_title = admin_client.get(reverse(CHANGELIST), {"q": "quarterly"}).content.decode()
    by_email = admin_client.get(reverse(CHANGELIST), {"q": "bob@"}).content.decode()

    assert "Quarterly report" in by_title
    assert "Groceries" not in by_title
    assert "Groceries" in by_email
    assert "Quarterly report" not in by_email


@pytest.mark.parametrize(
    "query", [{"status__exact": "done"}, {"priority__exact": "high"}, {"due_date__isnull": "True"}]
)
def test_changelist_filters_render(admin_client, query):
    TaskFactory(status="done", priority="high")

    response = admin_client.get(reverse(CHANGELIST), query)

    assert response.status_code == 200


def test_change_page_renders_with_bounded_queries(admin_client, django_assert_max_num_queries):
    task = TaskFactory(due_date=timezone.localdate())

    with django_assert_max_num_queries(6):
        response = admin_client.get(reverse("admin:tasks_task_change", args=[task.pk]))

    assert response.status_code == 200
    assert task.title in response.content.decode()


def test_add_page_renders(admin_client):
    assert admin_client.get(reverse("admin:tasks_task_add")).status_code == 200


def test_marking_done_in_the_admin_sets_completed_at_and_reopening_clears_it(admin_client):
    task = TaskFactory(status="todo")
    url = reverse("admin:tasks_task_change", args=[task.pk])
    form = {"owner": str(task.owner_id), "title": task.title, "description": "", "priority": "medium", "due_date": ""}

    done = admin_client.post(url, {**form, "status": "done"})
    task.refresh_from_db()
    completed_at = task.completed_at
    reopened = admin_client.post(url, {**form, "status": "todo"})

    assert done.status_code == 302
    assert reopened.status_code == 302
    assert completed_at is not None
    task.refresh_from_db()
    assert (task.status, task.completed_at) == ("todo", None)


@pytest.mark.django_db(transaction=True)  # the cache is invalidated on commit
def test_moving_a_task_to_another_owner_in_the_admin_removes_it_from_the_old_owners_cached_reads(admin_client):
    task = TaskFactory(title="moved")
    old_owner, new_owner = task.owner, UserFactory()
    old_client, _ = signed_in_client(old_owner)
    assert [t["title"] for t in old_client.get("/api/tasks/").json()["results"]] == ["moved"]  # now cached
    assert old_client.get(f"/api/tasks/{task.pk}/").status_code == 200  # cached too
    form = {"title": "moved", "description": "", "status": "todo", "priority": "medium", "due_date": ""}

    response = admin_client.post(
        reverse("admin:tasks_task_change", args=[task.pk]), {**form, "owner": str(new_owner.pk)}
    )

    assert response.status_code == 302
    assert old_client.get("/api/tasks/").json()["results"] == []
    assert old_client.get(f"/api/tasks/{task.pk}/").status_code == 404
    new_client, _ = signed_in_client(new_owner)
    assert [t["title"] for t in new_client.get("/api/tasks/").json()["results"]] == ["moved"]


def test_adding_a_done_task_in_the_admin_sets_completed_at(admin_client, user):
    response = admin_client.post(
        reverse("admin:tasks_task_add"),
        {"owner": str(user.pk), "title": "Made by ops", "description": "", "status": "done", "priority": "low"},
    )

    assert response.status_code == 302
    task = Task.objects.get()
    assert (task.owner, task.status) == (user, "done")
    assert timezone.now() - task.completed_at < timedelta(minutes=1)


def test_delete_selected_action_deletes_only_the_selected_tasks(admin_client):
    gone, kept = TaskFactory(), TaskFactory()

    response = admin_client.post(
        reverse(CHANGELIST), {"action": "delete_selected", "_selected_action": [str(gone.pk)], "post": "yes"}
    )

    assert response.status_code == 302
    assert list(Task.objects.values_list("pk", flat=True)) == [kept.pk]
