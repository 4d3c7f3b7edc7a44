"""Passkeys in use as a second factor: answering the second step of a sign-in (after the password) and
re-authenticating a session. Every assertion is signed by a real P-256 key (tests/support/webauthn.py) and verified by
py_webauthn; nothing is mocked."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from backend.accounts.models import AuthSession
from backend.accounts.tokens import SessionAccessToken
from backend.mfa.models import MfaChallenge, Passkey
from tests.backend.accounts.helpers import login
from tests.backend.mfa.helpers import (
    CHALLENGE_EXPIRED,
    CHALLENGE_INVALID,
    LONG_AGO,
    PASSKEY_INVALID,
    authentication_aged,
    authenticator_app_enabled,
)
from tests.conftest import signed_in_client
from tests.support.webauthn import SoftwareAuthenticator, passkey_registered, webauthn_origin

pytestmark = pytest.mark.django_db

OPTIONS = "/api/auth/mfa/passkeys/options/"  # a step-up endpoint, to show a re-authentication worked
AUTHENTICATE_OPTIONS = "/api/auth/mfa/authenticate/options/"
AUTHENTICATE = "/api/auth/mfa/authenticate/"
REAUTH_OPTIONS = "/api/auth/reauthenticate/options/"
REAUTHENTICATE = "/api/auth/reauthenticate/"
NO_PASSKEY = {"detail": "This account has no passkey.", "code": "mfa_state_conflict"}


def _sign_in_step(user) -> tuple[APIClient, str]:
    """A client past the password step of ``user``'s sign-in; returns it and the mfa_token."""
    client = APIClient()
    response = login(client, user.email)
    assert response.status_code == 202, response.content
    return client, response.json()["mfa_token"]


