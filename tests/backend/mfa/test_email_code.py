"""Signing in with a one-time code emailed to the account's address (backend/mfa/services/email_code.py), the email
read over real SMTP."""

import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from backend.accounts.models import AuthSession, User
from backend.accounts.services import sessions_revoke_for_user
from backend.audit.models import AuditEvent
from backend.common.background import wait_for_background_jobs
from backend.mfa.models import MfaChallenge
from tests.backend.mfa.helpers import AUTHENTICATE, authenticator_app_enabled
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.support.smtp import text_body

pytestmark = pytest.mark.django_db(transaction=True)  # the code is emailed when its transaction commits

ASK = "/api/auth/login/code/"
CONFIRM = "/api/auth/login/code/confirm/"
CODE_INVALID = {
    "detail": "That code is not right, or it is no longer valid (it expired, was used, or a newer one was sent). "
    "Check the latest email, or ask for a new code.",
    "code": "login_code_invalid",
}


def _ask(client: APIClient, email: str) -> str:
    response = client.post(ASK, {"email": email}, format="json")
    assert response.status_code == 202, response.content
    assert response["Cache-Control"] == "no-store"
    assert wait_for_background_jobs()
    return response.json()["login_token"]


def _code_in(smtp, email: str) -> str:
    [message] = smtp.wait_for(to=email, subject="Your sign-in code")
    match = re.search(r"^    (\d{4}) (\d{4})$", text_body(message), re.MULTILINE)
    assert match, text_body(message)
    return match[1] + match[2]


def _confirm(client: APIClient, token: str, code: str):
    return client.post(CONFIRM, {"login_token": token, "code": code}, format="json")


# -- failure paths ----------------------------------------------------------------------------------------------------
def test_a_wrong_code_is_refused_and_counts_on_the_code(api_client, user, smtp):
    token = _ask(api_client, user.email)
    right = _code_in(smtp, user.email)
    wrong = f"{(int(right) + 1) % 10**8:08d}"

    response = _confirm(api_client, token, wrong)

    assert (response.status_code, response.json()) == (400, CODE_INVALID)
    assert MfaChallenge.objects.get(user=user, purpose="email_code").failed_attempts == 1
    assert not AuthSession.objects.filter(user=user).exists()


def test_the_code_is_spent_by_too_many_wrong_tries(api_client, user, smtp, settings):
    # Given a code tried wrong as often as a challenge allows
    settings.MFA_CHALLENGE_MAX_FAILURES = 3
    token = _ask(api_client, user.email)
    right = _code_in(smtp, user.email)
    for _ in range(3):
        assert _confirm(api_client, token, "00000000" if right != "00000000" else "11111111").status_code == 400

    # When the right code comes after them
    response = _confirm(api_client, token, right)

    # Then it no longer works
    assert (response.status_code, response.json()) == (400, CODE_INVALID)
    assert not AuthSession.objects.filter(user=user).exists()


def test_an_unknown_address_gets_a_token_that_reads_like_any_other_and_no_email(api_client, user, smtp):
    # Given a token for an address without an account, and one for the user's
    unknown = _ask(api_client, "nobody@example.com")
    known = _ask(api_client, user.email)
    _code_in(smtp, user.email)

    # When each is confirmed with a wrong code
    for_unknown = _confirm(api_client, unknown, "12345678")
    for_known = _confirm(api_client, known, "00000000")

    # Then both answers are the same, and nobody was emailed at the unknown address
    assert (for_unknown.status_code, for_unknown.json()) == (400, CODE_INVALID)
    assert (for_known.status_code, for_known.json()) == (400, CODE_INVALID)
    assert [message["To"] for message in smtp.messages] == [user.email]


def test_a_code_works_only_with_the_token_of_the_browser_that_asked(api_client, user, smtp):
    _ask(api_client, user.email)
    code = _code_in(smtp, user.email)

    response = _confirm(APIClient(), "a-token-of-another-browser", code)

    assert (response.status_code, response.json()) == (400, CODE_INVALID)


