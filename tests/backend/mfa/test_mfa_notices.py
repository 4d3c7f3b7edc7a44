"""The MFA notices (received over real SMTP): each tells the owner what changed on their account and where to look,
and none carries a token, a code or a link that acts."""

import re

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from backend.accounts.emails import security_notices
from backend.mfa.services.recovery_codes import recovery_codes_issue_if_first
from tests.backend.accounts.helpers import login
from tests.backend.mfa.helpers import authenticator_app_enabled, code_of_step
from tests.conftest import signed_in_client
from tests.support.smtp import text_body

pytestmark = pytest.mark.django_db(transaction=True)  # email is sent when the transaction commits

NOTICES = [
    (security_notices.notify_totp_enabled, {}, "An authenticator app was enabled on your account"),
    (security_notices.notify_totp_disabled, {}, "The authenticator app was disabled on your account"),
    (security_notices.notify_recovery_code_used, {"remaining": 1}, "A recovery code of your account was used"),
    (security_notices.notify_recovery_codes_regenerated, {}, "New recovery codes were generated for your account"),
    (security_notices.notify_passkey_added, {"name": "Phone"}, "A passkey was added to your account"),
    (security_notices.notify_passkey_removed, {"name": "Phone"}, "A passkey was removed from your account"),
    (security_notices.notify_mfa_reset, {}, "The second factors of your account were reset"),
]


@pytest.mark.parametrize(("notify", "extra", "subject"), NOTICES, ids=[n[0].__name__ for n in NOTICES])
def test_each_mfa_notice_names_the_account_and_the_security_page_without_a_token(user, smtp, notify, extra, subject):
    notify(user=user, **extra)

    [notice] = smtp.wait_for(to=user.email, subject=subject)
    body = text_body(notice)
    assert user.email in body
    assert "http://testserver/security" in body
    assert "token=" not in body


def test_a_passkey_notice_says_a_password_reset_keeps_it(user, smtp):
    # A passkey signs in without the password: resetting the password, as "if it was not you" advises, does not
    # remove one an intruder added, and the notice says where to
    security_notices.notify_passkey_added(user=user, name="Phone")

    [notice] = smtp.wait_for(to=user.email)
    body = text_body(notice)
    assert "reset your password now" in body
    assert "A reset keeps your authenticator app and passkeys: remove any you do not recognise at " in body


def test_a_passkey_name_is_shown_on_one_line(user, smtp):
    # A name is the user's own text: a line break in it must not forge lines (or headers) of the notice
    security_notices.notify_passkey_added(user=user, name="Phone\r\nBcc: someone@example.com")

    [notice] = smtp.wait_for(to=user.email)
    assert 'a passkey named "Phone Bcc: someone@example.com" was added' in text_body(notice)
    assert notice["Bcc"] is None


def test_the_last_recovery_code_is_counted_in_the_singular(user, smtp):
    security_notices.notify_recovery_code_used(user=user, remaining=1)

    [notice] = smtp.wait_for(to=user.email)
    assert "1 recovery code remains." in text_body(notice)


# Someone with the password who fails the second step ---------------------------------------------------------------

SECOND_STEP_FAILED = "Someone signed in with your password but did not complete two-step verification"
AUTHENTICATE = "/api/auth/mfa/authenticate/"
REAUTHENTICATE = "/api/auth/reauthenticate/"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"


def _intruder() -> APIClient:
    return APIClient(REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT=BROWSER)


def _second_step(client: APIClient, user) -> str:
    response = login(client, user.email)
    assert response.status_code == 202, response.content
    return response.json()["mfa_token"]


def _answer(client: APIClient, token: str, **answer) -> int:
    return client.post(AUTHENTICATE, {"mfa_token": token, **answer}, format="json").status_code


def _second_step_notices(smtp) -> list:
    return [message for message in smtp.messages if message["Subject"] == SECOND_STEP_FAILED]


@pytest.fixture
def generous_sign_in_limits(rates):
    rates(login_email_ip="100/15m", login_email="100/15m", login_ip="100/5m", authenticator_code_account="100/1d")


def test_the_owner_is_told_once_when_wrong_answers_spend_a_sign_ins_second_step(user, smtp, generous_sign_in_limits):
    # Given someone with the password at the second step, and the default of five wrong answers per challenge
    assert settings.MFA_CHALLENGE_MAX_FAILURES == 5
    app = authenticator_app_enabled(user)
    recovery_codes_issue_if_first(user=user)
    intruder = _intruder()
    token = _second_step(intruder, user)

    # When four wrong answers come (codes and a recovery code): no notice yet
    statuses = [_answer(intruder, token, code=code_of_step(app, step)) for step in (5, 6, 7)]
    statuses.append(_answer(intruder, token, recovery_code="aaaa-bbbb-cccc-dddd"))
    assert statuses == [400] * 4
    assert _second_step_notices(smtp) == []

    # And the fifth spends the challenge, and more come
    assert _answer(intruder, token, code=code_of_step(app, 8)) == 400
    assert _answer(intruder, token, code=code_of_step(app, 9)) == 400  # mfa_challenge_invalid: spent

    # Then the owner got one notice: when, the browser and the address, and what to do
    [notice] = _second_step_notices(smtp)
    assert notice["To"] == user.email
    body = text_body(notice)
    assert f"someone entered the right password of your account ({user.email}), then gave 5 wrong answers" in body
    assert re.search(r"On \d{4}-\d\d-\d\d \d\d:\d\d UTC ", body)
    assert f"Browser: {BROWSER}\nIP address: 203.0.113.9\n" in body
    assert "reset your password now" in body
    assert "token" not in body