def _authenticate_options(client: APIClient, token: str) -> dict:
    response = client.post(AUTHENTICATE_OPTIONS, {"mfa_token": token}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["options"]


def _claims(access: str) -> dict:
    return dict(SessionAccessToken(access.encode()).payload)


# -- the second step of a sign-in -----------------------------------------------------------------------------------
def test_passkey_options_for_an_account_without_passkeys_are_a_409(user):
    authenticator_app_enabled(user)
    client, token = _sign_in_step(user)

    response = client.post(AUTHENTICATE_OPTIONS, {"mfa_token": token}, format="json")

    assert (response.status_code, response.json()) == (409, NO_PASSKEY)


@pytest.mark.parametrize("token", ["made-up", ""], ids=["unknown", "blank"])
def test_passkey_options_need_a_live_sign_in_step(api_client, token):
    response = api_client.post(AUTHENTICATE_OPTIONS, {"mfa_token": token}, format="json")

    assert response.status_code == 400


def test_passkey_options_of_an_expired_sign_in_step_are_refused(user):
    passkey_registered(user)
    client, token = _sign_in_step(user)
    MfaChallenge.objects.filter(purpose="sign_in").update(expires_at=timezone.now() - timedelta(seconds=1))

    response = client.post(AUTHENTICATE_OPTIONS, {"mfa_token": token}, format="json")

    assert (response.status_code, response.json()) == (400, CHALLENGE_EXPIRED)


def test_another_accounts_passkey_cannot_finish_this_sign_in(user, other_user):
    # Given a sign-in of this account waiting for a passkey, and someone else's passkey
    passkey_registered(user)
    intruder = passkey_registered(other_user)
    client, token = _sign_in_step(user)
    options = _authenticate_options(client, token)

    # When the other account's passkey answers this account's challenge
    answer = intruder.assertion(options, webauthn_origin(), ignore_allow_list=True)
    response = client.post(AUTHENTICATE, {"mfa_token": token, "passkey": answer}, format="json")

    # Then it is refused, counted as a failure, and nobody is signed in
    assert (response.status_code, response.json()) == (400, PASSKEY_INVALID)
    assert MfaChallenge.objects.get(purpose="sign_in").failed_attempts == 1
    assert not AuthSession.objects.filter(user__in=[user, other_user], amr__contains="passkey").exists()


@pytest.mark.parametrize(
    "knobs",
    [{"tamper_signature": True}, {"user_verified": False}, {"origin": "https://evil.example"}],
    ids=["tampered signature", "no user verification", "another origin"],
)
def test_an_assertion_that_does_not_verify_is_refused(user, knobs):
    authenticator = passkey_registered(user)
    client, token = _sign_in_step(user)
    options = _authenticate_options(client, token)
    origin = knobs.pop("origin", webauthn_origin())

    response = client.post(
        AUTHENTICATE, {"mfa_token": token, "passkey": authenticator.assertion(options, origin, **knobs)}, format="json"
    )

    assert (response.status_code, response.json()) == (400, PASSKEY_INVALID)
    assert Passkey.objects.get(user=user).sign_count == 0


def test_an_assertion_without_options_asked_is_refused(user):
    # Given a sign-in step whose passkey options were never asked for (nothing for the passkey to sign)
    authenticator = passkey_registered(user)
    client, token = _sign_in_step(user)
    stale = {"challenge": "bm90LWFza2Vk", "rpId": settings.WEBAUTHN_RP_ID}

    response = client.post(
        AUTHENTICATE, {"mfa_token": token, "passkey": authenticator.assertion(stale, webauthn_origin())}, format="json"
    )

    assert (response.status_code, response.json()) == (400, PASSKEY_INVALID)


def test_an_assertion_whose_counter_did_not_rise_is_refused_as_a_replay(user):
    # Given a passkey that signed in once (its counter now 1)
    authenticator = passkey_registered(user)
    client, token = _sign_in_step(user)
    answer = authenticator.assertion(_authenticate_options(client, token), webauthn_origin())
    assert client.post(AUTHENTICATE, {"mfa_token": token, "passkey": answer}, format="json").status_code == 200

    # When the next sign-in gets an assertion with the same counter (a cloned key, or a replay)
    client, token = _sign_in_step(user)
    replay = authenticator.assertion(_authenticate_options(client, token), webauthn_origin(), counter=1)
    response = client.post(AUTHENTICATE, {"mfa_token": token, "passkey": replay}, format="json")

    # Then it is refused and the stored counter stays where it was
    assert (response.status_code, response.json()) == (400, PASSKEY_INVALID)
    assert Passkey.objects.get(user=user).sign_count == 1


def test_the_same_assertion_posted_twice_signs_in_once(user):
    authenticator = passkey_registered(user)
    client, token = _sign_in_step(user)
    answer = authenticator.assertion(_authenticate_options(client, token), webauthn_origin())
    assert client.post(AUTHENTICATE, {"mfa_token": token, "passkey": answer}, format="json").status_code == 200

    response = client.post(AUTHENTICATE, {"mfa_token": token, "passkey": answer}, format="json")

    assert (response.status_code, response.json()) == (400, CHALLENGE_INVALID)
    assert AuthSession.objects.filter(user=user, amr="pwd,passkey").count() == 1


def test_a_passkey_finishes_the_sign_in_at_level_2_and_its_counter_rises(user):
    # Given an account with a passkey, past the password step
    authenticator = passkey_registered(user)
    client, token = _sign_in_step(user)

    # When it asks for passkey options, which list only the account's passkeys, and answers them
    options = _authenticate_options(client, token)
    response = client.post(
        AUTHENTICATE,
        {"mfa_token": token, "passkey": authenticator.assertion(options, webauthn_origin())},
        format="json",
    )

    # Then it is signed in with both factors, and the passkey's counter and last use are recorded
    assert [entry["id"] for entry in options["allowCredentials"]] == [authenticator.credential_id_b64]
    assert (options["userVerification"], options["rpId"]) == ("required", settings.WEBAUTHN_RP_ID)
    assert response.status_code == 200
    claims = _claims(response.json()["access"])
    assert (claims["amr"], claims["aal"]) == (["pwd", "passkey"], 2)
    passkey = Passkey.objects.get(user=user)
    assert passkey.sign_count == 1
    assert passkey.last_used_at is not None
    # And the next sign-in moves the counter on again
    client, token = _sign_in_step(user)
    answer = authenticator.assertion(_authenticate_options(client, token), webauthn_origin())
    assert client.post(AUTHENTICATE, {"mfa_token": token, "passkey": answer}, format="json").status_code == 200
    assert Passkey.objects.get(user=user).sign_count == 2


def test_a_synced_passkey_that_always_reports_counter_0_still_signs_in(user):
    authenticator = passkey_registered(user, authenticator=SoftwareAuthenticator(counter_step=0, backed_up=True))
    for _ in range(2):
        client, token = _sign_in_step(user)
        answer = authenticator.assertion(_authenticate_options(client, token), webauthn_origin())

        response = client.post(AUTHENTICATE, {"mfa_token": token, "passkey": answer}, format="json")

        assert response.status_code == 200
    assert Passkey.objects.get(user=user).sign_count == 0


# -- re-authentication ----------------------------------------------------------------------------------------------
def test_reauthentication_options_without_a_passkey_are_a_409(user):
    client, _ = signed_in_client(user)

    response = client.post(REAUTH_OPTIONS, {}, format="json")

    assert (response.status_code, response.json()) == (409, NO_PASSKEY)


def test_a_reauthentication_token_belongs_to_its_session(user):
    authenticator = passkey_registered(user)
    first, _ = signed_in_client(user)
    started = first.post(REAUTH_OPTIONS, {}, format="json").json()
    other, _ = signed_in_client(user)

    answer = authenticator.assertion(started["options"], webauthn_origin())
    response = other.post(REAUTHENTICATE, {"reauth_token": started["reauth_token"], "passkey": answer}, format="json")

    assert (response.status_code, response.json()) == (400, CHALLENGE_INVALID)


def test_a_refused_passkey_before_the_last_allowed_wrong_answer_warns_and_keeps_its_code(user, rates):
    # Given a session allowed 2 wrong answers to confirm it is its owner, of an account with a passkey
    rates(password_change_session="2/30d")
    authenticator = passkey_registered(user)
    client, _ = signed_in_client(user)

    # When it answers with an assertion made without user verification
    started = client.post(REAUTH_OPTIONS, {}, format="json").json()
    answer = authenticator.assertion(started["options"], webauthn_origin(), user_verified=False)
    response = client.post(REAUTHENTICATE, {"reauth_token": started["reauth_token"], "passkey": answer}, format="json")

    # Then it is refused as it always was, and told that one more wrong answer signs the session out
    assert (response.status_code, response.json()) == (
        400,
        {
            "detail": PASSKEY_INVALID["detail"] + " One more wrong answer signs this session out.",
            "code": "passkey_invalid",
        },
    )


def test_a_passkey_reauthenticates_an_old_session(user):
    # Given a session that authenticated an hour ago, of an account with a passkey
    authenticator = passkey_registered(user)
    client, issued = signed_in_client(user)
    authentication_aged(issued.session.pk, LONG_AGO)

    # When it re-authenticates with the passkey
    started = client.post(REAUTH_OPTIONS, {}, format="json")
    answer = authenticator.assertion(started.json()["options"], webauthn_origin())
    response = client.post(
        REAUTHENTICATE, {"reauth_token": started.json()["reauth_token"], "passkey": answer}, format="json"
    )

    # Then it may step up again
    assert started.status_code == 200
    assert set(started.json()) == {"reauth_token", "options"}
    assert response.status_code == 200
    assert client.post(OPTIONS, {}, format="json").status_code == 200
