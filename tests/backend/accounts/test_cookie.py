"""The refresh cookie's attributes."""

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from tests.backend.accounts.helpers import login

pytestmark = pytest.mark.django_db


def test_refresh_cookie_is_httponly_secure_samesite_and_scoped_to_auth_paths(api_client, user):
    response = login(api_client, user.email)
    cookie = response.cookies[settings.REFRESH_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["secure"] is True
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == "/api/auth/"
    assert cookie["expires"]


@override_settings(REFRESH_COOKIE_SECURE=False)
def test_refresh_cookie_secure_flag_can_be_turned_off_for_local_http(api_client, user):
    cookie = login(api_client, user.email).cookies[settings.REFRESH_COOKIE_NAME]
    assert cookie["secure"] == ""
    assert cookie["httponly"] is True


def test_logout_clears_the_cookie_on_the_same_path(api_client, user):
    login(api_client, user.email)
    response = api_client.post("/api/auth/logout/", {}, format="json")
    cookie = response.cookies[settings.REFRESH_COOKIE_NAME]
    assert cookie.value == ""
    assert cookie["path"] == "/api/auth/"
    assert cookie["max-age"] == 0


def _register(client):
    body = {"email": "fresh@example.com", "password": "a-Strong-passphrase-42"}
    return client.post("/api/auth/register/", body, format="json")


def _refresh(client, user):
    login(client, user.email)
    return client.post("/api/auth/refresh/", {}, format="json")


@pytest.mark.parametrize(
    ("issue", "status"),
    [
        (lambda client, user: _register(client), 201),
        (lambda client, user: login(client, user.email), 200),
        (_refresh, 200),
    ],
    ids=["register", "login", "refresh"],
)
def test_responses_carrying_tokens_tell_every_cache_not_to_store_them(api_client, user, issue, status):
    # Given a request that issues an access token and a refresh cookie
    # When it succeeds
    response = issue(api_client, user)

    # Then no browser or proxy cache may keep the response (its body holds the access token)
    assert response.status_code == status
    assert "access" in response.json()
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(("domain", "warned"), [("example.com", True), ("", False)], ids=["set", "unset"])
def test_manage_py_check_warns_about_a_refresh_cookie_domain(settings, domain, warned):
    # (a Domain sends the refresh token to every subdomain's servers; migrate runs the same checks)
    settings.REFRESH_COOKIE_DOMAIN = domain or None
    output = StringIO()

    call_command("check", stdout=output, stderr=output)

    assert ("accounts.W001" in output.getvalue()) is warned, output.getvalue()
    assert (
        "REFRESH_COOKIE_DOMAIN='example.com' sends the refresh token to every subdomain" in output.getvalue()
    ) is warned
