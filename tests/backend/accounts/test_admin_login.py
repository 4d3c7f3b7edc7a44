"""The admin login form is rate limited like the API login, so it is no side door for password guessing."""

import re

import pytest
from django.test import Client

from backend.accounts.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "an-Admin-passphrase-1"


@pytest.fixture
def staff(db):
    return User.objects.create_superuser(email="ops@example.com", password=PASSWORD)


def _post_login(client: Client, email: str, password: str):
    return client.post("/admin/login/", {"username": email, "password": password, "next": "/admin/"})


def test_failed_admin_logins_lock_the_email_for_the_right_password_too(staff, rates):
    rates(login_email="2/15m", login_ip="100/1m")
    for n in range(2):
        assert _post_login(Client(REMOTE_ADDR=f"198.51.100.{n}"), staff.email, "wrong").status_code == 200

    response = _post_login(Client(REMOTE_ADDR="198.51.100.50"), staff.email, PASSWORD)

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 60


def test_admin_logins_are_limited_per_ip(staff, rates):
    rates(login_ip="2/1m", login_email="100/15m")
    client = Client(REMOTE_ADDR="198.51.100.60")
    statuses = [_post_login(client, f"guess{n}@example.com", "wrong").status_code for n in range(3)]

    assert statuses == [200, 200, 429]


def test_a_successful_admin_login_still_signs_in_and_is_not_counted_against_the_email(staff, rates):
    rates(login_email="1/15m", login_ip="100/1m")
    for _ in range(3):
        response = _post_login(Client(), staff.email, PASSWORD)
        assert response.status_code == 302
        assert response["Location"] == "/admin/"


def test_the_login_page_itself_is_never_limited(rates):
    rates(login_ip="1/1m")

    statuses = [Client().get("/admin/login/").status_code for _ in range(3)]

    assert statuses == [200, 200, 200]


def test_a_variant_spelling_of_the_email_does_not_get_a_fresh_bucket(staff, rates):
    rates(login_email="2/15m", login_ip="100/1m")
    for _ in range(2):
        _post_login(Client(), staff.email, "wrong")
    fullwidth_o = staff.email.replace("o", "\uff4f", 1)  # NFKC folds it back to "o"

    response = _post_login(Client(), fullwidth_o, PASSWORD)

    assert response.status_code == 429


def test_failed_guesses_by_someone_already_signed_in_still_count(staff, rates):
    rates(login_email="2/15m", login_ip="100/1m")
    User.objects.create_user(email="victim@example.com", password="a-Victim-passphrase-7")
    client = Client()
    client.force_login(staff)

    statuses = [_post_login(client, "victim@example.com", "wrong").status_code for _ in range(3)]

    assert statuses == [200, 200, 429]


@pytest.mark.parametrize("padding", [" " * 240, " " * 245, "\t" * 250, " " * 300])
def test_leading_whitespace_does_not_get_a_fresh_bucket(staff, rates, padding):
    # Given two failed admin sign-ins for the plain address
    rates(login_email="2/15m", login_ip="100/1m")
    for _ in range(2):
        _post_login(Client(), staff.email, "wrong")

    # When the right password comes with the address padded by whitespace (which Django's form strips)
    response = _post_login(Client(), padding + staff.email, PASSWORD)

    # Then it counts against the same, exhausted, bucket
    assert response.status_code == 429


def test_guesses_at_the_api_and_the_admin_never_lock_an_operator_out_of_a_browser_they_signed_in_from(staff, rates):
    from django.conf import settings
    from rest_framework.test import APIClient

    # Given an operator who signed in to the admin from this browser before, and signed out
    rates(login_email="3/15m", login_email_ip="2/15m")
    browser = Client(REMOTE_ADDR="203.0.113.30")
    assert _post_login(browser, staff.email, PASSWORD).status_code == 302
    del browser.cookies[settings.SESSION_COOKIE_NAME]
    # and guesses at their address from many others, through the API and the admin, until unknown devices are locked
    for n in range(3):
        APIClient(REMOTE_ADDR=f"198.51.100.{n}").post(
            "/api/auth/login/", {"email": staff.email, "password": "wrong"}, format="json"
        )
        _post_login(Client(REMOTE_ADDR=f"198.51.100.{n + 10}"), staff.email, "wrong")
    assert _post_login(Client(REMOTE_ADDR="198.51.100.99"), staff.email, PASSWORD).status_code == 429

    # When the operator signs in from their browser
    response = _post_login(browser, staff.email, PASSWORD)

    # Then they are in
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_a_locked_out_admin_sign_in_says_how_long_to_wait_and_where_to_reset_the_password(staff, rates):
    rates(login_email_ip="1/15m")
    _post_login(Client(REMOTE_ADDR="198.51.100.5"), staff.email, "wrong")

    response = _post_login(Client(REMOTE_ADDR="198.51.100.5"), staff.email, PASSWORD)

    assert response.status_code == 429
    text = response.content.decode()
    assert re.search(r"Try again in 1[45] minutes, or reset your password", text), text
    assert "http://testserver/forgot-password" in text
