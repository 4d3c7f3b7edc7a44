"""The operator admin for users and sessions."""

import pytest
from django.test import Client
from django.urls import reverse

from backend.accounts.models import AuthSession
from backend.accounts.services import session_start
from tests.factories import TaskFactory, UserFactory
from tests.support.smtp import text_body

pytestmark = pytest.mark.django_db


def test_admin_requires_staff(client, user):
    client.force_login(user)
    response = client.get(reverse("admin:accounts_user_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_user_changelist_shows_task_counts_without_n_plus_one(admin_client, django_assert_max_num_queries):
    for tasks in (0, 2, 5):
        TaskFactory.create_batch(tasks, owner=UserFactory(email=f"owner{tasks}@example.com"))
    with django_assert_max_num_queries(8):
        response = admin_client.get(reverse("admin:accounts_user_changelist"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "owner5@example.com" in content
    assert '<td class="field-task_count">5</td>' in content


def test_user_search_by_email(admin_client):
    UserFactory(email="findme@example.com")
    UserFactory(email="hidden@example.com")
    response = admin_client.get(reverse("admin:accounts_user_changelist"), {"q": "findme"})
    assert "findme@example.com" in response.content.decode()
    assert "hidden@example.com" not in response.content.decode()


def test_user_add_and_change_pages_render(admin_client, user):
    assert admin_client.get(reverse("admin:accounts_user_add")).status_code == 200
    assert admin_client.get(reverse("admin:accounts_user_change", args=[user.pk])).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_revoke_all_sessions_action_revokes_every_session_of_the_selected_users(admin_client):
    target, bystander = UserFactory(), UserFactory()
    session_start(user=target)
    session_start(user=target)
    session_start(user=bystander)
    response = admin_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "revoke_all_sessions", "_selected_action": [str(target.pk)]},
        follow=True,
    )
    assert response.status_code == 200
    assert "Revoked 2 session(s)." in response.content.decode()
    assert not AuthSession.objects.filter(user=target, revoked_at__isnull=True).exists()
    assert AuthSession.objects.filter(user=bystander, revoked_at__isnull=True).count() == 1


@pytest.mark.django_db(transaction=True)
def test_deactivating_a_user_in_the_admin_revokes_their_sessions(admin_client):
    target = UserFactory(email="leaver@example.com", name="Leaver")
    session_start(user=target)
    url = reverse("admin:accounts_user_change", args=[target.pk])
    response = admin_client.post(
        url,
        {
            "email": target.email,
            "name": target.name,
            "is_staff": "",
            "is_active": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    target.refresh_from_db()
    assert target.is_active is False
    assert not AuthSession.objects.filter(user=target, revoked_at__isnull=True).exists()


@pytest.mark.parametrize(
    ("was_verified", "verified_box", "verified"),
    [(True, "on", False), (False, "on", True)],
    ids=["box-left-as-shown", "box-ticked-by-the-operator"],
)
def test_an_email_changed_in_the_admin_is_unverified_unless_the_operator_ticks_it(
    admin_client, was_verified, verified_box, verified
):
    # Given an account, and an operator who changes its address with the verified box as shown, or ticks it
    target = UserFactory(email="before@example.com", name="Moved", email_verified=was_verified)
    form = {"email": "after@example.com", "name": target.name, "is_active": "on", "email_verified": verified_box}
    form.update({"date_joined_0": "2026-01-01", "date_joined_1": "00:00:00"})

    response = admin_client.post(reverse("admin:accounts_user_change", args=[target.pk]), form)

    # Then the new address counts as verified only if the operator said so
    assert response.status_code == 302, response.content.decode()[:2000]
    target.refresh_from_db()
    assert (target.email, target.email_verified) == ("after@example.com", verified)


def test_session_admin_is_read_only_with_a_revoke_action(admin_client, user):
    session = session_start(user=user, user_agent="Safari").session
    changelist = admin_client.get(reverse("admin:accounts_authsession_changelist"))
    assert changelist.status_code == 200
    assert user.email in changelist.content.decode()
    assert admin_client.get(reverse("admin:accounts_authsession_add")).status_code == 403
    detail = admin_client.get(reverse("admin:accounts_authsession_change", args=[session.pk]))
    assert detail.status_code == 200
    assert 'name="user_agent"' not in detail.content.decode()  # rendered read-only, not as an input

    response = admin_client.post(
        reverse("admin:accounts_authsession_changelist"),
        {"action": "revoke_sessions", "_selected_action": [str(session.pk)]},
        follow=True,
    )
    assert response.status_code == 200
    session.refresh_from_db()
    assert session.revoked_at is not None


@pytest.mark.django_db(transaction=True)
def test_setting_a_password_in_the_admin_revokes_every_session(admin_client):
    target = UserFactory()
    session_start(user=target)
    response = admin_client.post(
        # Django names this URL after its own auth app, whatever the user model.
        reverse("admin:auth_user_password_change", args=[target.pk]),
        {"password1": "an-Operator-set-pass-9", "password2": "an-Operator-set-pass-9", "usable_password": "true"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    target.refresh_from_db()
    assert target.check_password("an-Operator-set-pass-9")
    assert not AuthSession.objects.filter(user=target, revoked_at__isnull=True).exists()


def _admin_signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    assert client.get(reverse("admin:index")).status_code == 200
    return client


def _is_signed_out_of_the_admin(client) -> bool:
    response = client.get(reverse("admin:index"))
    return response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.django_db(transaction=True)
def test_logout_all_also_ends_the_staff_members_admin_sessions(user):
    from tests.conftest import signed_in_client

    # Given a staff member signed in to the admin in two browsers and to the API, and another staff member
    user.is_staff = user.is_superuser = True
    user.save()
    colleague = UserFactory(is_staff=True, is_superuser=True)
    admin_browsers = [_admin_signed_in(user), _admin_signed_in(user)]
    colleague_browser = _admin_signed_in(colleague)
    api, _ = signed_in_client(user)

    # When they sign out everywhere through the API
    assert api.post("/api/auth/logout-all/").status_code == 204

    # Then their admin sessions are over too, and only theirs
    assert all(_is_signed_out_of_the_admin(browser) for browser in admin_browsers)
    assert not _is_signed_out_of_the_admin(colleague_browser)


@pytest.mark.django_db(transaction=True)
def test_the_revoke_all_sessions_action_also_ends_the_selected_users_admin_sessions(admin_client):
    # Given a staff member signed in to the admin
    target = UserFactory(is_staff=True, is_superuser=True)
    target_browser = _admin_signed_in(target)

    # When an operator revokes all of their sessions
    admin_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "revoke_all_sessions", "_selected_action": [str(target.pk)]},
    )

    # Then the target's admin session is over, and the operator's own goes on
    assert _is_signed_out_of_the_admin(target_browser)
    assert not _is_signed_out_of_the_admin(admin_client)


def test_an_operator_setting_their_own_password_in_the_user_admin_is_sent_to_the_page_that_asks_for_the_old_one(
    client,
):
    from backend.accounts.models import User

    # Given an operator signed in to the admin
    operator = User.objects.create_superuser(email="self@example.com", password="an-Admin-passphrase-1")
    client.force_login(operator)

    # When they open, or post to, the user admin's password page of their own account (no old password asked)
    page = reverse("admin:auth_user_password_change", args=[operator.pk])
    opened = client.get(page)
    posted = client.post(page, {"password1": "a-New-admin-phrase-2", "password2": "a-New-admin-phrase-2"})

    # Then they are sent to the admin's own "Change password" page, and nothing changed
    assert opened.status_code == posted.status_code == 302
    assert opened["Location"] == posted["Location"] == reverse("admin:password_change")
    operator.refresh_from_db()
    assert operator.check_password("an-Admin-passphrase-1")


# ------------------------------------------------------------------------------
# Deleting users: the same service as DELETE /api/auth/me/ (services.user_delete), the operator as actor
# ------------------------------------------------------------------------------
def _operator():
    from backend.accounts.models import User

    return User.objects.get(email="root@example.com")


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


# ------------------------------------------------------------------------------
# Notices: the owner hears of an operator's change to their sign-in, as of their own (received over real SMTP)
# ------------------------------------------------------------------------------
OPERATOR_SET_PASSWORD = "an-Operator-set-pass-9"


def _set_password(client, user, password: str = OPERATOR_SET_PASSWORD, *, usable: bool = True):
    form = {"password1": password, "password2": password, "usable_password": "true" if usable else "false"}
    if not usable:
        form["unset-password"] = "1"  # the admin's "Disable password-based authentication" button
    return client.post(reverse("admin:auth_user_password_change", args=[user.pk]), form)


@pytest.mark.django_db(transaction=True)
def test_a_password_an_operator_sets_is_told_to_the_owner_without_the_password(admin_client, smtp):
    # Given an account
    target = UserFactory(email="owner@example.com")

    # When an operator sets its password in the admin
    assert _set_password(admin_client, target).status_code == 302

    # Then its owner is told at their address, with the way back in but not the password
    [notice] = smtp.wait_for(to="owner@example.com")
    body = text_body(notice)
    assert notice["Subject"] == "An administrator set a new password for your account"
    assert "every session was signed out" in body
    assert "/forgot-password" in body
    assert OPERATOR_SET_PASSWORD not in body


@pytest.mark.django_db(transaction=True)
def test_password_sign_in_turned_off_by_an_operator_is_told_as_such(admin_client, smtp):
    target = UserFactory(email="owner@example.com")

    response = _set_password(admin_client, target, "", usable=False)

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:accounts_user_change", args=[target.pk])
    target.refresh_from_db()
    assert not target.has_usable_password()
    [notice] = smtp.wait_for(to="owner@example.com")
    assert notice["Subject"] == "Password sign-in was turned off for your account"


def _change_email(client, user, email: str, **flags: str):
    form = {"email": email, "name": user.name, "is_active": "on", **flags}
    form.update({"date_joined_0": "2026-01-01", "date_joined_1": "00:00:00"})
    return client.post(reverse("admin:accounts_user_change", args=[user.pk]), form)


@pytest.mark.django_db(transaction=True)
def test_an_email_an_operator_changes_is_told_to_the_old_address_and_audited(admin_client, smtp):
    from backend.audit.models import AuditEvent

    # Given an account
    target = UserFactory(email="before@example.com", name="Moved")

    # When an operator moves it to another address
    response = _change_email(admin_client, target, "after@example.com")

    # Then the old address is told, the new one is not, and the change is audited with the operator as actor
    assert response.status_code == 302, response.content.decode()[:2000]
    [notice] = smtp.wait_for(to="before@example.com")
    assert notice["Subject"] == "Your email address was changed"
    changed = "an administrator changed the email address of your account from before@example.com to after@example.com"
    assert changed in text_body(notice)
    assert [message["To"] for message in smtp.messages] == ["before@example.com"]
    [event] = AuditEvent.objects.filter(event=AuditEvent.Event.EMAIL_CHANGED)
    assert (event.user_id, event.actor_id) == (target.pk, _operator().pk)


@pytest.mark.django_db(transaction=True)
def test_an_operator_moving_their_own_account_is_told_at_the_old_address_too(client, smtp):
    # (a stolen admin session must not move the operator's account, then reset its password, unnoticed)
    from backend.accounts.models import User

    operator = User.objects.create_superuser(email="self@example.com", password="an-Admin-passphrase-1")
    client.force_login(operator)

    response = _change_email(client, operator, "elsewhere@example.com", is_staff="on", is_superuser="on")

    assert response.status_code == 302, response.content.decode()[:2000]
    [notice] = smtp.wait_for(to="self@example.com")
    assert notice["Subject"] == "Your email address was changed"


@pytest.mark.django_db(transaction=True)
def test_other_admin_edits_send_no_notice(admin_client, smtp):
    from backend.audit.models import AuditEvent
    from backend.common.background import wait_for_background_jobs

    target = UserFactory(email="same@example.com", name="Before")

    response = _change_email(admin_client, target, "same@example.com")  # the name changes, the address does not

    assert response.status_code == 302, response.content.decode()[:2000]
    wait_for_background_jobs()
    assert smtp.messages == []
    assert not AuditEvent.objects.filter(event=AuditEvent.Event.EMAIL_CHANGED).exists()
