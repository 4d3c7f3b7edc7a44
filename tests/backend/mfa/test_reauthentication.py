"""Step-up: sensitive actions need a recent authentication at the account's level (a second factor when it has one);
POST reauthenticate/ gives one."""

import json
from datetime import datetime, timedelta

import pyotp
import pytest
from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient

from backend.accounts.models import AuthSession
from backend.audit.models import AuditEvent
from backend.mfa.models import Passkey, TotpAuthenticator
from backend.mfa.services.recovery_codes import recovery_codes_issue_if_first
from tests.backend.accounts.helpers import bearer, login
from tests.backend.mfa.helpers import (
    CODE_INVALID,
    LONG_AGO,
    SECOND_FACTOR_NEEDED,
    authentication_aged,
    authenticator_app_enabled,
    code_of_step,
)
from tests.conftest import signed_in_client
from tests.factories import DEFAULT_PASSWORD
from tests.support.webauthn import SoftwareAuthenticator, passkey_registered, webauthn_origin

pytestmark = pytest.mark.django_db

REAUTHENTICATE = "/api/auth/reauthenticate/"
NEW_PASSWORD = "a-Brand-new-passphrase-5"


def _signed_in_with_two_factors(user):
    """A client signed in with the password and the authenticator app; returns (client, app, session id)."""
    app = authenticator_app_enabled(user)
    client = APIClient()
    token = login(client, user.email).json()["mfa_token"]
    signed_in = client.post("/api/auth/mfa/authenticate/", {"mfa_token": token, "code": app.now()}, format="json")
    assert signed_in.status_code == 200
    bearer(client, signed_in.json()["access"])
    return client, app, str(AuthSession.objects.get(user=user).pk)


def _signed_in_with_password(user):
    client = APIClient()
    signed_in = login(client, user.email)
    bearer(client, signed_in.json()["access"])
    return client, str(AuthSession.objects.get(user=user).pk)


