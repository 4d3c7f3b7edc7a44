"""A fault after a right second factor was checked, while what it completes is written (the session of a sign-in, a
re-authentication, turning the authenticator app off), spends nothing: the answer, its challenge and a passkey's
counter commit with it (challenges.challenge_spending), so the client's retry of the 503 succeeds, and the fault counts
as no wrong answer."""

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from django.db import connection
from rest_framework.test import APIClient

from backend.accounts.models import AuthSession
from backend.audit.models import AuditEvent
from backend.common.background import wait_for_background_jobs
from backend.mfa.models import MfaChallenge, Passkey, RecoveryCode, TotpAuthenticator
from backend.mfa.services.recovery_codes import recovery_codes_issue_if_first
from tests.backend.mfa.helpers import (
    LONG_AGO,
    TOTP,
    authentication_aged,
    authenticator_app_enabled,
    second_step_answer,
    sign_in_step,
)
from tests.conftest import signed_in_client
from tests.dbvendor import skip_on_mongodb
from tests.support.webauthn import passkey_registered, webauthn_origin

pytestmark = [
    skip_on_mongodb("there a session starts just after the answer is spent (challenges.completes_inside_spending)"),
    pytest.mark.django_db(transaction=True),  # emails and audit events are sent when the transaction commits
]

AUTHENTICATE_OPTIONS = "/api/auth/mfa/authenticate/options/"
PASSWORDLESS_OPTIONS = "/api/auth/passkey/options/"
PASSWORDLESS_LOGIN = "/api/auth/passkey/login/"
REAUTHENTICATE = "/api/auth/reauthenticate/"
SESSION_START = 'UPDATE "accounts_user" SET "last_login"'  # session_start's first statement
REAUTHENTICATION_RECORD = 'UPDATE "accounts_authsession" SET "amr"'  # session_factor_proven's
APP_REMOVAL = 'DELETE FROM "mfa_totpauthenticator"'  # totp_disable's
UNAVAILABLE = {
    "detail": "The service is briefly unavailable (its database cannot be reached); retry shortly.",
    "code": "service_unavailable",
}


@contextmanager
def database_lost_at(statement: str) -> Iterator[None]:
    """The database connection breaks when ``statement`` is sent, as libpq reports a server gone mid-request."""

    def lose(execute, sql, params, many, context):
        if sql.startswith(statement):
            raise psycopg.OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(lose):
        yield


def _unused_codes(user) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def _unavailable(response) -> bool:
    return (response.status_code, response.json()) == (503, UNAVAILABLE)


def test_a_recovery_code_whose_session_could_not_start_stays_unused_and_the_retry_signs_in(user, smtp, rates):
    # Given an account with the app and its recovery codes, past the password of a sign-in, whose per-account sign-in
    # limit would lock it after two wrong answers
    rates(login_email_ip="2/15m")
    authenticator_app_enabled(user)
    codes = recovery_codes_issue_if_first(user=user)
    token = sign_in_step(user)

    # When a recovery code is right, but the database goes away as the session starts, three times
    with database_lost_at(SESSION_START):
        failed = [second_step_answer(token, recovery_code=codes[0]) for _ in range(3)]
    wait_for_background_jobs()

    # Then each is a 503 that spent nothing: the code, the step and the limit are as they were, nobody was told
    assert all(map(_unavailable, failed)), [response.content for response in failed]
    assert _unused_codes(user) == 10
    assert MfaChallenge.objects.get(user=user, purpose="sign_in").used_at is None
    assert not AuthSession.objects.filter(user=user).exists()
    assert not AuditEvent.objects.filter(event=AuditEvent.Event.RECOVERY_CODE_USED).exists()
    assert smtp.messages == []

    # And the retry signs in with the same code and step
    retry = second_step_answer(token, recovery_code=codes[0])
    assert retry.status_code == 200, retry.content
    assert _unused_codes(user) == 9
    assert AuthSession.objects.filter(user=user).count() == 1


def test_an_authenticator_code_whose_session_could_not_start_works_on_the_retry(user, rates):
    # Given an account whose app's codes would lock after two that do not sign in
    rates(authenticator_code_account="2/1d", login_email_ip="2/15m")
    app = authenticator_app_enabled(user)
    token = sign_in_step(user)
    code = app.now()

    # When the right code meets a lost database three times, then is sent once more
    with database_lost_at(SESSION_START):
        failed = [second_step_answer(token, code=code) for _ in range(3)]
    retry = second_step_answer(token, code=code)

    # Then its time step was not spent by the failures, nor did they count as wrong codes: the retry signs in
    assert all(map(_unavailable, failed)), [response.content for response in failed]
    assert retry.status_code == 200, retry.content
    assert AuthSession.objects.filter(user=user).count() == 1


