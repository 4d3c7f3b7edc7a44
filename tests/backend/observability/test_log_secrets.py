"""No password, token, cookie or Authorization header ever reaches the logs."""

import logging
import re

import pytest
from rest_framework.test import APIClient

from backend.common.background import wait_for_background_jobs
from backend.observability.redaction import REDACTED, redact_secrets
from tests.backend.accounts.helpers import grace_window_passed
from tests.support.smtp import link_in

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Initial-Secret-Passphrase-1"
NEW_PASSWORD = "Changed-Secret-Passphrase-2"
RESET_PASSWORD = "Reset-Secret-Passphrase-3"


def test_the_redaction_processor_blanks_secret_fields_and_token_shaped_strings():
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"
    event = {
        "event": f"got {jwt} and Bearer abc.def-ghi",
        "password": "hunter2",
        "new_password": "hunter3",
        "refresh_token": "r",
        "Authorization": "Bearer x",
        "headers": {"Cookie": "sad_refresh=abc", "Accept": "json"},
        "items": [jwt],
        "status": 200,
    }

    redacted = redact_secrets(None, "info", dict(event))

    assert redacted == {
        "event": f"got {REDACTED} and Bearer {REDACTED}",
        "password": REDACTED,
        "new_password": REDACTED,
        "refresh_token": REDACTED,
        "Authorization": REDACTED,
        "headers": {"Cookie": REDACTED, "Accept": "json"},
        "items": [REDACTED],
        "status": 200,
    }


@pytest.fixture
def sql_logged(settings):
    """Log every SQL statement with its parameters (django.db.backends at DEBUG)."""
    settings.DEBUG = True
    db_logger = logging.getLogger("django.db.backends")
    level = db_logger.level
    db_logger.setLevel(logging.DEBUG)
    yield
    db_logger.setLevel(level)


def test_a_whole_auth_journey_logs_no_secret_value(json_logs, sql_logged, smtp):
    client = APIClient()

    registered = client.post(
        "/api/auth/register/", {"email": "secret@example.com", "password": PASSWORD}, format="json"
    )
    assert registered.status_code == 201
    first_refresh = registered.cookies["sad_refresh"].value
    assert (
        client.post(
            "/api/auth/login/", {"email": "secret@example.com", "password": "Wrong-" + PASSWORD}, format="json"
        ).status_code
        == 401
    )
    logged_in = client.post("/api/auth/login/", {"email": "secret@example.com", "password": PASSWORD}, format="json")
    access = logged_in.json()["access"]
    login_refresh = logged_in.cookies["sad_refresh"].value
    refreshed = client.post("/api/auth/refresh/", {}, format="json")
    assert refreshed.status_code == 200
    second_access = refreshed.json()["access"]
    second_refresh = refreshed.cookies["sad_refresh"].value
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {second_access}")
    changed = client.post(
        "/api/auth/password/", {"current_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json"
    )
    assert changed.status_code == 204
    grace_window_passed()
    replayed = client.post("/api/auth/refresh/", {"refresh": login_refresh}, format="json")
    assert replayed.status_code == 401  # rotated already: reuse, and this session is revoked
    client.post("/api/auth/password-reset/", {"email": "secret@example.com"}, format="json")
    wait_for_background_jobs()
    [reset_email] = smtp.wait_for(to="secret@example.com", subject="Reset your password")
    uid, token = re.search(r"uid=([\w-]+)&token=([\w-]+)", link_in(reset_email, "/reset-password")).groups()
    confirmed = client.post(
        "/api/auth/password-reset/confirm/",
        {"uid": uid, "token": token, "new_password": RESET_PASSWORD},
        format="json",
    )
    assert confirmed.status_code == 204
    client.get("/api/auth/me/", HTTP_COOKIE=f"sad_refresh={second_refresh}")  # now revoked: 401
    logging.getLogger("backend.careless").warning("oops, logged %s", access)  # a mistake elsewhere

    output = json_logs.raw()
    loggers = {line["logger"] for line in json_logs()}
    # (and no django.request line: a 4xx is logged once, by its request line)
    assert {"backend.request", "backend.audit", "django.db.backends"} <= loggers
    assert "django.request" not in loggers
    secrets = (
        PASSWORD,
        NEW_PASSWORD,
        RESET_PASSWORD,
        first_refresh,
        login_refresh,
        second_refresh,
        access,
        second_access,
    )
    for secret in (*secrets, token):
        assert secret not in output
    assert "Bearer " + second_access not in output
    assert f"oops, logged {REDACTED}" in output
