"""The operator admin for tasks."""

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from backend.tasks.models import Task
from backend.tasks.services import task_admin_save, task_create, task_update
from tests.conftest import signed_in_client
from tests.factories import TaskFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:tasks_task_changelist"
STALE = "This task was changed since you opened it"  # the start of the form's error (admin.STALE_FORM_MESSAGE)


class _ChangeForm(HTMLParser):
    """The values a browser submits from the admin's task form as served: inputs, selected options, and textareas
    as a browser reads them (the one line break after <textarea> dropped, line breaks sent as CRLF)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.values: dict[str, str] = {}
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {key: value or "" for key, value in attrs}
        if tag == "input" and attr.get("name") and attr.get("type") not in ("submit", "checkbox"):
            self.values[attr["name"]] = attr.get("value", "")
        elif tag == "textarea":
            self._textarea = attr["name"]
            self.values[self._textarea] = ""
        elif tag == "select":
            self._select = attr["name"]
        elif tag == "option" and self._select and "selected" in attr:
            self.values[self._select] = attr["value"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea:
            text = self.values[self._textarea].replace("\r\n", "\n").replace("\r", "\n")
            self.values[self._textarea] = text.removeprefix("\n").replace("\n", "\r\n")
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea] += data


def _open_change_form(admin_client, task: Task) -> dict[str, str]:
    """What the operator's browser would post back from the task's change page, opened now, if they changed nothing."""
    response = admin_client.get(reverse("admin:tasks_task_change", args=[task.pk]))
    assert response.status_code == 200
    form = _ChangeForm()
    form.feed(response.content.decode())
    return {name: value for name, value in form.values.items() if name != "csrfmiddlewaretoken"}


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

    done = admin_client.post(url, {**_open_change_form(admin_client, task), "status": "done"})
    task.refresh_from_db()
    completed_at = task.completed_at
    reopened = admin_client.post(url, {**_open_change_form(admin_client, task), "status": "todo"})

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
    form = _open_change_form(admin_client, task)

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


# Saving a task in the admin writes what the operator changed, and nothing else.


@pytest.mark.parametrize(
    "description",
    ["  indented first line\nsecond line\n\n", "sent with CRLF\r\nby an API client\r\n", "\nstarts with a line break"],
)
def test_a_status_only_save_keeps_the_description_exactly_as_the_api_stored_it(admin_client, user, description):
    task = task_create(owner=user, title="keep my text", description=description)
    form = _open_change_form(admin_client, task)
    assert "\r\n" in form["description"]  # as a browser sends it

    response = admin_client.post(reverse("admin:tasks_task_change", args=[task.pk]), {**form, "status": "in_progress"})

    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.description) == ("in_progress", description)


def test_a_description_of_the_apis_maximum_length_with_line_breaks_can_be_saved(admin_client, user):
    description = "line of text\n" * 769 + "x" * 3
    assert len(description) == 10_000
    task = task_create(owner=user, title="long notes", description=description)
    form = _open_change_form(admin_client, task)
    assert len(form["description"]) == 10_769  # sent as CRLF

    response = admin_client.post(reverse("admin:tasks_task_change", args=[task.pk]), {**form, "status": "done"})

    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.description) == ("done", description)


def test_a_description_edited_in_the_admin_is_stored_with_the_line_breaks_the_api_uses(admin_client, user):
    task = task_create(owner=user, title="notes", description="old")
    form = _open_change_form(admin_client, task)

    response = admin_client.post(
        reverse("admin:tasks_task_change", args=[task.pk]), {**form, "description": "  new\r\n\r\nnotes\r\n"}
    )

    assert response.status_code == 302
    task.refresh_from_db()
    assert task.description == "  new\n\nnotes\n"


def test_a_save_that_changes_nothing_writes_nothing(admin_client, user):
    task = task_create(owner=user, title="as it is", description="  kept\nas is ")
    task.refresh_from_db()
    form = _open_change_form(admin_client, task)

    response = admin_client.post(reverse("admin:tasks_task_change", args=[task.pk]), form)

    assert response.status_code == 302
    before = (task.version, task.updated_at)
    task.refresh_from_db()
    assert (task.version, task.updated_at) == before


def test_a_save_after_the_owner_changed_the_task_is_refused_and_writes_nothing(admin_client, user):
    task = task_create(owner=user, title="old title")
    form = _open_change_form(admin_client, task)  # the operator opens the task,
    owner_client, _ = signed_in_client(user)
    renamed = owner_client.patch(f"/api/tasks/{task.pk}/", {"title": "new title by owner"}, format="json")
    assert renamed.status_code == 200  # the owner renames it,
    task.refresh_from_db()
    after_rename = (task.title, task.status, task.version, task.updated_at)

    # and the operator saves a status change made on the page as it was opened.
    response = admin_client.post(reverse("admin:tasks_task_change", args=[task.pk]), {**form, "status": "done"})

    assert response.status_code == 200  # the form again, with its error
    assert STALE in response.content.decode()
    task.refresh_from_db()
    assert (task.title, task.status, task.version, task.updated_at) == after_rename


def test_a_save_from_a_page_without_the_opened_version_is_refused(admin_client, user):
    task = task_create(owner=user, title="old title")
    form = _open_change_form(admin_client, task)
    del form["opened_version"]  # a page opened before the admin sent it

    response = admin_client.post(reverse("admin:tasks_task_change", args=[task.pk]), {**form, "status": "done"})

    assert response.status_code == 200
    assert STALE in response.content.decode()
    task.refresh_from_db()
    assert task.status == "todo"


def test_a_write_that_lands_after_the_forms_check_keeps_the_fields_the_operator_left_alone(user):
    # The form's version check and the save are two steps: the save writes only the operator's fields.
    opened = task_create(owner=user, title="old title")
    task_update(task=Task.objects.get(pk=opened.pk), data={"title": "new title by owner", "priority": "high"})
    opened.status = "done"

    task_admin_save(task=opened, changed_fields=["status"], old_status="todo")

    opened.refresh_from_db()
    assert (opened.title, opened.priority, opened.status) == ("new title by owner", "high", "done")
    assert opened.completed_at is not None
    assert opened.version == 3


@pytest.mark.django_db(transaction=True)  # the cache is invalidated on commit
def test_an_edit_in_the_admin_is_saved_and_retires_the_owners_cached_reads(admin_client, user):
    task = task_create(owner=user, title="before")
    owner_client, _ = signed_in_client(user)
    assert [t["title"] for t in owner_client.get("/api/tasks/").json()["results"]] == ["before"]  # now cached
    form = _open_change_form(admin_client, task)

    response = admin_client.post(
        reverse("admin:tasks_task_change", args=[task.pk]), {**form, "title": "after", "priority": "high"}
    )

    assert response.status_code == 302
    listed = owner_client.get("/api/tasks/").json()["results"]
    assert [(t["title"], t["priority"]) for t in listed] == [("after", "high")]
