"""Refresh rotation, reuse detection, logout, and the JSON-only rule for cookie requests."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from backend.accounts.models import AuthSession
from backend.accounts.tokens import hash_jti, refresh_token_decode
from tests.backend.accounts.helpers import bearer, grace_window_passed, login, refresh, refresh_cookie

pytestmark = pytest.mark.django_db


REFRESH = "/api/auth/refresh/"
LOGOUT = "/api/auth/logout/"


def _me(access: str) -> dict:
    return bearer(APIClient(), access).get("/api/auth/me/").json()


def test_refresh_without_any_token_is_401(api_client):
    response = refresh(api_client)
    assert response.status_code == 401
    assert response.json() == {"detail": "No refresh token was provided.", "code": "refresh_token_missing"}


@pytest.mark.parametrize("garbage", ["not-a-jwt", "a.b.c", "x" * 4000])
def test_refresh_with_garbage_token_is_401_and_clears_the_cookie(api_client, garbage):
    api_client.cookies[settings.REFRESH_COOKIE_NAME] = garbage
    response = refresh(api_client)
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_refresh_token"
    assert response.cookies[settings.REFRESH_COOKIE_NAME].value == ""


def test_refresh_with_an_access_token_instead_of_a_refresh_token_is_401(api_client, user):
    access = login(api_client, user.email).json()["access"]
    response = api_client.post(REFRESH, {"refresh": access}, format="json")
    assert response.status_code == 401


def test_refresh_with_cookie_and_form_content_type_is_415(api_client, user):
    login(api_client, user.email)
    response = api_client.post(REFRESH, "a=b", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert AuthSession.objects.get().refresh_jti_hash  # untouched
    assert refresh(api_client).status_code == 200  # and the cookie still works


def test_refresh_with_cookie_and_no_content_type_is_415(api_client, user):
    login(api_client, user.email)
    response = api_client.generic("POST", REFRESH, "", content_type="")
    assert response.status_code == 415


def test_refresh_with_malformed_json_is_400(api_client, user):
    login(api_client, user.email)
    response = api_client.post(REFRESH, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_refresh_rotates_the_cookie_and_returns_the_user_and_an_access_token(api_client, user):
    first = refresh_cookie(login(api_client, user.email))
    response = refresh(api_client)
    assert response.status_code == 200
    assert list(response.json()) == ["user", "access"]
    assert response.json()["user"] == _me(response.json()["access"])
    second = refresh_cookie(response)
    assert second
    assert second != first
    session = AuthSession.objects.get()
    assert session.refresh_jti_hash == hash_jti(str(refresh_token_decode(second)["jti"]))
    assert bearer(APIClient(), response.json()["access"]).get("/api/auth/me/").status_code == 200


@pytest.mark.django_db(transaction=True)  # revocation reaches the cache on commit
def test_reusing_a_rotated_refresh_token_after_the_grace_window_revokes_the_whole_session(api_client, user):
    stolen = refresh_cookie(login(api_client, user.email))
    rotated = refresh(api_client)
    access = rotated.json()["access"]
    grace_window_passed()
    assert bearer(APIClient(), access).get("/api/auth/me/").status_code == 200  # warm the liveness cache

    attacker = APIClient()
    attacker.cookies[settings.REFRESH_COOKIE_NAME] = stolen
    response = refresh(attacker)

    assert response.status_code == 401
    assert response.json()["code"] == "refresh_token_reused"
    assert AuthSession.objects.get().revoked_at is not None
    # The legitimate holder is signed out too: both its refresh and access tokens are dead.
    assert refresh(api_client).status_code == 401
    assert bearer(APIClient(), access).get("/api/auth/me/").status_code == 401


def test_refresh_of_a_revoked_session_is_401(api_client, user):
    login(api_client, user.email)
    AuthSession.objects.update(revoked_at=timezone.now())
    assert refresh(api_client).status_code == 401


def test_refresh_of_an_expired_session_is_401(api_client, user):
    login(api_client, user.email)
    AuthSession.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert refresh(api_client).status_code == 401


def test_refresh_of_a_deactivated_user_is_401(api_client, user):
    login(api_client, user.email)
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert refresh(api_client).status_code == 401


def test_refresh_never_extends_a_session_past_its_absolute_lifetime(api_client, user, settings):
    login(api_client, user.email)
    session = AuthSession.objects.get()
    session.created_at = timezone.now() - settings.SESSION_MAX_LIFETIME + timedelta(hours=1)
    session.save(update_fields=["created_at"])
    refresh(api_client)
    session.refresh_from_db()
    assert session.expires_at <= session.created_at + settings.SESSION_MAX_LIFETIME


def test_non_browser_clients_can_send_the_refresh_token_in_the_body(user):
    cookie = refresh_cookie(login(APIClient(), user.email))
    client = APIClient()  # no cookie jar
    response = client.post(REFRESH, {"refresh": cookie}, format="json")
    assert response.status_code == 200
    assert "refresh" not in response.json()
    assert refresh_cookie(response) != cookie


def test_refresh_updates_last_used_at_and_device(api_client, user):
    login(api_client, user.email)
    session = AuthSession.objects.get()
    AuthSession.objects.update(last_used_at=timezone.now() - timedelta(days=1))
    refresh(api_client, HTTP_USER_AGENT="NewBrowser/2")
    session.refresh_from_db()
    assert timezone.now() - session.last_used_at < timedelta(minutes=1)
    assert session.user_agent == "NewBrowser/2"


def test_logout_with_cookie_and_form_content_type_is_415_and_keeps_the_session(api_client, user):
    login(api_client, user.email)
    response = api_client.post(LOGOUT, "a=b", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert AuthSession.objects.get().revoked_at is None


@pytest.mark.django_db(transaction=True)  # revocation reaches the cache on commit
def test_logout_with_only_the_cookie_revokes_the_session_and_its_access_token(api_client, user):
    access = login(api_client, user.email).json()["access"]
    assert bearer(APIClient(), access).get("/api/auth/me/").status_code == 200  # warm the liveness cache
    response = api_client.post(LOGOUT, {}, format="json")
    assert response.status_code == 204
    assert AuthSession.objects.get().revoked_at is not None
    assert bearer(APIClient(), access).get("/api/auth/me/").status_code == 401
    assert refresh(api_client).status_code == 401


def test_logout_with_an_expired_access_token_still_works_through_the_cookie(api_client, user, settings):
    login(api_client, user.email)
    api_client.credentials(HTTP_AUTHORIZATION="Bearer expired.or.garbage")
    response = api_client.post(LOGOUT, {}, format="json")
    assert response.status_code == 204
    assert AuthSession.objects.get().revoked_at is not None


def test_logout_with_only_an_access_token_revokes_that_session(user):
    access = login(APIClient(), user.email).json()["access"]
    response = bearer(APIClient(), access).post(LOGOUT, {}, format="json")
    assert response.status_code == 204
    assert AuthSession.objects.get().revoked_at is not None


def test_logout_with_nothing_is_204_and_idempotent(api_client):
    assert api_client.post(LOGOUT, {}, format="json").status_code == 204
    assert api_client.post(LOGOUT, {}, format="json").status_code == 204


def test_logout_leaves_other_sessions_alone(user):
    phone, laptop = APIClient(), APIClient()
    login(phone, user.email)
    laptop_access = login(laptop, user.email).json()["access"]
    phone.post(LOGOUT, {}, format="json")
    assert AuthSession.objects.filter(revoked_at__isnull=True).count() == 1
    assert bearer(laptop, laptop_access).get("/api/auth/me/").status_code == 200


@pytest.mark.parametrize("content_type", ["application/json-seq", "text/plain", "application/jsonx"])
def test_refresh_with_cookie_accepts_only_exactly_application_json(api_client, user, content_type):
    login(api_client, user.email)
    response = api_client.generic("POST", REFRESH, "{}", content_type=content_type)
    assert response.status_code == 415


def test_refresh_with_cookie_accepts_application_json_with_a_charset(api_client, user):
    login(api_client, user.email)
    response = api_client.generic("POST", REFRESH, "{}", content_type="application/json; charset=utf-8")
    assert response.status_code == 200


@pytest.mark.parametrize("path", [REFRESH, "/api/auth/logout/"])
def test_refresh_and_logout_without_a_json_body_are_415_even_without_the_cookie(api_client, path):
    # The schema requires their JSON body; without the cookie there was nothing to protect, but the contract holds.
    response = api_client.generic("POST", path, "", content_type="")

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
