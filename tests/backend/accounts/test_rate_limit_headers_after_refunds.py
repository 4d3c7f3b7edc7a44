"""The X-RateLimit-* headers of a request whose count was given back (a right password, a refresh that worked, a
right authenticator code, a sign-in with a provider): they report the count without it, as the next request finds
it, not the attempt that turned out not to count."""

import pytest
from rest_framework.test import APIClient

from tests.backend.accounts.helpers import login, refresh
from tests.backend.mfa.helpers import AUTHENTICATE, authenticator_app_enabled, code_of_step
from tests.factories import UserFactory
from tests.support.oidc_provider import OidcProvider, OidcUser

pytestmark = pytest.mark.django_db


def _limit_and_remaining(response) -> tuple[str, str]:
    return response["X-RateLimit-Limit"], response["X-RateLimit-Remaining"]


def test_right_passwords_report_the_sign_in_limit_unspent_and_a_wrong_one_spends_one(user, rates):
    # Given a browser at an address new to the account, the account's per-device limits the tightest
    rates(login_email_ip="5/15m", login_email_device="5/15m", login_ip="100/5m", anon="100/1m")
    browser = APIClient(REMOTE_ADDR="203.0.113.41")

    # When it signs in twice with the right password (the second time a known device), then gives a wrong one
    first, second = login(browser, user.email), login(browser, user.email)
    wrong = login(browser, user.email, "wrong-guess")

    # Then the right ones report nothing spent, and only the wrong one spends one
    assert (first.status_code, second.status_code, wrong.status_code) == (200, 200, 401)
    assert _limit_and_remaining(first) == ("5", "5")
    assert _limit_and_remaining(second) == ("5", "5")
    assert _limit_and_remaining(wrong) == ("5", "4")


def test_refreshes_that_work_report_the_per_address_limit_unspent_and_a_failed_one_spends_one(user, rates):
    # Given a signed-in browser whose address's refresh limit is the tightest
    rates(refresh_ip="3/1m", refresh_session="50/1m", anon="100/1m")
    browser = APIClient(REMOTE_ADDR="203.0.113.42")
    assert login(browser, user.email).status_code == 200

    # When it refreshes twice, then presents a token that is no refresh token
    first, second = refresh(browser), refresh(browser)
    failed = browser.post("/api/auth/refresh/", {"refresh": "not-a-token"}, format="json")

    # Then the refreshes that worked report refresh_ip unspent, and the failure spends one of it
    assert (first.status_code, second.status_code, failed.status_code) == (200, 200, 401)
    assert _limit_and_remaining(first) == ("3", "3")
    assert _limit_and_remaining(second) == ("3", "3")
    assert _limit_and_remaining(failed) == ("3", "2")


def test_a_right_authenticator_code_reports_the_code_limit_unspent(user, rates):
    # Given an account with an authenticator app, its code limit the tightest, and a sign-in's challenge
    rates(authenticator_code_account="3/1d", login_email_ip="50/15m", login_email_device="50/15m")
    rates(login_ip="50/5m", anon="100/1m")
    app = authenticator_app_enabled(user)
    browser = APIClient(REMOTE_ADDR="203.0.113.43")
    challenge = login(browser, user.email)
    assert challenge.status_code == 202

    # When the right code follows
    response = browser.post(
        AUTHENTICATE, {"mfa_token": challenge.json()["mfa_token"], "code": code_of_step(app, 0)}, format="json"
    )

    # Then the session is issued and the code limit reports nothing spent
    assert response.status_code == 200, response.content
    assert _limit_and_remaining(response) == ("3", "3")


@pytest.mark.django_db(transaction=True)  # the provider's sign-in writes audit rows on commit
def test_a_sign_in_with_a_provider_reports_the_failed_sign_in_limit_unspent(rates, settings):
    # Given an account linked to a provider, and login_ip (failed sign-ins per address) the tightest limit
    rates(login_ip="2/1h", oidc_callback_ip="10/5m", oidc_start_ip="50/5m", anon="100/1m")
    user = UserFactory()
    with OidcProvider() as idp:
        settings.OIDC_PROVIDERS = [idp.provider_config()]
        idp.user = OidcUser(sub="linked-sub", email=user.email)
        user.oidc_identities.create(provider="testidp", subject="linked-sub", email=user.email)
        browser = APIClient(REMOTE_ADDR="203.0.113.44")
        started = browser.post("/api/auth/oidc/testidp/start/", {}, format="json")
        code, state = idp.authorize(started.json()["authorization_url"])

        # When the callback signs the account in
        response = browser.post("/api/auth/oidc/callback/", {"code": code, "state": state}, format="json")

    # Then login_ip, still the closest to refusing, reports nothing spent: it was given back
    assert response.status_code == 200, response.content
    assert _limit_and_remaining(response) == ("2", "2")