def test_a_passkeys_second_step_whose_session_could_not_start_keeps_its_counter_and_works_on_the_retry(user):
    # Given an account with a passkey, past the password of a sign-in
    authenticator = passkey_registered(user)
    token = sign_in_step(user)

    def passkey_answer():
        options = APIClient().post(AUTHENTICATE_OPTIONS, {"mfa_token": token}, format="json")
        assert options.status_code == 200, options.content
        return second_step_answer(token, passkey=authenticator.assertion(options.json()["options"], webauthn_origin()))

    # When the passkey's answer meets a lost database, then is given again
    with database_lost_at(SESSION_START):
        failed = passkey_answer()
    stored_after_the_failure = Passkey.objects.values_list("sign_count", "last_used_at").get()
    retry = passkey_answer()

    # Then the failure moved neither the stored counter nor the last use, and the retry signs in
    assert _unavailable(failed), failed.content
    assert stored_after_the_failure == (0, None)
    assert retry.status_code == 200, retry.content
    assert Passkey.objects.get().sign_count == authenticator.sign_count


def test_a_passwordless_sign_in_whose_session_could_not_start_spends_nothing(user):
    # Given a discoverable passkey and a passwordless sign-in's options
    authenticator = passkey_registered(user)
    api = APIClient()
    started = api.post(PASSWORDLESS_OPTIONS, {}, format="json").json()
    answer = {"passkey_token": started["passkey_token"]}

    # When its right assertion meets a lost database, then the next assertion answers the same options
    with database_lost_at(SESSION_START):
        failed = api.post(
            PASSWORDLESS_LOGIN,
            {**answer, "passkey": authenticator.assertion(started["options"], webauthn_origin())},
            format="json",
        )
    challenge = MfaChallenge.objects.get(purpose="passwordless")
    retry = api.post(
        PASSWORDLESS_LOGIN,
        {**answer, "passkey": authenticator.assertion(started["options"], webauthn_origin())},
        format="json",
    )

    # Then the failure spent neither the challenge nor the counter, and counted as no wrong answer
    assert _unavailable(failed), failed.content
    assert (challenge.used_at, challenge.failed_attempts) == (None, 0)
    assert retry.status_code == 200, retry.content
    assert AuthSession.objects.filter(user=user).count() == 1


def test_a_recovery_code_whose_re_authentication_could_not_be_recorded_stays_unused(user):
    # Given a signed-in session of an account with the app, last authenticated long ago
    authenticator_app_enabled(user)
    codes = recovery_codes_issue_if_first(user=user)
    client, issued = signed_in_client(user, amr=("pwd", "otp"))
    authentication_aged(issued.session.pk, LONG_AGO)

    # When it re-authenticates with a right recovery code, but the database goes away as that is recorded
    with database_lost_at(REAUTHENTICATION_RECORD):
        failed = client.post(REAUTHENTICATE, {"recovery_code": codes[0]}, format="json")
    retry = client.post(REAUTHENTICATE, {"recovery_code": codes[0]}, format="json")

    # Then the code was not spent by the failure: the retry re-authenticates with it
    assert _unavailable(failed), failed.content
    assert retry.status_code == 200, retry.content
    assert _unused_codes(user) == 9


def _app_enabled(user) -> bool:
    return TotpAuthenticator.objects.filter(user=user, confirmed_at__isnull=False).exists()


def test_a_recovery_code_whose_app_removal_could_not_be_written_stays_unused_and_the_app_on(user):
    # Given a signed-in session, recently authenticated with the app, of an account with its recovery codes
    authenticator_app_enabled(user)
    codes = recovery_codes_issue_if_first(user=user)
    client, _ = signed_in_client(user, amr=("pwd", "otp"))

    # When it turns the app off with a right recovery code, but the database goes away as the app is removed
    with database_lost_at(APP_REMOVAL):
        failed = client.delete(TOTP, {"recovery_code": codes[0]}, format="json")

    # Then nothing is half done: the code is still unused and the app still on
    assert _unavailable(failed), failed.content
    assert (_unused_codes(user), _app_enabled(user)) == (10, True)
    # And the retry with the same code turns the app off, with the codes (no factor is left)
    retry = client.delete(TOTP, {"recovery_code": codes[0]}, format="json")
    assert retry.status_code == 204, retry.content
    assert (_app_enabled(user), RecoveryCode.objects.filter(user=user).exists()) == (False, False)


def test_an_authenticator_code_whose_app_removal_could_not_be_written_works_on_the_retry(user):
    # Given a signed-in session, recently authenticated with the app
    app = authenticator_app_enabled(user)
    client, _ = signed_in_client(user, amr=("pwd", "otp"))
    code = app.now()

    # When it turns the app off with a right code, but the database goes away as the app is removed
    with database_lost_at(APP_REMOVAL):
        failed = client.delete(TOTP, {"code": code}, format="json")
    still_on = _app_enabled(user)
    retry = client.delete(TOTP, {"code": code}, format="json")

    # Then the failure did not spend the code's time step: the same code turns the app off on the retry
    assert _unavailable(failed), failed.content
    assert still_on is True
    assert retry.status_code == 204, retry.content
    assert _app_enabled(user) is False