def test_asking_again_replaces_the_code(api_client, user, smtp):
    # Given a first code, then a second asked for
    first_token = _ask(api_client, user.email)
    first_code = _code_in(smtp, user.email)
    smtp.clear()
    second_token = _ask(api_client, user.email)
    second_code = _code_in(smtp, user.email)

    # When the first is used
    first = _confirm(api_client, first_token, first_code)

    # Then it is refused; the second works
    assert (first.status_code, first.json()) == (400, CODE_INVALID)
    assert _confirm(api_client, second_token, second_code).status_code == 200


def test_an_expired_code_is_refused(api_client, user, smtp):
    from datetime import timedelta

    from django.utils import timezone

    token = _ask(api_client, user.email)
    code = _code_in(smtp, user.email)
    MfaChallenge.objects.filter(user=user).update(expires_at=timezone.now() - timedelta(seconds=1))

    response = _confirm(api_client, token, code)

    assert (response.status_code, response.json()) == (400, CODE_INVALID)


def test_a_sign_out_everywhere_cancels_a_pending_code(api_client, user, smtp):
    token = _ask(api_client, user.email)
    code = _code_in(smtp, user.email)

    sessions_revoke_for_user(user=User.objects.get(pk=user.pk))

    assert _confirm(api_client, token, code).json() == CODE_INVALID


def test_a_code_emailed_before_an_operator_moves_the_account_no_longer_signs_in(admin_client, api_client, smtp):
    # Given a code emailed to the account's address, a mailbox its owner lost
    account = UserFactory(email="lost-mailbox@example.com", name="Moved", email_verified=True)
    token = _ask(api_client, account.email)
    code = _code_in(smtp, account.email)

    # When an operator moves the account to the owner's new address in the admin
    form = {"email": "new-mailbox@example.com", "name": account.name, "is_active": "on"}
    form.update({"date_joined_0": "2026-01-01", "date_joined_1": "00:00:00"})
    assert admin_client.post(reverse("admin:accounts_user_change", args=[account.pk]), form).status_code == 302

    # Then whoever reads the old mailbox cannot sign in with the code: it is gone, and refused as any other
    response = _confirm(api_client, token, code)
    assert (response.status_code, response.json()) == (400, CODE_INVALID)
    assert not MfaChallenge.objects.filter(user=account).exists()
    assert not AuthSession.objects.filter(user=account).exists()


def test_a_code_emailed_to_an_address_the_account_no_longer_has_is_refused_as_a_wrong_one(api_client, smtp):
    # Given a code emailed to the account's address, then the address changed without the admin (a script's update)
    account = UserFactory(email="lost-mailbox@example.com", email_verified=True)
    token = _ask(api_client, account.email)
    code = _code_in(smtp, account.email)
    User.objects.filter(pk=account.pk).update(email="new-mailbox@example.com")

    # When the code is confirmed
    response = _confirm(api_client, token, code)

    # Then it is refused as a wrong code is, counted as a failed sign-in of the address it went to
    assert (response.status_code, response.json()) == (400, CODE_INVALID)
    assert not AuthSession.objects.filter(user=account).exists()
    failed = AuditEvent.objects.filter(event=AuditEvent.Event.LOGIN_FAILED)
    assert list(failed.values_list("email", "user_id")) == [("lost-mailbox@example.com", None)]


def test_an_unconfirmed_address_gets_a_notice_and_no_code(api_client, smtp, settings):
    # Given an account whose address nobody confirmed (anyone may have registered it)
    settings.EMAIL_VERIFICATION = "optional"
    account = UserFactory(email="unconfirmed@example.com", email_verified=False)

    # When a code is asked for it
    _ask(api_client, account.email)

    # Then its mailbox is pointed to the password reset, and no code exists
    [message] = smtp.wait_for(to=account.email)
    assert message["Subject"] == "Sign in to your account"
    assert "/forgot-password" in text_body(message)
    assert not MfaChallenge.objects.filter(user=account).exists()


