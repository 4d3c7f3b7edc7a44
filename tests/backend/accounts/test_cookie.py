"""The refresh cookie's attributes."""

import pytest
from django.conf import settings
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
