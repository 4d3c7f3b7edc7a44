"""An operator changing their own password in the admin (``/admin/password_change/``), and ``manage.py
changepassword``: the same change as the API's, which signs the account out everywhere else, is recorded, is told
to the owner, and cannot be guessed at without limit."""

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from backend.accounts.management.commands.changepassword import Command as ChangePassword
from backend.accounts.models import AuthSession, User
from backend.accounts.services import session_start
from backend.audit.models import AuditEvent
from tests.backend.accounts.helpers import bearer, refresh
from tests.support.smtp import text_body

pytestmark = pytest.mark.django_db(transaction=True)  # emails and audit events are sent on commit

OLD = "an-Admin-passphrase-1"
NEW = "a-New-admin-phrase-2"
PAGE = "/admin/password_change/"


@pytest.fixture
def operator() -> User:
    return User.objects.create_superuser(email="op@example.com", password=OLD)


def _admin_browser(user: User) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def _change(browser: Client, old: str = OLD, new: str = NEW):
    return browser.post(PAGE, {"old_password": old, "new_password1": new, "new_password2": new})


def test_a_wrong_old_password_changes_nothing_and_is_recorded(operator):
    browser = _admin_browser(operator)

    response = _change(browser, old="not-the-password")

    assert response.status_code == 200  # the form again, with its error
    operator.refresh_from_db()
    assert operator.check_password(OLD)
    assert AuditEvent.objects.filter(user=operator, event=AuditEvent.Event.PASSWORD_CHECK_FAILED).count() == 1


def test_wrong_old_passwords_are_limited_like_sign_ins(operator, rates):
    rates(login_email_ip="3/15m")
    browser = _admin_browser(operator)

    answers = [_change(browser, old=f"wrong-{attempt}").status_code for attempt in range(3)]
    refused = _change(browser)  # the right one, once over the limit

    assert answers == [200, 200, 200]
    assert refused.status_code == 429
    operator.refresh_from_db()
    assert operator.check_password(OLD)


def test_a_new_password_refused_after_the_right_old_one_is_no_failed_sign_in(operator, rates):
    # (a typo in the confirmation, or a new password too weak, must not lock the operator out)
    rates(login_email_ip="2/15m")
    browser = _admin_browser(operator)

    refused = [
        browser.post(PAGE, {"old_password": OLD, "new_password1": NEW, "new_password2": NEW + "x"}).status_code
        for _ in range(3)
    ]

    assert refused == [200, 200, 200]
    assert _change(browser).status_code == 302


def test_the_browser_that_changed_it_stays_a_known_device(operator, rates):
    from tests.backend.accounts.test_login_limits import DEVICE_COOKIE

    rates(login_email_ip="1/15m")
    browser = _admin_browser(operator)

    response = _change(browser)

    # Its new device cookie puts its failed sign-ins on its own bucket, not on the per-address one (one guess)
    assert response.status_code == 302
    api = APIClient()
    api.cookies[DEVICE_COOKIE] = response.cookies[DEVICE_COOKIE].value
    guesses = [
        api.post("/api/auth/login/", {"email": operator.email, "password": f"wrong-{n}"}, format="json")
        for n in range(3)
    ]
    assert [guess.status_code for guess in guesses] == [401, 401, 401]


def test_changing_it_signs_every_api_session_out_keeps_this_admin_session_and_tells_the_owner(operator, smtp):
    # Given a staff member signed in to the API (say, a stolen refresh token) and to the admin
    api = session_start(user=operator)
    browser = _admin_browser(operator)

    # When they change their password on the admin's page
    response = _change(browser)

    # Then it changed, every API session is revoked, this admin session goes on, and it is recorded and announced
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:password_change_done")
    operator.refresh_from_db()
    assert operator.check_password(NEW)
    assert AuthSession.objects.get(pk=api.session.pk).revoked_at is not None
    thief = APIClient()
    thief.cookies[settings.REFRESH_COOKIE_NAME] = api.tokens.refresh
    assert refresh(thief).status_code == 401
    assert bearer(APIClient(), api.tokens.access).get("/api/auth/me/").status_code == 401
    assert browser.get(reverse("admin:index")).status_code == 200
    assert AuditEvent.objects.filter(user=operator, event=AuditEvent.Event.PASSWORD_CHANGED).count() == 1
    [notice] = smtp.wait_for(to="op@example.com")
    assert notice["Subject"] == "Your password was changed"
    assert NEW not in text_body(notice)


def test_the_page_still_needs_a_signed_in_staff_member():
    response = Client().get(PAGE)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_changepassword_signs_the_account_out_everywhere_and_tells_its_owner(user, smtp, monkeypatch):
    # Given an account signed in on a device, and an operator who types its address as it was registered, in capitals
    api = session_start(user=user)
    monkeypatch.setattr(ChangePassword, "_get_pass", lambda self, prompt="": NEW)

    call_command("changepassword", user.email.upper())

    # Then the password is set, the session is revoked, and the owner is told that an administrator set it
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert AuthSession.objects.get(pk=api.session.pk).revoked_at is not None
    [notice] = smtp.wait_for(to=user.email)
    assert notice["Subject"] == "An administrator set a new password for your account"


def test_createsuperuser_without_input_refuses_a_weak_password_and_takes_a_strong_one(monkeypatch):
    from django.core.management import CommandError

    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "123")
    with pytest.raises(CommandError, match="DJANGO_SUPERUSER_PASSWORD is too weak: "):
        call_command("createsuperuser", "--noinput", "--email", "weak@example.com")
    assert not User.objects.filter(email="weak@example.com").exists()

    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", NEW)
    call_command("createsuperuser", "--noinput", "--email", "strong@example.com", stdout=StringIO())
    assert User.objects.get(email="strong@example.com").is_superuser
