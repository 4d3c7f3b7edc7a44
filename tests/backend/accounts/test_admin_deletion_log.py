"""The admin's history (django.contrib.admin LogEntry) after an account is deleted: no email, no id of it.

Django writes each admin action on a user with ``object_repr`` = the email (``User.__str__``) and ``object_id`` = the
pk, deletions included; services.user_delete scrubs the earlier rows and UserAdmin.log_deletions writes the
deletion's own row without either (docs/security.md, "Deleting an account").
"""

import pytest
from django.contrib import admin
from django.contrib.admin.models import CHANGE, DELETION, LogEntry
from django.test import RequestFactory
from django.urls import reverse

from backend.accounts.models import User
from tests.conftest import signed_in_client
from tests.factories import DEFAULT_PASSWORD, UserFactory

# Transactional: the deletion's notice and audit row are queued on commit, as in production.
pytestmark = pytest.mark.django_db(transaction=True)

DELETED_ACCOUNT_REPR = "deleted account"  # what the history shows in place of a deleted account's email


def _operator() -> User:
    return User.objects.get(email="root@example.com")  # the admin_client fixture's superuser


def _renamed_in_the_admin(admin_client, user: User, *, name: str) -> None:
    """A real change through the admin's change form: Django logs it with the user's email as ``object_repr``."""
    form = {"email": user.email, "name": name, "is_active": "on", "date_joined_0": "2026-01-01"}
    form["date_joined_1"] = "00:00:00"
    response = admin_client.post(reverse("admin:accounts_user_change", args=[user.pk]), form)
    assert response.status_code == 302, response.content.decode()[:2000]


def _history() -> list[tuple[int, str | None, str, str]]:
    return list(LogEntry.objects.values_list("action_flag", "object_id", "object_repr", "change_message"))


def _mentions(history: list[tuple[int, str | None, str, str]], text: str) -> bool:
    return any(text in (object_id or "") + object_repr + message for _, object_id, object_repr, message in history)


def test_given_an_operator_deletes_a_user_then_the_admin_history_keeps_neither_their_email_nor_their_id(
    admin_client,
):
    # Given a user an operator once changed in the admin (a row naming them by email and id)
    target = UserFactory(email="erase-me@example.com")
    _renamed_in_the_admin(admin_client, target, name="Renamed")
    target_id = str(target.pk)
    assert _mentions(_history(), "erase-me@example.com")

    # When the operator deletes the user on the admin's delete page
    response = admin_client.post(reverse("admin:accounts_user_delete", args=[target.pk]), {"post": "yes"})

    # Then the history still says which operator changed and then deleted a user, but no longer which one
    assert response.status_code == 302
    history = _history()
    assert not _mentions(history, "erase-me@example.com"), history
    assert not _mentions(history, target_id), history
    rows = LogEntry.objects.order_by("action_time").values_list("user_id", "action_flag", "object_id", "object_repr")
    operator_id = _operator().pk
    assert list(rows) == [
        (operator_id, CHANGE, None, DELETED_ACCOUNT_REPR),
        (operator_id, DELETION, None, DELETED_ACCOUNT_REPR),
    ]


def test_given_the_bulk_delete_action_then_the_admin_history_keeps_no_email_and_leaves_other_users_rows_alone(
    admin_client,
):
    # Given two users to delete and a bystander, each once changed in the admin
    first, second = UserFactory(email="first-gone@example.com"), UserFactory(email="second-gone@example.com")
    bystander = UserFactory(email="stays@example.com")
    for user in (first, second, bystander):
        _renamed_in_the_admin(admin_client, user, name="Renamed")
    deleted_ids = [str(first.pk), str(second.pk)]

    # When the operator deletes the two with "Delete selected users"
    response = admin_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "delete_selected", "_selected_action": deleted_ids, "post": "yes"},
    )

    # Then neither deleted address nor id is in the history, which records two deletions by the operator
    assert response.status_code == 302
    history = _history()
    for deleted in ("first-gone@example.com", "second-gone@example.com", *deleted_ids):
        assert not _mentions(history, deleted), history
    deletions = LogEntry.objects.filter(action_flag=DELETION).values_list("user_id", "object_id", "object_repr")
    assert list(deletions) == [(_operator().pk, None, DELETED_ACCOUNT_REPR)] * 2
    # And the bystander's row is as Django wrote it
    kept = LogEntry.objects.filter(object_id=str(bystander.pk)).values_list("action_flag", "object_repr")
    assert list(kept) == [(CHANGE, "stays@example.com")]


