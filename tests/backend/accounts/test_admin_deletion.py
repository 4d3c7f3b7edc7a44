"""Deleting users in the operator admin: the same service as DELETE /api/auth/me/ (services.user_delete), the
operator as actor."""

import pytest
from django.urls import reverse

from backend.accounts.models import AuthSession
from backend.accounts.services import session_start
from tests.backend.accounts.helpers import admin_operator as _operator
from tests.backend.accounts.helpers import admin_signed_in as _admin_signed_in
from tests.backend.accounts.helpers import is_signed_out_of_the_admin as _is_signed_out_of_the_admin
from tests.factories import TaskFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_delete_confirmation_counts_what_goes_in_a_few_queries_and_asks_no_session_permission(
    admin_client, django_assert_max_num_queries
):
    target = UserFactory(email="target@example.com")
    TaskFactory.create_batch(30, owner=target, title="a task title")
    session_start(user=target)

    with django_assert_max_num_queries(12):
        response = admin_client.get(reverse("admin:accounts_user_delete", args=[target.pk]))

    assert response.status_code == 200
    assert response.context["perms_lacking"] == set()
    content = response.content.decode()
    assert '<input type="hidden" name="post" value="yes">' in content
    assert "target@example.com" in content
    assert "30 task(s)" in content
    assert "1 session(s), revoked at once" in content
    assert "a task title" not in content  # counted, not listed one by one


def test_the_bulk_delete_confirmation_counts_each_selected_user(admin_client):
    first, second = UserFactory(email="first@example.com"), UserFactory(email="second@example.com")
    TaskFactory.create_batch(2, owner=first)

    response = admin_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "delete_selected", "_selected_action": [str(first.pk), str(second.pk)]},
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert content.index("first@example.com") < content.index("2 task(s)") < content.index("second@example.com")
    assert list(response.context["model_count"]) == [("users", 2), ("tasks", 2), ("auth sessions", 0)]


