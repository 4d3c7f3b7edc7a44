"""The operator admin for users and sessions."""

import pytest
from django.db import connection
from django.urls import reverse

from backend.accounts.models import AuthSession
from backend.accounts.services import session_start
from tests.backend.accounts.helpers import admin_signed_in as _admin_signed_in
from tests.backend.accounts.helpers import is_signed_out_of_the_admin as _is_signed_out_of_the_admin
from tests.factories import TaskFactory, UserFactory

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


@pytest.mark.django_db(transaction=True)
def test_moving_an_account_to_another_address_in_the_admin_signs_it_out_everywhere(admin_client):
    from backend.accounts.assurance import PASSWORD
    from backend.mfa.models import MfaChallenge
    from backend.mfa.services.challenges import challenge_open

    # Given an operator's account signed in to the API and the admin, with a sign-in's second step pending
    target = UserFactory(email="before@example.com", name="Moved", is_staff=True)
    session_start(user=target)
    target_browser = _admin_signed_in(target)
    challenge_open(purpose=MfaChallenge.Purpose.SIGN_IN, user=target, first_factor=PASSWORD)

    # When another operator moves it to another address
    form = {"email": "after@example.com", "name": target.name, "is_active": "on", "is_staff": "on"}
    form.update({"date_joined_0": "2026-01-01", "date_joined_1": "00:00:00"})
    response = admin_client.post(reverse("admin:accounts_user_change", args=[target.pk]), form)

    # Then every session of it is over, as after the owner's own change, and the pending step with them
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not AuthSession.objects.filter(user=target, revoked_at__isnull=True).exists()
    assert _is_signed_out_of_the_admin(target_browser)
    assert not MfaChallenge.objects.filter(user=target).exists()
    assert not _is_signed_out_of_the_admin(admin_client)


@pytest.mark.django_db(transaction=True)
def test_an_operator_moving_their_own_account_stays_signed_in_to_the_admin_they_did_it_from(client):
    from backend.accounts.models import User

    # Given an operator signed in to the admin here, in another browser and to the API
    operator = User.objects.create_superuser(email="self@example.com", password="an-Admin-passphrase-1")
    client.force_login(operator)
    other_browser = _admin_signed_in(operator)
    session_start(user=operator)

    # When they move their own account to another address
    form = {"email": "elsewhere@example.com", "name": "", "is_active": "on", "is_staff": "on", "is_superuser": "on"}
    form.update({"date_joined_0": "2026-01-01", "date_joined_1": "00:00:00"})
    response = client.post(reverse("admin:accounts_user_change", args=[operator.pk]), form)

    # Then their other sessions are over, and this one goes on (as after setting their own password)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not AuthSession.objects.filter(user=operator, revoked_at__isnull=True).exists()
    assert _is_signed_out_of_the_admin(other_browser)
    assert not _is_signed_out_of_the_admin(client)


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


@pytest.mark.parametrize("query", ["ip_address=zz", "ip_address__in=1.2.3.4,zz"])
def test_a_malformed_ip_address_filter_sends_the_session_list_back_to_its_error_page_instead_of_failing(
    admin_client, user, query
):
    # Given a session, from another address than the filter names
    session_start(user=user, ip_address="10.0.0.1")
    url = reverse("admin:accounts_authsession_changelist")

    # When an operator's URL filters on an IP address that is none
    response = admin_client.get(f"{url}?{query}")

    # Then the admin answers as for any other unusable lookup: back to the list, flagged ?e=1 (PostgreSQL's inet
    # column refuses the value; SQLite keeps addresses as text, where it is merely a value no row has)
    if connection.vendor == "postgresql":
        assert (response.status_code, response["Location"]) == (302, f"{url}?e=1")
    else:
        assert (response.status_code, list(response.context["cl"].result_list)) == (200, [])


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