def test_given_a_user_deletes_their_own_account_then_the_admin_history_about_them_is_scrubbed_and_no_other(
    admin_client,
):
    # Given a user and another user, both once changed by an operator in the admin
    user, other = UserFactory(email="leaving@example.com"), UserFactory(email="other@example.com")
    _renamed_in_the_admin(admin_client, user, name="Renamed")
    _renamed_in_the_admin(admin_client, other, name="Renamed")
    user_id = str(user.pk)
    client, _ = signed_in_client(user)

    # When the user deletes their own account through the API
    response = client.delete("/api/auth/me/", {"current_password": DEFAULT_PASSWORD}, format="json")

    # Then the operator's row about them no longer names them, by address or by id; it still says who changed what
    assert response.status_code == 204
    history = _history()
    assert not _mentions(history, "leaving@example.com"), history
    assert not _mentions(history, user_id), history
    [scrubbed] = LogEntry.objects.exclude(object_id=str(other.pk))
    assert (scrubbed.user_id, scrubbed.action_flag, scrubbed.object_id, scrubbed.object_repr) == (
        _operator().pk,
        CHANGE,
        None,
        DELETED_ACCOUNT_REPR,
    )
    assert "Name" in scrubbed.get_change_message()
    # And the other user's row is untouched
    kept = LogEntry.objects.filter(object_id=str(other.pk)).values_list("action_flag", "object_repr")
    assert list(kept) == [(CHANGE, "other@example.com")]


def test_the_user_admin_writes_its_deletion_row_without_the_email_or_the_id_in_the_first_place(admin_client):
    # Given a user about to be deleted (Django calls log_deletions before delete_model / delete_queryset)
    target = UserFactory(email="about-to-go@example.com")
    request = RequestFactory().post("/")
    request.user = _operator()

    # When the user admin logs the deletion
    admin.site.get_model_admin(User).log_deletions(request, [target])

    # Then the row names the operator and the action, not the account: nothing is left to scrub afterwards
    rows = LogEntry.objects.values_list("user_id", "action_flag", "object_id", "object_repr")
    assert list(rows) == [(_operator().pk, DELETION, None, DELETED_ACCOUNT_REPR)]


def test_an_operators_edits_of_the_accounts_tasks_keep_no_title_once_it_is_deleted(admin_client):
    # Given an operator's edit of a task in the admin (logged with the task's title), and one of another user's
    from django.contrib.contenttypes.models import ContentType

    from backend.tasks.models import Task

    owner, bystander = UserFactory(email="erase-me@example.com"), UserFactory(email="stays@example.com")
    theirs = Task.objects.create(owner=owner, title="Diary of my divorce")
    other = Task.objects.create(owner=bystander, title="Kept as it is")
    task_type = ContentType.objects.get_for_model(Task)
    for task in (theirs, other):
        LogEntry.objects.create(
            user=_operator(), content_type=task_type, object_id=str(task.pk), object_repr=task.title, action_flag=CHANGE
        )

    # When the owner deletes their account
    client, _ = signed_in_client(owner)
    response = client.delete("/api/auth/me/", {"current_password": DEFAULT_PASSWORD}, format="json")

    # Then their task's row names no title and no id; the bystander's is untouched
    assert response.status_code == 204
    task_rows = LogEntry.objects.filter(content_type=task_type).values_list("object_id", "object_repr")
    assert sorted(task_rows, key=str) == sorted([(None, "deleted task"), (str(other.pk), "Kept as it is")], key=str)
