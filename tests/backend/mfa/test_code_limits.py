"""Authenticator codes are limited per account whatever the device (``authenticator_code_account``): a known-device
cookie, which every password reset hands out, must not buy more guesses at six digits."""

import pytest
from rest_framework.test import APIClient

from backend.mfa.services.recovery_codes import recovery_codes_issue_if_first
from tests.backend.accounts.helpers import login, reset_link_parts
from tests.backend.mfa.helpers import authenticator_app_enabled, code_of_step

pytestmark = pytest.mark.django_db

AUTHENTICATE = "/api/auth/mfa/authenticate/"
NEW_PASSWORD = "the-Mailbox-holder-chose-9"
ADDRESS = "203.0.113.9"


def _known_device_after_a_reset(user) -> APIClient:
    """A browser that confirmed a password reset of ``user``'s account: a known device of it from then on."""
    body = {**reset_link_parts(user), "new_password": NEW_PASSWORD}
    browser = APIClient(REMOTE_ADDR=ADDRESS)
    assert browser.post("/api/auth/password-reset/confirm/", body, format="json").status_code == 204
    return browser


def _challenge(browser: APIClient, user) -> str:
    response = login(browser, user.email, NEW_PASSWORD)
    assert response.status_code == 202, response.content
    return response.json()["mfa_token"]


def test_known_devices_do_not_multiply_the_guesses_at_authenticator_codes(user, rates):
    # Given an account with an authenticator app, three wrong codes a day allowed, and two browsers made known
    # devices of it by password resets (someone holding the mailbox)
    rates(authenticator_code_account="3/1d")
    app = authenticator_app_enabled(user)
    browsers = [_known_device_after_a_reset(user) for _ in range(2)]
    wrong = [code_of_step(app, step) for step in (5, 6, 7, 8)]

    # When both guess codes, each within its own device's sign-in limit (5 per 15 minutes)
    statuses = []
    for browser, codes in zip(browsers, (wrong[:2], wrong[2:]), strict=True):
        token = _challenge(browser, user)
        statuses += [browser.post(AUTHENTICATE, {"mfa_token": token, "code": code}, format="json") for code in codes]

    # Then the fourth wrong code is refused unchecked, for the account, whichever device asks
    assert [response.status_code for response in statuses] == [400, 400, 400, 429]
    refused = statuses[-1]
    assert refused.json()["code"] == "mfa_codes_locked"
    assert refused.json()["detail"].startswith("Too many wrong authenticator codes for this account.")
    assert int(refused["Retry-After"]) > 0
    # Even the right code waits (it is refused before it is checked)
    token = _challenge(browsers[0], user)
    assert browsers[0].post(AUTHENTICATE, {"mfa_token": token, "code": app.now()}, format="json").status_code == 429


def test_a_recovery_code_still_signs_in_while_the_codes_are_locked(user, rates):
    rates(authenticator_code_account="1/1d")
    app = authenticator_app_enabled(user)
    [first, *_] = recovery_codes_issue_if_first(user=user)
    browser = APIClient(REMOTE_ADDR=ADDRESS)
    token = login(browser, user.email).json()["mfa_token"]
    wrong = browser.post(AUTHENTICATE, {"mfa_token": token, "code": code_of_step(app, 5)}, format="json")
    right_but_locked = browser.post(AUTHENTICATE, {"mfa_token": token, "code": app.now()}, format="json")
    assert (wrong.status_code, right_but_locked.status_code) == (400, 429)

    response = browser.post(AUTHENTICATE, {"mfa_token": token, "recovery_code": first}, format="json")

    assert response.status_code == 200


def test_a_right_code_is_given_back(user, rates):
    # Given one wrong code allowed a day
    rates(authenticator_code_account="1/1d")
    app = authenticator_app_enabled(user)
    browser = APIClient(REMOTE_ADDR=ADDRESS)

    # When the owner signs in with right codes twice (each given back), then mistypes once
    for step in (0, 1):
        token = login(browser, user.email).json()["mfa_token"]
        code = app.now() if step == 0 else code_of_step(app, 1)
        assert browser.post(AUTHENTICATE, {"mfa_token": token, "code": code}, format="json").status_code == 200
    token = login(browser, user.email).json()["mfa_token"]
    mistyped = browser.post(AUTHENTICATE, {"mfa_token": token, "code": code_of_step(app, 6)}, format="json")

    # Then the mistake is the first one counted: checked, not refused
    assert mistyped.status_code == 400