def _change_password(client: APIClient):
    body = {"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD}
    return client.post("/api/auth/password/", body, format="json")


# -- failure paths ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/auth/password/", {"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD}),
        ("post", "/api/auth/email/change/", {"new_email": "new@example.com", "current_password": DEFAULT_PASSWORD}),
        ("delete", "/api/auth/me/", {"current_password": DEFAULT_PASSWORD}),
    ],
    ids=["password change", "email change", "account deletion"],
)
def test_a_two_factor_session_needs_a_recent_second_factor_for_a_sensitive_action(user, method, path, body):
    # Given a session signed in with two factors an hour ago
    client, _, session_id = _signed_in_with_two_factors(user)
    authentication_aged(session_id, LONG_AGO)

    # When it asks for a sensitive action, with the right current password
    response = getattr(client, method)(path, body, format="json")

    # Then it is refused until it re-authenticates with a second factor, and nothing changed
    assert response.status_code == 403
    assert response.json()["code"] == "reauthentication_required"
    assert "authenticator app or a passkey" in response.json()["detail"]
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_the_password_alone_does_not_re_authenticate_a_two_factor_session(user):
    client, _, session_id = _signed_in_with_two_factors(user)
    authentication_aged(session_id, LONG_AGO)

    response = client.post(REAUTHENTICATE, {"password": DEFAULT_PASSWORD}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "reauthentication_required"
    assert _change_password(client).status_code == 403


def test_a_wrong_password_does_not_re_authenticate(user):
    client, session_id = _signed_in_with_password(user)
    authentication_aged(session_id, LONG_AGO)

    response = client.post(REAUTHENTICATE, {"password": "not-it"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"password": ["The current password is incorrect."]}


def test_a_wrong_or_replayed_code_does_not_re_authenticate(user):
    client, app, session_id = _signed_in_with_two_factors(user)
    authentication_aged(session_id, LONG_AGO)

    wrong = client.post(REAUTHENTICATE, {"code": code_of_step(app, 4)}, format="json")
    replayed = client.post(REAUTHENTICATE, {"code": app.now()}, format="json")  # the code that signed in

    assert (wrong.status_code, wrong.json()["code"]) == (400, "mfa_code_invalid")
    assert (replayed.status_code, replayed.json()["code"]) == (400, "mfa_code_invalid")
    assert _change_password(client).status_code == 403


def test_a_session_signed_in_before_the_second_factor_was_added_needs_it_now(user):
    # Given a password-only session, and an authenticator app added since (from another session) with its codes
    client, session_id = _signed_in_with_password(user)
    authenticator_app_enabled(user)
    recovery_codes_issue_if_first(user=user)
    authentication_aged(session_id, LONG_AGO)

    # When it tries to re-authenticate, or act, with the password it holds
    by_password = client.post(REAUTHENTICATE, {"password": DEFAULT_PASSWORD}, format="json")
    new_codes = client.post("/api/auth/mfa/recovery-codes/", {}, format="json")
    password_change = _change_password(client)

    # Then it is asked for the second factor each time, and nothing changed
    assert (by_password.status_code, by_password.json()) == (403, SECOND_FACTOR_NEEDED)
    assert (new_codes.status_code, new_codes.json()) == (403, SECOND_FACTOR_NEEDED)
    assert (password_change.status_code, password_change.json()) == (403, SECOND_FACTOR_NEEDED)
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_a_recent_password_sign_in_does_not_count_once_the_account_has_a_second_factor(user):
    # Given a session signed in with the password a minute ago, before the app was added elsewhere
    client, _ = _signed_in_with_password(user)
    authenticator_app_enabled(user)

    response = client.post("/api/auth/mfa/recovery-codes/", {}, format="json")

    assert (response.status_code, response.json()) == (403, SECOND_FACTOR_NEEDED)


@pytest.mark.django_db(transaction=True)  # the revocation reaches the session cache on commit
def test_wrong_codes_at_re_authentication_end_the_session(user, rates):
    # Given a two-factor session, with the account's sign-in limits out of the way
    rates(login_email_device="100/15m", login_email_ip="100/15m", login_email="100/15m")
    client, app, session_id = _signed_in_with_two_factors(user)

    # When it answers five wrong codes (a stolen access token guessing)
    statuses = [client.post(REAUTHENTICATE, {"code": code_of_step(app, step)}, format="json") for step in range(5, 10)]

    # Then the fourth warns that the next one ends the session, and the fifth does, as wrong current passwords would
    assert [response.status_code for response in statuses] == [400, 400, 400, 400, 401]
    assert statuses[2].json() == CODE_INVALID
    assert statuses[3].json() == {
        "detail": CODE_INVALID["detail"] + " One more wrong answer signs this session out.",
        "code": "mfa_code_invalid",
    }
    assert statuses[-1].json()["code"] == "session_revoked"
    assert AuthSession.objects.get(pk=session_id).revoked_at is not None
    assert client.get("/api/auth/me/").status_code == 401


def test_a_two_factor_session_whose_last_factor_was_removed_re_authenticates_with_the_password(user):
    # Given a two-factor session, and its account's authenticator app removed since (an operator's reset)
    client, _, session_id = _signed_in_with_two_factors(user)
    TotpAuthenticator.objects.filter(user=user).delete()
    authentication_aged(session_id, LONG_AGO)

    # When it re-authenticates with the password (it has nothing else), then changes the password
    response = client.post(REAUTHENTICATE, {"password": DEFAULT_PASSWORD}, format="json")

    # Then both go through
    assert response.status_code == 200
    assert _change_password(client).status_code == 204


def test_an_app_enrolment_begun_before_the_owner_added_a_passkey_cannot_be_finished_by_a_password_session(user):
    # Given a password session (an intruder's) that began enrolling its own app while the account had no factor
    intruder, issued = signed_in_client(user)
    started = intruder.post("/api/auth/mfa/totp/", {}, format="json")
    assert started.status_code == 201
    # And the owner then added a passkey
    passkey_registered(user, name="Owner's phone")

    # When the intruder confirms its app
    code = pyotp.TOTP(started.json()["secret"]).now()
    confirmed = intruder.post("/api/auth/mfa/totp/confirm/", {"code": code}, format="json")

    # Then it is asked for the account's second factor, and gained nothing
    assert (confirmed.status_code, confirmed.json()) == (403, SECOND_FACTOR_NEEDED)
    assert not TotpAuthenticator.objects.filter(user=user, confirmed_at__isnull=False).exists()
    assert AuthSession.objects.get(pk=issued.session.pk).aal == 1
    assert intruder.delete(f"/api/auth/mfa/passkeys/{Passkey.objects.get(user=user).pk}/").status_code == 403


def test_a_passkey_registration_begun_before_the_owner_added_the_app_cannot_be_finished_by_a_password_session(user):
    intruder, issued = signed_in_client(user)
    options = intruder.post("/api/auth/mfa/passkeys/options/", {}, format="json").json()
    authenticator_app_enabled(user)

    body = {
        "registration_token": options["registration_token"],
        "name": "Intruder's",
        "passkey": SoftwareAuthenticator().register(options["options"], webauthn_origin()),
    }
    response = intruder.post("/api/auth/mfa/passkeys/", body, format="json")

    assert (response.status_code, response.json()) == (403, SECOND_FACTOR_NEEDED)
    assert not Passkey.objects.filter(user=user).exists()
    assert AuthSession.objects.get(pk=issued.session.pk).aal == 1


def test_a_password_re_authentication_does_not_count_as_a_second_factor_once_one_is_added(user):
    # Given a session signed in with two factors, whose account's factor was removed, re-authenticated with the
    # password (all it could use then)
    authenticator_app_enabled(user)
    client, issued = signed_in_client(user, amr=("pwd", "otp"))
    TotpAuthenticator.objects.filter(user=user).delete()
    authentication_aged(issued.session.pk, LONG_AGO)
    assert client.post(REAUTHENTICATE, {"password": DEFAULT_PASSWORD}, format="json").status_code == 200

    # When a factor is added again (the owner, elsewhere) within the re-authentication's window
    passkey_registered(user, name="Owner's phone")
    response = client.post("/api/auth/mfa/recovery-codes/", {}, format="json")

    # Then that password is not a recent second factor: the session is at level 1 and asked for the factor
    assert (response.status_code, response.json()) == (403, SECOND_FACTOR_NEEDED)
    assert AuthSession.objects.get(pk=issued.session.pk).aal == 1


def test_the_status_gives_no_window_to_a_session_below_the_accounts_level(user):
    # Given a password session signed in a moment ago, and a second factor added since
    client, _ = signed_in_client(user)
    authenticator_app_enabled(user)

    status = client.get("/api/auth/mfa/").json()

    # Then the status does not say sensitive changes are allowed (the server would refuse them)
    assert (status["mfa_enabled"], status["session"]["aal"]) == (True, 1)
    assert status["session"]["reauthenticated_until"] is None
    assert client.post("/api/auth/mfa/recovery-codes/", {}, format="json").status_code == 403


def test_the_status_gives_the_window_of_a_session_at_the_accounts_level(user):
    client, _ = signed_in_client(user)

    until = parse_datetime(client.get("/api/auth/mfa/").json()["session"]["reauthenticated_until"])

    assert until is not None
    assert until > timezone.now()


def test_a_passkey_answer_without_its_token_is_a_400(user):
    client, _, _ = _signed_in_with_two_factors(user)

    response = client.post(REAUTHENTICATE, {"passkey": {"id": "x"}}, format="json")

    assert response.status_code == 400
    assert response.json() == {"reauth_token": ["Required with `passkey`."]}


def test_re_authentication_needs_an_access_token(api_client):
    response = api_client.post(REAUTHENTICATE, {"password": DEFAULT_PASSWORD}, format="json")

    assert response.status_code == 401


# -- success ----------------------------------------------------------------------------------------------------------
def test_a_second_factor_re_authenticates_and_the_sensitive_action_then_goes_through(user):
    # Given a two-factor session that authenticated an hour ago
    client, app, session_id = _signed_in_with_two_factors(user)
    authentication_aged(session_id, LONG_AGO)

    # When it re-authenticates with the next code
    response = client.post(REAUTHENTICATE, {"code": code_of_step(app, 1)}, format="json")

    # Then it may act for REAUTH_MAX_AGE_SECONDS
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"authenticated_at", "reauthenticated_until"}
    assert _change_password(client).status_code == 204
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_a_fresh_two_factor_sign_in_needs_no_re_authentication(user):
    client, _, _ = _signed_in_with_two_factors(user)

    assert _change_password(client).status_code == 204


def test_a_one_factor_session_confirms_with_its_current_password_however_old(user):
    # Given a password-only session signed in an hour ago
    client, session_id = _signed_in_with_password(user)
    authentication_aged(session_id, LONG_AGO)

    # When it changes the password, giving the current one
    response = _change_password(client)

    # Then the current password is the re-authentication (its level is one factor)
    assert response.status_code == 204


def test_the_password_re_authenticates_a_one_factor_session(user):
    client, session_id = _signed_in_with_password(user)
    authentication_aged(session_id, LONG_AGO)

    response = client.post(REAUTHENTICATE, {"password": DEFAULT_PASSWORD}, format="json")

    assert response.status_code == 200
    authenticated_at = datetime.fromisoformat(response.json()["authenticated_at"])
    until = datetime.fromisoformat(response.json()["reauthenticated_until"])
    assert until - authenticated_at == timedelta(seconds=settings.REAUTH_MAX_AGE_SECONDS)
    assert AuthSession.objects.get(pk=session_id).authenticated_at == authenticated_at


@pytest.mark.django_db(transaction=True)  # the recovery code's notice is sent on commit
def test_a_recovery_code_re_authenticates_and_is_spent(user, smtp):
    # Given a two-factor session whose owner lost the app (its codes are all they have), an hour after sign-in
    client, _, session_id = _signed_in_with_two_factors(user)
    [code, other, *_] = recovery_codes_issue_if_first(user=user)
    authentication_aged(session_id, LONG_AGO)

    # When it re-authenticates with a recovery code
    response = client.post(REAUTHENTICATE, {"recovery_code": code}, format="json")

    # Then the code is spent (the owner told) and works no second time, and the lost app can be turned off
    assert response.status_code == 200
    smtp.wait_for(to=user.email, subject="A recovery code of your account was used")
    again = client.post(REAUTHENTICATE, {"recovery_code": code}, format="json")
    assert (again.status_code, again.json()["code"]) == (400, "mfa_code_invalid")
    body = json.dumps({"recovery_code": other})
    assert client.generic("DELETE", "/api/auth/mfa/totp/", body, content_type="application/json").status_code == 204


def test_a_second_factor_raises_a_one_factor_session_to_two(user):
    # Given a password-only session on an account that has an authenticator app now
    client, session_id = _signed_in_with_password(user)
    app = authenticator_app_enabled(user)

    # When it re-authenticates with a code
    assert client.post(REAUTHENTICATE, {"code": app.now()}, format="json").status_code == 200

    # Then it counts as signed in with two factors, and may act
    session = AuthSession.objects.get(pk=session_id)
    assert (session.aal, session.amr) == (2, "pwd,otp")
    assert client.post("/api/auth/mfa/recovery-codes/", {}, format="json").status_code == 200


@pytest.mark.django_db(transaction=True)  # audit rows are written on commit
def test_re_authentication_is_audited(user):
    client, app, session_id = _signed_in_with_two_factors(user)
    authentication_aged(session_id, LONG_AGO)
    assert client.post(REAUTHENTICATE, {"code": code_of_step(app, 1)}, format="json").status_code == 200

    events = AuditEvent.objects.filter(user=user, event=AuditEvent.Event.REAUTHENTICATED)
    assert [str(event.session_id) for event in events] == [session_id]
