"""Rotating SECRET_KEY: with the old key in SECRET_KEY_FALLBACKS, what was keyed with it still works (emailed links,
a pending email change, device cookies, a refresh retried within the grace window, reset links); without it, none
does. Links are read from the messages received over real SMTP and followed through the API."""

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.http import HttpResponse
from django.test import RequestFactory
from rest_framework.test import APIClient

from backend.accounts.cookies import device_cookie_get, device_cookie_name, device_cookie_set
from backend.accounts.login_limits import device_account, device_accounts
from backend.common.background import wait_for_background_jobs
from tests.backend.accounts.helpers import (
    email_change_ask,
    email_change_confirm,
    email_change_link_token,
    email_change_pending,
    login,
    refresh,
    refresh_cookie,
)
from tests.conftest import signed_in_client
from tests.support.smtp import link_in, link_params

pytestmark = pytest.mark.django_db(transaction=True)  # email is sent, and sessions cached, on commit

NEW_KEY = "rotated-secret-key-" + "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH"
# Each test runs twice: the old key kept as a fallback, and dropped.
KEPT, DROPPED = "old key kept", "old key dropped"


@pytest.fixture(params=[KEPT, DROPPED])
def rotation(request, settings):
    """A function that rotates SECRET_KEY as an operator does: a new key, the old one moved to the fallbacks (or
    not); returns whether the old key is kept."""
    kept = request.param == KEPT

    def rotate() -> bool:
        old = settings.SECRET_KEY
        settings.SECRET_KEY = NEW_KEY
        settings.SECRET_KEY_FALLBACKS = [old] if kept else []
        return kept

    return rotate


def test_a_verification_link_mailed_before_the_rotation(rotation, api_client, smtp):
    # Given a registration whose verification link was mailed under the old key
    response = api_client.post(
        "/api/auth/register/", {"email": "new@example.com", "password": "a-Long-pass-9"}, format="json"
    )
    assert response.status_code == 201
    link = link_in(smtp.wait_for(to="new@example.com", subject="Confirm your email address")[-1], "/verify-email")

    # When SECRET_KEY rotates, then the link is followed
    kept = rotation()
    response = APIClient().post("/api/auth/email/verify/", {"token": link_params(link)["token"]}, format="json")

    # Then it verifies the address while the old key is listed, and is an invalid link once it is not
    if kept:
        assert response.status_code == 200, response.content
    else:
        assert (response.status_code, response.json()["code"]) == (400, "link_invalid")


def test_an_email_change_asked_before_the_rotation(rotation, owner, smtp):
    # Given an email change asked, and its link mailed, under the old key
    client, _ = signed_in_client(owner)
    assert email_change_ask(client, "moved@example.com").status_code == 202
    token = email_change_link_token(smtp, "moved@example.com")

    # When SECRET_KEY rotates
    kept = rotation()

    # Then the account page still shows the change, and its link still confirms it, only while the old key is listed
    pending = email_change_pending(client)
    response = email_change_confirm(token)
    if kept:
        assert pending is not None
        assert pending["new_email"] == "moved@example.com"
        assert response.status_code == 200, response.content
        owner.refresh_from_db()
        assert owner.email == "moved@example.com"
    else:
        assert pending is None
        assert (response.status_code, response.json()["code"]) == (400, "link_invalid")


def test_a_device_cookie_set_before_the_rotation(rotation, user):
    # Given a browser that signed in under the old key: its device cookie names the account by that key
    response = HttpResponse()
    device_cookie_set(response, account=device_account(user))
    request = RequestFactory().get("/")
    request.COOKIES[device_cookie_name()] = response.cookies[device_cookie_name()].value

    # When SECRET_KEY rotates
    kept = rotation()

    # Then the browser is still a known device of the account (no new-sign-in notice, its own sign-in bucket) only
    # while the old key is listed; a cookie set now names the account by the new key
    assert (device_cookie_get(request, accounts=device_accounts(user)) is not None) is kept
    assert device_account(user) == device_accounts(user)[0]
    assert len(device_accounts(user)) == (2 if kept else 1)


def test_a_refresh_retried_within_the_grace_window_across_the_rotation(rotation, api_client, user, settings):
    # Given a session whose refresh token was rotated under the old key (its child is derived with that key)
    parent = refresh_cookie(login(api_client, user.email))
    child = refresh_cookie(refresh(api_client))

    # When SECRET_KEY rotates, then the parent is presented again within the window (a response lost in transit)
    kept = rotation()
    retry = APIClient()
    retry.cookies[settings.REFRESH_COOKIE_NAME] = parent
    response = refresh(retry)

    # Then the same child comes back while the old key is listed; without it the retry looks like reuse
    if kept:
        assert response.status_code == 200, response.content
        assert refresh_cookie(response) == child
    else:
        assert (response.status_code, response.json()["code"]) == (401, "refresh_token_reused")
    wait_for_background_jobs()  # the reuse notice, encrypted under the new key, before the settings are restored


def test_a_password_reset_link_made_before_the_rotation(rotation, user):
    # (Django's reset tokens check SECRET_KEY_FALLBACKS themselves: the promise the rotation procedure relies on)
    token = default_token_generator.make_token(user)

    kept = rotation()

    assert default_token_generator.check_token(user, token) is kept
