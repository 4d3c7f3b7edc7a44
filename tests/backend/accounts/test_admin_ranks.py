"""Operators' ranks in the user admin: only a superuser grants rights or acts on another operator's account."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from backend.accounts.models import AuthSession, User
from backend.accounts.services import session_start
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)  # sessions are revoked on commit

PASSWORD = "an-Admin-passphrase-1"


def _staff(*codenames: str) -> User:
    staff = User.objects.create_user(email="staff@example.com", password=PASSWORD, is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(content_type__app_label="accounts", codename__in=codenames))
    return staff


@pytest.fixture
def staff_client(client):
    client.force_login(_staff("view_user", "change_user", "delete_user", "view_authsession"))
    return client


@pytest.fixture
def root() -> User:
    return User.objects.create_superuser(email="root@example.com", password=PASSWORD)


def _live_sessions(user: User) -> int:
    return AuthSession.objects.filter(user=user, revoked_at__isnull=True).count()


def _edit_form(user: User, **changes: str) -> dict[str, str]:
    form = {"email": user.email, "name": user.name, "is_active": "on"}
    form.update({"date_joined_0": "2026-01-01", "date_joined_1": "00:00:00", **changes})
    return form


def test_staff_cannot_make_themselves_superuser_or_grant_themselves_permissions(staff_client):
    staff = User.objects.get(email="staff@example.com")
    every_permission = [str(pk) for pk in Permission.objects.values_list("pk", flat=True)]

    response = staff_client.post(
        reverse("admin:accounts_user_change", args=[staff.pk]),
        {**_edit_form(staff, name="Renamed", is_staff="on", is_superuser="on"), "user_permissions": every_permission},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    staff.refresh_from_db()
    assert staff.name == "Renamed"  # their own profile stays theirs to edit
    assert staff.is_superuser is False
    assert staff.user_permissions.count() == 4


def test_staff_cannot_set_another_operators_password_edit_or_delete_them(staff_client, root):
    password_page = reverse("admin:auth_user_password_change", args=[root.pk])

    set_password = staff_client.post(password_page, {"password1": "a-Taken-over-7", "password2": "a-Taken-over-7"})
    edit = staff_client.post(reverse("admin:accounts_user_change", args=[root.pk]), _edit_form(root, name="Mine"))
    delete = staff_client.post(reverse("admin:accounts_user_delete", args=[root.pk]), {"post": "yes"})
    reset = staff_client.post(reverse("admin:accounts_user_reset_second_factors", args=[root.pk]))

    assert (set_password.status_code, edit.status_code, delete.status_code, reset.status_code) == (403, 403, 403, 403)
    root.refresh_from_db()
    assert root.check_password(PASSWORD)
    assert root.name != "Mine"


def test_staff_bulk_actions_refuse_a_selection_with_another_operator_and_change_nothing(staff_client, root):
    plain = UserFactory()
    session_start(user=root)
    session_start(user=plain)
    changelist = reverse("admin:accounts_user_changelist")
    selection = [str(root.pk), str(plain.pk)]

    revoke = staff_client.post(
        changelist, {"action": "revoke_all_sessions", "_selected_action": selection}, follow=True
    )
    delete = staff_client.post(
        changelist, {"action": "delete_selected", "_selected_action": selection, "post": "yes"}, follow=True
    )

    assert "Only a superuser can act on another operator" in revoke.content.decode()
    assert delete.status_code == 403
    assert (_live_sessions(root), _live_sessions(plain)) == (1, 1)
    assert User.objects.filter(pk__in=selection).count() == 2


def test_staff_still_manage_users_who_are_not_operators(staff_client):
    plain = UserFactory()
    session_start(user=plain)

    response = staff_client.post(
        reverse("admin:auth_user_password_change", args=[plain.pk]),
        {"password1": "a-New-user-phrase-3", "password2": "a-New-user-phrase-3"},
    )

    assert response.status_code == 302
    plain.refresh_from_db()
    assert plain.check_password("a-New-user-phrase-3")
    assert _live_sessions(plain) == 0


def test_a_superuser_acts_on_other_operators(client, root):
    client.force_login(root)
    staff = _staff("view_user")
    session_start(user=staff)

    client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "revoke_all_sessions", "_selected_action": [str(staff.pk)]},
    )

    assert _live_sessions(staff) == 0


def test_seeing_users_or_sessions_is_not_the_right_to_sign_them_out(client):
    client.force_login(_staff("view_user", "view_authsession"))
    target = UserFactory()
    session = session_start(user=target).session

    client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "revoke_all_sessions", "_selected_action": [str(target.pk)]},
    )
    client.post(
        reverse("admin:accounts_authsession_changelist"),
        {"action": "revoke_sessions", "_selected_action": [str(session.pk)]},
    )

    assert _live_sessions(target) == 1


@pytest.mark.parametrize("spell", [lambda pk: pk.hex, lambda pk: str(pk).upper()], ids=["no-dashes", "capitals"])
def test_an_operators_own_password_page_under_another_spelling_of_their_id_still_asks_for_the_old_one(client, spell):
    operator = User.objects.create_superuser(email="self@example.com", password=PASSWORD)
    client.force_login(operator)
    page = reverse("admin:auth_user_password_change", args=[spell(operator.pk)])

    posted = client.post(page, {"password1": "a-New-admin-phrase-2", "password2": "a-New-admin-phrase-2"})

    assert posted.status_code == 302
    assert posted["Location"] == reverse("admin:password_change")
    operator.refresh_from_db()
    assert operator.check_password(PASSWORD)


def test_staff_cannot_grant_permissions_through_a_group_they_belong_to(client, root):
    from django.contrib.auth.models import Group

    staff = User.objects.create_user(email="grouped@example.com", password=PASSWORD, is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(codename__in=["view_group", "change_group", "add_group"]))
    support = Group.objects.create(name="Support")
    staff.groups.add(support)
    client.force_login(staff)
    every_permission = [str(pk) for pk in Permission.objects.values_list("pk", flat=True)]

    change = client.post(
        reverse("admin:auth_group_change", args=[support.pk]), {"name": "Support", "permissions": every_permission}
    )
    add = client.post(reverse("admin:auth_group_add"), {"name": "Mine", "permissions": every_permission})

    assert (change.status_code, add.status_code) == (403, 403)
    assert support.permissions.count() == 0
    assert not Group.objects.filter(name="Mine").exists()
    assert client.get(reverse("admin:auth_group_change", args=[support.pk])).status_code == 200  # still seen


def test_a_superuser_edits_groups(client, root):
    from django.contrib.auth.models import Group

    client.force_login(root)
    permission = Permission.objects.get(codename="view_user")

    response = client.post(reverse("admin:auth_group_add"), {"name": "Readers", "permissions": [str(permission.pk)]})

    assert response.status_code == 302
    assert list(Group.objects.get(name="Readers").permissions.all()) == [permission]
