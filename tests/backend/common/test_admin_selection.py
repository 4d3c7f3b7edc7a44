"""Admin URLs and forms holding something that is no id (every model has a UUID primary key): an action's selection
is answered as an empty one (backend/common/admin_selection.py), the admin's "view on site" link is a 404
(config/urls.py). Never a 500."""

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import get_messages
from django.urls import reverse

from backend.accounts.models import AuthSession
from backend.accounts.services import session_start
from backend.common.admin_lookups import LookupCheckingAdminMixin
from backend.common.admin_selection import SelectionCheckingAdminMixin
from backend.tasks.models import Task
from tests.factories import TaskFactory, UserFactory

pytestmark = pytest.mark.django_db

NOTHING_SELECTED = "Items must be selected in order to perform actions on them. No items have been changed."
MALFORMED = ["junk", "00000000-0000-0000-0000-00000000000g"]  # no UUID, no integer (Group)


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.mark.parametrize(
    ("changelist", "action", "confirmed"),
    [
        ("admin:tasks_task_changelist", "delete_selected", True),
        ("admin:tasks_task_changelist", "delete_selected", False),
        ("admin:accounts_user_changelist", "revoke_all_sessions", False),
        ("admin:accounts_user_changelist", "reset_second_factors", False),
        ("admin:accounts_user_changelist", "delete_selected", False),
        ("admin:accounts_authsession_changelist", "revoke_sessions", False),
        ("admin:auth_group_changelist", "delete_selected", False),
    ],
)
def test_an_action_on_a_selection_that_names_no_id_is_answered_as_an_empty_selection(
    admin_client, user, changelist, action, confirmed
):
    # Given a task and a live session, which the action must leave alone
    task = TaskFactory(owner=user)
    session = session_start(user=user).session
    url = reverse(changelist)
    form = {"action": action, "_selected_action": MALFORMED, **({"post": "yes"} if confirmed else {})}

    # When a hand-made POST selects values that spell no id
    response = admin_client.post(url, form)

    # Then the admin says nothing was selected, back on the list, and nothing changed
    assert (response.status_code, response["Location"]) == (302, url)
    assert _messages(response) == [NOTHING_SELECTED]
    assert Task.objects.filter(pk=task.pk).exists()
    assert AuthSession.objects.get(pk=session.pk).revoked_at is None


def test_the_well_formed_ids_of_a_selection_are_still_acted_on(admin_client):
    gone, kept = TaskFactory(), TaskFactory()
    url = reverse("admin:tasks_task_changelist")

    response = admin_client.post(
        url, {"action": "delete_selected", "_selected_action": ["junk", str(gone.pk)], "post": "yes"}
    )

    assert (response.status_code, response["Location"]) == (302, url)
    assert _messages(response) == ["Successfully deleted 1 task."]
    assert list(Task.objects.values_list("pk", flat=True)) == [kept.pk]


def test_every_admin_checks_its_selection_and_its_lookups():
    # Every registered admin has a list (with filters or a search) and actions (Django's "Delete selected" at least,
    # wherever deleting is allowed): each answers malformed input as above
    for model, model_admin in admin.site._registry.items():
        assert isinstance(model_admin, SelectionCheckingAdminMixin), model
        assert isinstance(model_admin, LookupCheckingAdminMixin), model


@pytest.mark.parametrize("object_id", ["junk", "1", "00000000-0000-0000-0000-000000000000"])
def test_the_admins_view_on_site_link_is_a_404_for_staff_whatever_the_id(client, object_id):
    # Given a staff member signed in to the admin (no model has a page on the site: no get_absolute_url)
    client.force_login(UserFactory(is_staff=True))
    task_type = ContentType.objects.get_for_model(Task)

    # When they open the "view on site" URL with a malformed id, or one that names nothing
    responses = [client.get(f"/admin/r/{content_type}/{object_id}/") for content_type in (task_type.pk, "junk")]

    # Then it is not found
    assert [response.status_code for response in responses] == [404, 404]


def test_the_view_on_site_link_of_an_existing_task_is_a_404_too(client, user):
    client.force_login(UserFactory(is_staff=True))
    task = TaskFactory(owner=user)

    response = client.get(f"/admin/r/{ContentType.objects.get_for_model(Task).pk}/{task.pk}/")

    assert response.status_code == 404
