"""Profile, password change, and password reset end to end, the reset link read from the email received over SMTP."""

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from backend.accounts.models import AuthSession
from backend.common.background import wait_for_background_jobs
from tests.backend.accounts.helpers import login
from tests.conftest import signed_in_client
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.support.smtp import link_in, link_params

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "an-Even-better-passphrase-7"


def test_me_requires_authentication(api_client):
    assert api_client.get("/api/auth/me/").status_code == 401
    assert api_client.patch("/api/auth/me/", {"name": "x"}, format="json").status_code == 401


def test_me_returns_the_profile_without_any_password_data(auth_client, user):
    response = auth_client.get("/api/auth/me")
    assert response.status_code == 200
    assert set(response.json()) == {"id", "email", "email_verified", "name", "date_joined"}
    assert response.json()["id"] == str(user.id)
    assert "password" not in response.content.decode()


def test_patch_me_with_too_long_name_is_400(auth_client):
    response = auth_client.patch("/api/auth/me/", {"name": "x" * 151}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["name"]


def test_patch_me_changes_only_the_name(auth_client, user):
    response = auth_client.patch(
        "/api/auth/me/", {"name": "  Grace Hopper ", "email": "evil@example.com", "is_staff": True}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["name"] == "Grace Hopper"
    email_before = user.email
    user.refresh_from_db()
    assert (user.name, user.email, user.is_staff) == ("Grace Hopper", email_before, False)


def test_patch_me_with_an_empty_object_changes_nothing(auth_client, user):
    user.name = "Ada"
    user.save(update_fields=["name"])

    response = auth_client.patch("/api/auth/me/", {}, format="json")

    assert response.status_code == 200
    assert response.json()["name"] == "Ada"
    user.refresh_from_db()
    assert user.name == "Ada"


def test_password_change_with_wrong_current_password_is_400(auth_client, user):
    response = auth_client.post(
        "/api/auth/password/", {"current_password": "nope", "new_password": NEW_PASSWORD}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"current_password": ["The current password is incorrect."]}
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_password_change_with_weak_new_password_is_400(auth_client):
    response = auth_client.post(
        "/api/auth/password/", {"current_password": DEFAULT_PASSWORD, "new_password": "123"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["new_password"]


@pytest.mark.django_db(transaction=True)  # revocation reaches the cache on commit
def test_password_change_revokes_other_sessions_and_keeps_this_one(user):
    other_device, _ = signed_in_client(user)
    this_device, this = signed_in_client(user)
    assert other_device.get("/api/auth/me/").status_code == 200  # warm the liveness cache

    response = this_device.post(
        "/api/auth/password/", {"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD}, format="json"
    )

    assert response.status_code == 204
    assert this_device.get("/api/auth/me/").status_code == 200
    assert other_device.get("/api/auth/me/").status_code == 401
    assert list(AuthSession.objects.filter(revoked_at__isnull=True).values_list("id", flat=True)) == [this.session.id]
    assert login(APIClient(), user.email, NEW_PASSWORD).status_code == 200
    assert login(APIClient(), user.email, DEFAULT_PASSWORD).status_code == 401


@pytest.mark.django_db(transaction=True)  # email is sent on commit
def test_password_reset_for_unknown_email_is_202_and_sends_nothing(api_client, smtp):
    response = api_client.post("/api/auth/password-reset/", {"email": "ghost@example.com"}, format="json")
    assert response.status_code == 202
    wait_for_background_jobs()
    assert smtp.messages == []


def test_password_reset_with_malformed_email_is_400(api_client):
    response = api_client.post("/api/auth/password-reset/", {"email": "nope"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["email"]


@pytest.mark.parametrize(
    ("uid", "token"),
    [("garbage", "garbage"), ("", ""), ("Zm9v", "abc-def"), ("!!!", "x")],
)
def test_password_reset_confirm_with_bad_link_is_400(api_client, uid, token):
    response = api_client.post(
        "/api/auth/password-reset/confirm/",
        {"uid": uid, "token": token, "new_password": NEW_PASSWORD},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) <= {"uid", "token"}


def _reset_link_params(smtp, to: str) -> tuple[str, str]:
    [message] = smtp.wait_for(to=to, subject="Reset your password")
    link = link_in(message, "/reset-password")
    assert link.startswith("http://testserver/reset-password#"), link
    params = link_params(link)
    return params["uid"], params["token"]


@pytest.mark.django_db(transaction=True)  # revocation reaches the cache on commit
def test_password_reset_end_to_end_sets_the_password_and_revokes_all_sessions(api_client, smtp):
    user = UserFactory(email="reset@example.com")
    device, _ = signed_in_client(user)
    assert device.get("/api/auth/me/").status_code == 200  # warm the liveness cache

    assert (
        api_client.post("/api/auth/password-reset/", {"email": "RESET@example.com"}, format="json").status_code == 202
    )
    uid, token = _reset_link_params(smtp, "reset@example.com")
    assert smtp.messages[0]["To"] == "reset@example.com"

    weak = api_client.post(
        "/api/auth/password-reset/confirm/", {"uid": uid, "token": token, "new_password": "123"}, format="json"
    )
    assert weak.status_code == 400
    assert list(weak.json()) == ["new_password"]

    response = api_client.post(
        "/api/auth/password-reset/confirm/", {"uid": uid, "token": token, "new_password": NEW_PASSWORD}, format="json"
    )
    assert response.status_code == 204
    assert device.get("/api/auth/me/").status_code == 401
    assert login(APIClient(), "reset@example.com", NEW_PASSWORD).status_code == 200

    # The link is single-use: the token is bound to the old password hash.
    reused = api_client.post(
        "/api/auth/password-reset/confirm/",
        {"uid": uid, "token": token, "new_password": "yet-Another-pass-99"},
        format="json",
    )
    assert reused.status_code == 400
    assert reused.json() == {"token": ["The reset link is invalid or has expired."]}


@pytest.mark.django_db(transaction=True)  # email is sent on commit
def test_password_reset_for_inactive_user_sends_nothing(api_client, smtp):
    UserFactory(email="gone@example.com", is_active=False)
    assert api_client.post("/api/auth/password-reset/", {"email": "gone@example.com"}, format="json").status_code == 202
    wait_for_background_jobs()
    assert smtp.messages == []


@pytest.mark.django_db(transaction=True)  # email is sent on commit
@override_settings(
    EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
    EMAIL_HOST="127.0.0.1",
    EMAIL_PORT=9,  # discard port on loopback: nothing listens, the connection is refused at once
    EMAIL_TIMEOUT=2,
)
def test_password_reset_is_202_even_when_the_mail_server_is_down_and_the_failure_is_logged(api_client, json_logs):
    user = UserFactory(email="exists@example.com")

    response = api_client.post("/api/auth/password-reset/", {"email": "exists@example.com"}, format="json")
    wait_for_background_jobs()

    assert response.status_code == 202
    [given_up] = [line for line in json_logs() if line["event"] == "email_failed" and not line["will_retry"]]
    assert given_up | {"kind": "password_reset", "user_id": str(user.pk), "reason": "attempts_exhausted"} == given_up
    assert given_up["request_id"] == response["X-Request-ID"]
    assert "/reset-password" not in json_logs.raw()  # nor the link


@pytest.mark.django_db(transaction=True)  # email is sent on commit
def test_signing_in_invalidates_an_earlier_reset_link(api_client, smtp):
    UserFactory(email="careful@example.com")
    api_client.post("/api/auth/password-reset/", {"email": "careful@example.com"}, format="json")
    uid, token = _reset_link_params(smtp, "careful@example.com")

    assert login(APIClient(), "careful@example.com").status_code == 200

    response = api_client.post(
        "/api/auth/password-reset/confirm/", {"uid": uid, "token": token, "new_password": NEW_PASSWORD}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"token": ["The reset link is invalid or has expired."]}