@pytest.mark.django_db(transaction=True)
def test_deleting_a_user_in_the_admin_goes_through_the_account_deletion_service(admin_client, smtp):
    from backend.accounts.models import User
    from backend.audit.models import AuditEvent
    from backend.tasks.models import Task
    from tests.conftest import signed_in_client

    target = UserFactory(email="removed@example.com")
    TaskFactory.create_batch(3, owner=target)
    api, _ = signed_in_client(target)
    assert api.get("/api/tasks/").status_code == 200  # the session is cached as live

    response = admin_client.post(reverse("admin:accounts_user_delete", args=[target.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not User.objects.filter(pk=target.pk).exists()
    assert not Task.objects.filter(owner_id=target.pk).exists()
    refused = api.get("/api/tasks/")
    assert (refused.status_code, refused.json()["code"]) == (401, "session_revoked")
    [deleted] = AuditEvent.objects.filter(event=AuditEvent.Event.ACCOUNT_DELETED)
    assert (deleted.user_id, deleted.actor_id, deleted.email) == (None, _operator().pk, "")
    [notice] = smtp.wait_for(to="removed@example.com")
    assert notice["Subject"] == "Your account was deleted"


@pytest.mark.django_db(transaction=True)
def test_the_bulk_delete_action_deletes_each_selected_user_through_the_service(admin_client, smtp):
    from backend.accounts.models import AuthSession, User
    from backend.audit.models import AuditEvent
    from backend.tasks.models import Task

    first, second, bystander = UserFactory(), UserFactory(), UserFactory()
    for user in (first, second, bystander):
        TaskFactory.create_batch(2, owner=user)
        session_start(user=user)

    response = admin_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "delete_selected", "_selected_action": [str(first.pk), str(second.pk)], "post": "yes"},
    )

    assert response.status_code == 302
    assert set(User.objects.filter(pk__in=[first.pk, second.pk, bystander.pk])) == {bystander}
    assert Task.objects.filter(owner_id__in=[first.pk, second.pk]).count() == 0
    assert Task.objects.filter(owner=bystander).count() == 2
    assert AuthSession.objects.live().filter(user=bystander).count() == 1
    events = AuditEvent.objects.filter(event=AuditEvent.Event.ACCOUNT_DELETED)
    assert [(event.user_id, event.actor_id) for event in events] == [(None, _operator().pk)] * 2
    smtp.wait_for(to=first.email)
    smtp.wait_for(to=second.email)


@pytest.mark.django_db(transaction=True)
def test_an_operator_deleting_their_own_account_in_the_admin_is_signed_out_everywhere(client, smtp):
    from backend.accounts.models import User
    from backend.audit.models import AuditEvent
    from tests.conftest import signed_in_client

    # Given an operator signed in to the admin in two browsers and to the API, and a colleague in the admin
    operator = User.objects.create_superuser(email="self-deleting@example.com", password="an-Admin-passphrase-1")
    client.force_login(operator)
    other_browser = _admin_signed_in(operator)
    colleague_browser = _admin_signed_in(UserFactory(is_staff=True, is_superuser=True))
    api, _ = signed_in_client(operator)
    assert api.get("/api/auth/me/").status_code == 200  # the session is cached as live
    TaskFactory.create_batch(2, owner=operator)

    # When they delete their own account from its admin page
    response = client.post(reverse("admin:accounts_user_delete", args=[operator.pk]), {"post": "yes"})

    # Then it is deleted like anyone's (no error), and they are signed out of the admin in every browser
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:accounts_user_changelist")
    assert not User.objects.filter(pk=operator.pk).exists()
    assert not AuthSession.objects.filter(user_id=operator.pk).exists()
    assert _is_signed_out_of_the_admin(client)
    assert _is_signed_out_of_the_admin(other_browser)
    assert not _is_signed_out_of_the_admin(colleague_browser)
    # And their API session is refused at once
    refused = api.get("/api/auth/me/")
    assert (refused.status_code, refused.json()["code"]) == (401, "session_revoked")
    # And the deletion is recorded once, with no actor (a reference to the deleted account could not be stored),
    # no email and the request's address, and announced to the address
    [deleted] = AuditEvent.objects.filter(event=AuditEvent.Event.ACCOUNT_DELETED)
    assert (deleted.user_id, deleted.actor_id, deleted.email, deleted.session_id) == (None, None, "", None)
    assert deleted.ip_address == "127.0.0.1"
    [notice] = smtp.wait_for(to="self-deleting@example.com")
    assert notice["Subject"] == "Your account was deleted"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("own_account_listed", ["first", "last"])
def test_an_operator_deleting_their_own_account_with_others_in_the_bulk_action_records_every_deletion(
    client, smtp, own_account_listed
):
    from datetime import timedelta

    from django.utils import timezone

    from backend.accounts.models import User
    from backend.audit.models import AuditEvent

    # Given an operator who selects their own account and another one (the changelist lists the newest first)
    operator = User.objects.create_superuser(email="self-deleting@example.com", password="an-Admin-passphrase-1")
    other = UserFactory(email="other@example.com")
    newest_first = timedelta(days=1 if own_account_listed == "first" else -1)
    User.objects.filter(pk=operator.pk).update(date_joined=timezone.now() + newest_first)
    client.force_login(operator)

    # When they delete both with the bulk action
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "delete_selected", "_selected_action": [str(operator.pk), str(other.pk)], "post": "yes"},
    )

    # Then both accounts are gone, and both deletions are recorded: the other account's while the operator, its
    # actor, still existed (the actor then cleared with the operator's account, as every audit row's is)
    assert response.status_code == 302
    assert not User.objects.filter(pk__in=[operator.pk, other.pk]).exists()
    events = AuditEvent.objects.filter(event=AuditEvent.Event.ACCOUNT_DELETED)
    assert [(event.user_id, event.actor_id, event.email) for event in events] == [(None, None, "")] * 2
    assert _is_signed_out_of_the_admin(client)
    smtp.wait_for(to="self-deleting@example.com")
    smtp.wait_for(to="other@example.com")
