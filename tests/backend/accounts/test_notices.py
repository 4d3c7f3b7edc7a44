"""Security notices by email (received over real SMTP): a sign-in from a new device, a password changed or reset,
a refresh token reused, an account deleted. None carries a token or a password, and none can fail or delay the
request that caused it."""

import pytest
from django.conf import settings
from django.test import override_settings
from rest_framework.test import APIClient

from backend.accounts.emails import notices
from backend.common.background import wait_for_background_jobs
from tests.backend.accounts.helpers import grace_window_passed, login
from tests.conftest import signed_in_client
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.support.smtp import link_in, link_params, text_body

pytestmark = pytest.mark.django_db(transaction=True)  # email is sent when the transaction commits

NEW_DEVICE = "New sign-in to your account"
PASSWORD_CHANGED = "Your password was changed"
NEW_PASSWORD = "a-Fresh-passphrase-42"


def _secrets_absent(body: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in body
    assert "token=" not in body


# Failure paths -------------------------------------------------------------------------------------------------------


def test_a_failed_sign_in_sends_no_notice(user, smtp):
    response = login(APIClient(REMOTE_ADDR="203.0.113.5"), user.email, "wrong-password")

    assert response.status_code == 401
    wait_for_background_jobs()
    assert smtp.messages == []


def test_a_sign_in_refused_for_an_unconfirmed_address_sends_no_notice(settings, smtp):
    settings.EMAIL_VERIFICATION = "mandatory"
    user = UserFactory(email="unconfirmed@example.com")

    assert login(APIClient(), user.email).status_code == 403
    wait_for_background_jobs()
    assert smtp.messages == []


@override_settings(EMAIL_HOST="127.0.0.1", EMAIL_PORT=9, EMAIL_TIMEOUT=2)  # nothing listens: refused at once
def test_a_sign_in_succeeds_when_the_mail_server_is_down_and_the_failure_is_logged(user, json_logs):
    response = login(APIClient(), user.email)
    wait_for_background_jobs()

    assert response.status_code == 200
    # Each attempt's failure names the notice, its account and the sign-in's request (retried at once under tests)
    failures = [line for line in json_logs() if line["event"] == "email_failed"]
    assert [(line["attempt"], line["will_retry"], line["level"]) for line in failures] == [
        (1, True, "warning"),
        (2, True, "warning"),
        (3, True, "warning"),
        (4, False, "error"),
    ]
    assert {(line["kind"], line["user_id"], line["request_id"]) for line in failures} == {
        ("new_sign_in_notice", str(user.pk), response["X-Request-ID"])
    }


def test_a_wrong_current_password_sends_no_password_notice(user, smtp):
    client, _ = signed_in_client(user)

    response = client.post(
        "/api/auth/password/", {"current_password": "nope", "new_password": NEW_PASSWORD}, format="json"
    )

    assert response.status_code == 400
    wait_for_background_jobs()
    assert smtp.messages == []


# New-device sign-in --------------------------------------------------------------------------------------------------


def test_a_sign_in_from_a_browser_new_to_the_account_tells_the_owner(user, smtp):
    # When the account signs in from a browser with no device cookie of it
    response = login(APIClient(REMOTE_ADDR="203.0.113.77"), user.email, HTTP_USER_AGENT="Firefox/131\r\nBcc: x@y")

    # Then the owner is told which browser and address, and nothing secret
    assert response.status_code == 200
    [notice] = smtp.wait_for(to=user.email, subject=NEW_DEVICE)
    body = text_body(notice)
    assert "Browser: Firefox/131 Bcc: x@y\n" in body
    assert "IP address: 203.0.113.77\n" in body
    assert f"{settings.FRONTEND_URL}/forgot-password" in body
    # And that a reset keeps the second factors, so one an intruder added must be removed on the security page
    keeps = "A reset keeps your authenticator app and passkeys: remove any you do not recognise at "
    assert f"{keeps}{settings.FRONTEND_URL}/security\n" in body
    _secrets_absent(body, DEFAULT_PASSWORD, response.json()["access"], response.cookies["sad_refresh"].value)
    assert notice["Bcc"] is None


def test_signing_in_again_from_a_known_browser_sends_nothing_new(user, smtp):
    # Given a browser that signed in to the account before (it holds the device cookie)
    browser = APIClient()
    assert login(browser, user.email).status_code == 200
    smtp.wait_for(to=user.email, subject=NEW_DEVICE)

    # When it signs in again
    assert login(browser, user.email).status_code == 200

    # Then no second notice is sent
    wait_for_background_jobs()
    assert [m["Subject"] for m in smtp.messages] == [NEW_DEVICE]


def test_the_sign_in_at_registration_is_not_a_new_device(api_client, smtp):
    # When an account is registered (verification optional: its link is the one email)
    response = api_client.post(
        "/api/auth/register/", {"email": "fresh@example.com", "password": NEW_PASSWORD}, format="json"
    )
    # And signs in again from the same browser
    again = login(api_client, "fresh@example.com", NEW_PASSWORD)

    # Then no new-device notice is sent
    assert (response.status_code, again.status_code) == (201, 200)
    wait_for_background_jobs()
    assert [m["Subject"] for m in smtp.messages] == ["Confirm your email address"]


# Passwords -----------------------------------------------------------------------------------------------------------


def test_a_password_change_tells_the_owner(user, smtp):
    client, _ = signed_in_client(user)

    response = client.post(
        "/api/auth/password/", {"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD}, format="json"
    )

    assert response.status_code == 204
    [notice] = smtp.wait_for(to=user.email, subject=PASSWORD_CHANGED)
    body = text_body(notice)
    assert "its other sessions were signed out" in body
    _secrets_absent(body, DEFAULT_PASSWORD, NEW_PASSWORD)


def test_a_password_reset_tells_the_owner_once_the_new_password_is_set(user, smtp):
    # Given a reset link received by email
    APIClient().post("/api/auth/password-reset/", {"email": user.email}, format="json")
    [reset] = smtp.wait_for(to=user.email, subject="Reset your password")
    query = link_params(link_in(reset, "/reset-password"))
    assert not smtp.wait_for(to=user.email, subject="Reset your password", count=1)[1:]

    # When it is used
    response = APIClient().post(
        "/api/auth/password-reset/confirm/",
        {"uid": query["uid"], "token": query["token"], "new_password": NEW_PASSWORD},
        format="json",
    )

    # Then the owner is told, and the notice holds neither the reset token nor the password
    assert response.status_code == 204
    [notice] = smtp.wait_for(to=user.email, subject=PASSWORD_CHANGED)
    _secrets_absent(text_body(notice), query["token"], NEW_PASSWORD)


# Sent by the session and deletion services: refresh-token reuse (sessions.py), account deletion ----------------


def test_a_reused_refresh_token_tells_the_owner_without_any_token(user, smtp):
    # Given a rotated refresh token presented again after the grace window
    client = APIClient()
    stolen = login(client, user.email).cookies[settings.REFRESH_COOKIE_NAME].value
    rotated = client.post("/api/auth/refresh/", {}, format="json")
    grace_window_passed()
    smtp.wait_for(to=user.email, subject=NEW_DEVICE)  # the sign-in's own notice
    smtp.clear()

    replay = APIClient().post("/api/auth/refresh/", {"refresh": stolen}, format="json")

    assert (replay.status_code, replay.json()["code"]) == (401, "refresh_token_reused")
    [notice] = smtp.wait_for(to=user.email, subject="A session of your account was signed out")
    body = text_body(notice)
    assert "was used twice" in body
    _secrets_absent(body, DEFAULT_PASSWORD, stolen, rotated.cookies[settings.REFRESH_COOKIE_NAME].value)


def test_a_retry_within_the_grace_window_is_no_reuse_and_sends_no_notice(user, smtp):
    client = APIClient()
    first = login(client, user.email).cookies[settings.REFRESH_COOKIE_NAME].value
    assert client.post("/api/auth/refresh/", {}, format="json").status_code == 200
    smtp.wait_for(to=user.email, subject=NEW_DEVICE)
    smtp.clear()

    assert APIClient().post("/api/auth/refresh/", {"refresh": first}, format="json").status_code == 200
    wait_for_background_jobs()
    assert smtp.messages == []


def test_the_account_deleted_notice_goes_to_the_address_given(smtp):
    notices.notify_account_deleted(email="gone@example.com")

    [notice] = smtp.wait_for(to="gone@example.com", subject="Your account was deleted")
    assert "the account for gone@example.com was deleted" in text_body(notice)


def test_a_notice_queued_in_a_rolled_back_transaction_is_never_sent(user, smtp):
    from backend.common.db import atomic

    def change_that_fails() -> None:
        with atomic():
            notices.notify_password_changed(user=user)
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        change_that_fails()

    wait_for_background_jobs()
    assert smtp.messages == []