def test_a_deactivated_account_gets_nothing(api_client, user, smtp):
    User.objects.filter(pk=user.pk).update(is_active=False)

    _ask(api_client, user.email)

    assert smtp.messages == []
    assert not MfaChallenge.objects.filter(user=user).exists()


def test_the_endpoints_are_404_when_the_option_is_off(api_client, user, settings):
    settings.LOGIN_BY_CODE_ENABLED = False

    asked = api_client.post(ASK, {"email": user.email}, format="json")
    confirmed = _confirm(api_client, "token", "12345678")

    assert (asked.status_code, confirmed.status_code) == (404, 404)


def test_codes_asked_for_one_account_are_limited(api_client, user, smtp, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_code_email_ip": "2/1h"}
    for _ in range(2):
        _ask(api_client, user.email)

    refused = api_client.post(ASK, {"email": user.email}, format="json")

    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"


def test_wrong_codes_count_as_failed_sign_ins_of_the_account(api_client, user, smtp, settings):
    # Given the account's limit on failed sign-ins from unknown devices at 2
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_email_ip": "2/15m"}
    token = _ask(api_client, user.email)
    right = _code_in(smtp, user.email)
    wrong = "00000000" if right != "00000000" else "11111111"
    for _ in range(2):
        assert _confirm(api_client, token, wrong).status_code == 400

    # When the right code follows
    response = _confirm(api_client, token, right)

    # Then the sign-in is locked, as after two wrong passwords
    assert response.status_code == 429
    assert response.json()["code"] == "login_locked"


def test_wrong_codes_read_the_same_for_an_address_without_an_account(api_client, user, smtp, settings):
    # Given the limit on an account's failed sign-ins from one unknown device at 2, and a token for each address
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_email_ip": "2/15m"}
    tokens = {"known": _ask(api_client, user.email), "unknown": _ask(api_client, "nobody@example.com")}
    wrong = "00000000" if _code_in(smtp, user.email) != "00000000" else "11111111"

    # When each is tried three times with a wrong code
    answers = {name: [_confirm(api_client, token, wrong) for _ in range(3)] for name, token in tokens.items()}

    # Then the statuses, codes and rate-limit headers are the same: nothing tells which address has an account
    def seen(responses):
        return [
            (r.status_code, r.json()["code"], r.get("X-RateLimit-Limit"), r.get("X-RateLimit-Remaining"))
            for r in responses
        ]

    assert seen(answers["known"]) == seen(answers["unknown"])
    assert [r.status_code for r in answers["known"]] == [400, 400, 429]


def test_a_token_that_was_tampered_with_names_nothing(api_client, user, smtp):
    token = _ask(api_client, user.email)
    code = _code_in(smtp, user.email)

    response = _confirm(api_client, token[:-2] + ("AA" if not token.endswith("AA") else "BB"), code)

    assert (response.status_code, response.json()) == (400, CODE_INVALID)


# -- success ----------------------------------------------------------------------------------------------------------
def test_the_right_code_signs_in_once(api_client, user, smtp, settings):
    # Given a code asked for the account
    token = _ask(api_client, user.email)
    code = _code_in(smtp, user.email)

    # When it is typed with a space, as the email shows it
    response = _confirm(api_client, token, f"{code[:4]} {code[4:]}")

    # Then the browser is signed in, with the code as its method, and the code is spent
    assert response.status_code == 200, response.content
    assert response.json()["user"]["email"] == user.email
    assert response.cookies[settings.REFRESH_COOKIE_NAME].value
    session = AuthSession.objects.get(user=user)
    assert (session.amr, session.aal) == ("email_code", 1)
    assert _confirm(api_client, token, code).json() == CODE_INVALID


def test_an_account_with_a_second_factor_is_asked_for_it_after_the_code(api_client, user, smtp):
    # Given an account with the authenticator app
    app = authenticator_app_enabled(user)
    token = _ask(api_client, user.email)

    # When the code is right
    step = _confirm(api_client, token, _code_in(smtp, user.email))

    # Then no session yet: the second step, whose answer signs in at two factors
    assert step.status_code == 202, step.content
    assert step.json()["mfa_required"] is True
    assert not AuthSession.objects.filter(user=user).exists()
    signed_in = api_client.post(AUTHENTICATE, {"mfa_token": step.json()["mfa_token"], "code": app.now()}, format="json")
    assert signed_in.status_code == 200, signed_in.content
    session = AuthSession.objects.get(user=user)
    assert (session.amr, session.aal) == ("email_code,otp", 2)


def test_the_email_names_the_browser_and_address_that_asked(api_client, user, smtp):
    api_client.post(ASK, {"email": user.email}, format="json", HTTP_USER_AGENT="Firefox/130 on Linux")
    assert wait_for_background_jobs()

    [message] = smtp.wait_for(to=user.email, subject="Your sign-in code")

    body = text_body(message)
    assert "Browser: Firefox/130 on Linux" in body
    assert "IP address: 127.0.0.1" in body
    assert "works once, for 10 minutes" in body


def test_a_session_signed_in_with_the_code_alone_must_confirm_it_is_you_before_adding_a_factor(api_client, user, smtp):
    # Given a browser signed in with a code (someone who could read the mailbox for a moment)
    token = _ask(api_client, user.email)
    signed_in = _confirm(api_client, token, _code_in(smtp, user.email))
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {signed_in.json()['access']}")

    # When it starts adding a passkey
    refused = api_client.post("/api/auth/mfa/passkeys/options/", {}, format="json")

    # Then it must re-authenticate first, with the password
    assert (refused.status_code, refused.json()["code"]) == (403, "reauthentication_required")
    assert AuthSession.objects.get(user=user).authenticated_at is None
    reauthenticated = api_client.post("/api/auth/reauthenticate/", {"password": DEFAULT_PASSWORD}, format="json")
    assert reauthenticated.status_code == 200, reauthenticated.content
    assert api_client.post("/api/auth/mfa/passkeys/options/", {}, format="json").status_code == 200


def test_a_second_step_failed_after_a_code_tells_the_owner_their_mailbox_is_read(api_client, user, smtp, settings):
    # Given an account with the app, signed in to with a code up to the second step
    settings.MFA_CHALLENGE_MAX_FAILURES = 2
    authenticator_app_enabled(user)
    token = _ask(api_client, user.email)
    step = _confirm(api_client, token, _code_in(smtp, user.email))
    assert step.status_code == 202, step.content

    # When wrong recovery codes spend the second step
    for _ in range(2):
        wrong = {"mfa_token": step.json()["mfa_token"], "recovery_code": "aaaa-bbbb-cccc-dddd"}
        assert api_client.post(AUTHENTICATE, wrong, format="json").status_code == 400

    # Then the owner is told that someone reads their email, not that someone has their password
    [notice] = smtp.wait_for(
        to=user.email,
        subject="Someone signed in with a code sent to your email but did not complete two-step verification",
    )
    assert "they can read your email" in text_body(notice)
    assert "password" not in notice["Subject"]


def test_the_app_codes_locked_after_a_code_tell_the_owner_their_mailbox_is_read(api_client, user, smtp, settings):
    # Given an account with the app, whose own limit on wrong app codes is 2, signed in to with a code up to the
    # second step
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "authenticator_code_account": "2/1d"}
    app = authenticator_app_enabled(user)
    token = _ask(api_client, user.email)
    step = _confirm(api_client, token, _code_in(smtp, user.email))
    assert step.status_code == 202, step.content
    wrong = f"{(int(app.now()) + 1) % 10**6:06d}"

    # When wrong app codes run past that limit
    answers = [
        api_client.post(AUTHENTICATE, {"mfa_token": step.json()["mfa_token"], "code": wrong}, format="json")
        for _ in range(3)
    ]

    # Then the lock is told to the owner as someone reading their email
    assert [answer.status_code for answer in answers] == [400, 400, 429]
    [notice] = smtp.wait_for(
        to=user.email,
        subject="Someone signed in with a code sent to your email but did not complete two-step verification",
    )
    assert "codes are refused" in text_body(notice)