def test_the_owner_is_told_while_redis_is_down(user, smtp, generous_sign_in_limits, throwaway_redis):
    # Given someone with the password at the second step, when Redis (which keeps the notices' cooldown) stops
    app = authenticator_app_enabled(user)
    intruder = _intruder()
    token = _second_step(intruder, user)
    throwaway_redis.stop()

    # When five wrong answers spend the challenge
    statuses = [_answer(intruder, token, code=code_of_step(app, step)) for step in range(5, 10)]

    # Then the owner is still told: a cooldown that cannot be read does not hold the notice back
    assert statuses == [400] * 5
    assert len(_second_step_notices(smtp)) == 1


def test_fewer_wrong_answers_or_an_abandoned_second_step_tell_nothing(user, smtp, generous_sign_in_limits):
    # Given an account with an authenticator app
    app = authenticator_app_enabled(user)
    owner = _intruder()

    # When a second step is left unanswered, and another gets four wrong codes and then the right one
    _second_step(owner, user)
    token = _second_step(owner, user)
    statuses = [_answer(owner, token, code=code_of_step(app, step)) for step in (5, 6, 7, 8)]
    statuses.append(_answer(owner, token, code=app.now()))

    # Then it signs in, and no such notice is sent
    assert statuses == [400, 400, 400, 400, 200]
    assert _second_step_notices(smtp) == []


def test_the_owner_is_told_once_when_the_authenticator_codes_lock(user, smtp, rates):
    # Given three wrong authenticator codes a day allowed, and sign-in limits that do not interfere
    rates(login_email_ip="100/15m", login_email="100/15m", login_ip="100/5m", authenticator_code_account="3/1d")
    app = authenticator_app_enabled(user)
    intruder = _intruder()

    # When three wrong codes come over two sign-ins (fewer than would spend either): no notice yet
    first, second = _second_step(intruder, user), _second_step(intruder, user)
    statuses = [_answer(intruder, first, code=code_of_step(app, step)) for step in (5, 6)]
    statuses.append(_answer(intruder, second, code=code_of_step(app, 7)))
    assert statuses == [400, 400, 400]
    assert _second_step_notices(smtp) == []

    # And the codes lock, and more are refused
    assert _answer(intruder, second, code=code_of_step(app, 8)) == 429
    assert _answer(intruder, second, code=app.now()) == 429

    # Then the owner got one notice, from the lock
    [notice] = _second_step_notices(smtp)
    body = text_body(notice)
    assert "then gave too many wrong codes of your authenticator app, so its codes are refused for 24 hours." in body
    assert "Your recovery codes and passkeys still work." in body
    assert f"Browser: {BROWSER}\nIP address: 203.0.113.9\n" in body


def test_a_second_incident_within_the_hour_tells_the_owner_nothing_more(user, smtp, generous_sign_in_limits):
    # Given someone with the password whose sign-in's second step was spent by wrong answers: one notice
    app = authenticator_app_enabled(user)
    intruder = _intruder()
    first = _second_step(intruder, user)
    assert [_answer(intruder, first, code=code_of_step(app, step)) for step in range(5, 10)] == [400] * 5

    # When they start another sign-in at once and spend it the same way
    second = _second_step(intruder, user)
    assert [_answer(intruder, second, code=code_of_step(app, step)) for step in range(10, 15)] == [400] * 5

    # Then the owner still has the one notice (it already says what to do), not one per attempt
    assert len(_second_step_notices(smtp)) == 1


def test_codes_locked_from_a_signed_in_session_do_not_claim_the_password_was_entered(user, smtp, rates):
    # Given a signed-in session (no password entered now) and two wrong authenticator codes a day allowed
    rates(authenticator_code_account="2/1d")
    app = authenticator_app_enabled(user)
    client, _ = signed_in_client(user, amr=("pwd", "otp"))

    # When it answers "Confirm it's you" with wrong codes until they lock
    statuses = [
        client.post(REAUTHENTICATE, {"code": code_of_step(app, step)}, format="json").status_code for step in (5, 6, 7)
    ]

    # Then the codes lock, and no notice claims someone entered the password (the session's own limit signs it out)
    assert statuses == [400, 400, 429]
    assert _second_step_notices(smtp) == []
