"""Notices from the operator admin: the owner hears of an operator's change to their sign-in, as of their own
(received over real SMTP)."""

import pytest
from django.urls import reverse

from tests.backend.accounts.helpers import admin_operator as _operator
from tests.factories import UserFactory
from tests.support.smtp import text_body

pytestmark = pytest.mark.django_db

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


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ("same@example.com", "Same@Example.com"),
        ("same@example.com", "same@\uff45xample.com"),  # a fullwidth "e", the same address once NFKC-normalized
        ("same@b\u00fccher.de", "SAME@xn--bcher-kva.de"),  # the IDNA spelling of the domain mail goes to
    ],
    ids=["capitals", "nfkc", "idna"],
)
@pytest.mark.django_db(transaction=True)
def test_the_same_address_retyped_otherwise_in_the_admin_is_no_change(admin_client, smtp, stored, typed):
    from backend.accounts.models import AuthSession
    from backend.accounts.services import session_start
    from backend.audit.models import AuditEvent
    from backend.common.background import wait_for_background_jobs

    # Given a signed-in account with a confirmed address
    target = UserFactory(email=stored, email_verified=True)
    session_start(user=target)

    # When an operator submits its form with the address spelled otherwise, the confirmed box still ticked
    response = _change_email(admin_client, target, typed, email_verified="on")

    # Then the address is the same one, still confirmed: no event, no notice, no session signed out
    assert response.status_code == 302, response.content.decode()[:2000]
    target.refresh_from_db()
    assert (target.email, target.email_verified) == (stored, True)
    wait_for_background_jobs()
    assert smtp.messages == []
    assert not AuditEvent.objects.filter(event=AuditEvent.Event.EMAIL_CHANGED).exists()
    assert AuthSession.objects.filter(user=target, revoked_at__isnull=True).count() == 1
