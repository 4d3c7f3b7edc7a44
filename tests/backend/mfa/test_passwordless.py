"""Signing in with a passkey alone: options with no allowed credentials, then a discoverable passkey's assertion,
whose user handle names the account, signs in as a login does with ``amr`` ["passkey"] at level 2. Every response
is signed by a real key (tests/support/webauthn.py)."""

import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from backend.accounts.cookies import device_cookie_name
from backend.accounts.models import AuthSession
from backend.accounts.tokens import SessionAccessToken
from backend.mfa.errors import PasskeyInvalid
from backend.mfa.models import MfaChallenge, Passkey
from backend.mfa.services.passkeys import passkey_assertion_verify
from backend.mfa.services.passwordless import passwordless_options
from tests.backend.accounts.helpers import login
from tests.backend.mfa.helpers import CHALLENGE_EXPIRED, CHALLENGE_INVALID, PASSKEY_INVALID, PASSKEY_UNKNOWN
from tests.support.webauthn import SoftwareAuthenticator, passkey_registered, webauthn_origin

pytestmark = pytest.mark.django_db

OPTIONS = "/api/auth/passkey/options/"
LOGIN = "/api/auth/passkey/login/"


def _options(client: APIClient) -> dict:
    response = client.post(OPTIONS, {}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def _login(client: APIClient, started: dict, passkey: object):
    return client.post(LOGIN, {"passkey_token": started["passkey_token"], "passkey": passkey}, format="json")


# -- failure paths ----------------------------------------------------------------------------------------------------
def test_an_unknown_passkey_signs_nobody_in_and_is_named_unknown(api_client, user):
    # Given a passkey this site never registered
    started = _options(api_client)
    stranger = SoftwareAuthenticator()
    stranger.rp_id, stranger.user_handle = settings.WEBAUTHN_RP_ID, user.pk.bytes

    # When it answers a passwordless sign-in
    response = _login(api_client, started, stranger.assertion(started["options"], webauthn_origin()))

    # Then it is refused as unknown (the SPA tells the browser to forget it), and the failure counts on the challenge
    assert (response.status_code, response.json()) == (400, PASSKEY_UNKNOWN)
    assert not AuthSession.objects.exists()
    assert MfaChallenge.objects.get().failed_attempts == 1


def test_a_deleted_passkey_and_a_deleted_accounts_passkey_are_named_unknown(api_client, user, other_user):
    # Given a passkey its owner deleted, and one whose whole account was deleted
    deleted = passkey_registered(user)
    Passkey.objects.filter(user=user).delete()
    orphaned = passkey_registered(other_user)
    other_user.delete()

    # When each answers a passwordless sign-in
    answers = []
    for authenticator in (deleted, orphaned):
        started = _options(api_client)
        answers.append(_login(api_client, started, authenticator.assertion(started["options"], webauthn_origin())))

    # Then both are refused as unknown: the device may forget them
    assert [(answer.status_code, answer.json()) for answer in answers] == [(400, PASSKEY_UNKNOWN)] * 2
    assert not AuthSession.objects.exists()


@pytest.mark.parametrize("raw_id", ["", "!!", "A" * 1401, 7], ids=["empty", "not base64url", "too long", "a number"])
def test_a_malformed_credential_id_is_invalid_not_unknown(api_client, user, raw_id):
    # Given a response whose rawId names no credential id at all
    authenticator = passkey_registered(user)
    started = _options(api_client)
    answer = {**authenticator.assertion(started["options"], webauthn_origin()), "rawId": raw_id}

    # When it is sent, then it is merely invalid: nothing says a device should forget anything
    response = _login(api_client, started, answer)

    assert (response.status_code, response.json()) == (400, PASSKEY_INVALID)


def test_a_user_handle_naming_another_account_is_refused(api_client, user, other_user):
    # Given this account's discoverable passkey
    authenticator = passkey_registered(user)
    started = _options(api_client)

    # When its response claims to be another account's
    answer = authenticator.assertion(started["options"], webauthn_origin(), user_handle=other_user.pk.bytes)
    response = _login(api_client, started, answer)

    # Then it is refused, and nobody is signed in
    assert (response.status_code, response.json()) == (400, PASSKEY_INVALID)
    assert not AuthSession.objects.exists()
    assert Passkey.objects.get().sign_count == 0


def test_a_passkey_that_names_no_account_cannot_sign_in_without_a_password(api_client, user):
    # Given a passkey registered as a second factor only (not a resident key: it returns no user handle)
    authenticator = passkey_registered(user, resident=False)
    started = _options(api_client)

    # When a client offers it to the passwordless sign-in anyway
    response = _login(api_client, started, authenticator.assertion(started["options"], webauthn_origin()))

    # Then it is refused: nothing said whose it is before the ceremony, so its response must
    assert (response.status_code, response.json()) == (400, PASSKEY_INVALID)


@pytest.mark.parametrize(
    "knobs",
    [{"tamper_signature": True}, {"user_verified": False}, {"origin": "https://evil.example"}, {"rp_id": "evil.test"}],
    ids=["tampered signature", "no user verification", "another origin", "another RP id"],
)
def test_an_assertion_that_does_not_verify_signs_nobody_in(api_client, user, knobs):
    authenticator = passkey_registered(user)
    started = _options(api_client)
    origin = knobs.pop("origin", webauthn_origin())

    response = _login(api_client, started, authenticator.assertion(started["options"], origin, **knobs))

    assert (response.status_code, response.json()) == (400, PASSKEY_INVALID)
    assert not AuthSession.objects.exists()


def test_a_replayed_assertion_is_refused(api_client, user):
    # Given a passkey that signed in once
    authenticator = passkey_registered(user)
    started = _options(api_client)
    answer = authenticator.assertion(started["options"], webauthn_origin())
    assert _login(api_client, started, answer).status_code == 200

    # When the same response comes again, with its token, then for a new challenge with the same counter
    again = _login(APIClient(), started, answer)
    fresh = _options(api_client)
    same_counter = _login(
        APIClient(),
        fresh,
        authenticator.assertion(fresh["options"], webauthn_origin(), counter=authenticator.sign_count),
    )

    # Then both are refused: the token was used, and the counter did not rise
    assert (again.status_code, again.json()) == (400, CHALLENGE_INVALID)
    assert (same_counter.status_code, same_counter.json()) == (400, PASSKEY_INVALID)
    assert AuthSession.objects.count() == 1


def test_a_passkey_token_works_once(api_client, user):
    authenticator = passkey_registered(user)
    started = _options(api_client)
    assert (
        _login(api_client, started, authenticator.assertion(started["options"], webauthn_origin())).status_code == 200
    )

    response = _login(api_client, started, authenticator.assertion(started["options"], webauthn_origin()))

    assert (response.status_code, response.json()) == (400, CHALLENGE_INVALID)


def test_an_expired_passkey_token_is_refused(api_client, user):
    authenticator = passkey_registered(user)
    started = _options(api_client)
    MfaChallenge.objects.filter(purpose="passwordless").update(expires_at=timezone.now() - timedelta(seconds=1))

    response = _login(api_client, started, authenticator.assertion(started["options"], webauthn_origin()))

    assert (response.status_code, response.json()) == (400, CHALLENGE_EXPIRED)
    assert not AuthSession.objects.exists()


def test_a_sign_in_steps_token_is_not_a_passkey_token(api_client, user):
    # Given an account with a passkey past the password step of a sign-in (its mfa_token)
    authenticator = passkey_registered(user)
    mfa_token = login(APIClient(), user.email).json()["mfa_token"]
    started = _options(api_client)

    # When that token is sent as a passkey token
    answer = authenticator.assertion(started["options"], webauthn_origin())
    response = _login(api_client, {"passkey_token": mfa_token}, answer)

    # Then it is unknown here
    assert (response.status_code, response.json()) == (400, CHALLENGE_INVALID)


def test_the_token_is_spent_after_five_wrong_answers(api_client, user):
    authenticator = passkey_registered(user)
    started = _options(api_client)
    for _ in range(settings.MFA_CHALLENGE_MAX_FAILURES):
        wrong = authenticator.assertion(started["options"], webauthn_origin(), tamper_signature=True)
        assert _login(api_client, started, wrong).status_code == 400

    response = _login(api_client, started, authenticator.assertion(started["options"], webauthn_origin()))

    assert (response.status_code, response.json()) == (400, CHALLENGE_INVALID)


def test_a_deactivated_account_cannot_sign_in_with_its_passkey(api_client, user):
    authenticator = passkey_registered(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    started = _options(api_client)

    response = _login(api_client, started, authenticator.assertion(started["options"], webauthn_origin()))

    # invalid, not unknown: the account may be reactivated, and its passkey must stay on the device
    assert (response.status_code, response.json()) == (400, PASSKEY_INVALID)
    assert not AuthSession.objects.exists()
    # and a sign-in refused is no use of the passkey: its counter and last use stay as they were
    assert Passkey.objects.values_list("sign_count", "last_used_at").get() == (0, None)
    assert MfaChallenge.objects.get(purpose="passwordless").failed_attempts == 1


def test_an_unconfirmed_address_cannot_sign_in_while_verification_is_mandatory(api_client, user, settings):
    authenticator = passkey_registered(user)  # while confirmed: an unconfirmed address cannot add one
    settings.EMAIL_VERIFICATION = "mandatory"
    user.email_verified = False  # e.g. unticked by an operator since
    user.save(update_fields=["email_verified"])
    started = _options(api_client)

    response = _login(api_client, started, authenticator.assertion(started["options"], webauthn_origin()))

    assert response.status_code == 403
    assert response.json()["code"] == "email_not_verified"
    assert not AuthSession.objects.exists()
    # and neither the passkey's counter nor the challenge is spent: once confirmed, the same step still signs in
    assert Passkey.objects.values_list("sign_count", "last_used_at").get() == (0, None)
    assert MfaChallenge.objects.get(purpose="passwordless").used_at is None


@pytest.mark.parametrize(
    ("passkey", "expected"),
    [
        ("not-an-object", {"passkey": ['Expected a dictionary of items but got type "str".']}),
        ({}, PASSKEY_INVALID),
        ({"id": "AA", "rawId": 7}, PASSKEY_INVALID),
        ({"id": "AA", "rawId": "!!", "type": "public-key", "response": {}}, PASSKEY_INVALID),
        ({"blob": "x" * 17_000}, {"passkey": ["A passkey response is at most 16 kB of JSON."]}),
    ],
    ids=["a string", "empty", "rawId not text", "garbage", "too large"],
)
def test_a_malformed_passkey_is_a_400_never_a_500(api_client, passkey, expected):
    started = _options(api_client)

    response = _login(api_client, started, passkey)

    assert (response.status_code, response.json()) == (400, expected)


def test_a_known_credential_with_a_garbled_response_is_a_400(api_client, user):
    authenticator = passkey_registered(user)
    started = _options(api_client)
    answer = authenticator.assertion(started["options"], webauthn_origin())
    answer["response"]["userHandle"] = "!!!"
    answer["response"]["authenticatorData"] = "AAAA"

    response = _login(api_client, started, answer)

    assert (response.status_code, response.json()) == (400, PASSKEY_INVALID)


def test_passwordless_sign_in_is_limited_per_client_address(api_client, rates):
    rates(passkey_options_ip="2/1m")
    assert [api_client.post(OPTIONS, {}, format="json").status_code for _ in range(2)] == [200, 200]

    response = api_client.post(OPTIONS, {}, format="json")

    assert response.status_code == 429
    assert response.json()["code"] == "throttled"


# -- success ----------------------------------------------------------------------------------------------------------
def test_the_options_let_the_browser_offer_any_discoverable_passkey(api_client):
    body = _options(api_client)

    assert set(body) == {"passkey_token", "options"}
    assert body["options"]["allowCredentials"] == []
    assert body["options"]["userVerification"] == "required"
    assert body["options"]["rpId"] == settings.WEBAUTHN_RP_ID
    challenge = MfaChallenge.objects.get()
    assert (challenge.purpose, challenge.user_id) == ("passwordless", None)
    assert challenge.webauthn_challenge == body["options"]["challenge"]


@pytest.mark.django_db(transaction=True)  # the new-device email is sent when the transaction commits
def test_a_discoverable_passkey_signs_in_without_a_password_at_level_2(api_client, user, smtp):
    # Given an account with a discoverable passkey, and a browser that never signed in to it
    authenticator = passkey_registered(user)

    # When the browser asks for options and the passkey answers them
    started = _options(api_client)
    response = _login(api_client, started, authenticator.assertion(started["options"], webauthn_origin()))

    # Then it is signed in as a login: the user, an access token, the refresh and device cookies
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {"user", "access"}
    assert body["user"]["email"] == user.email
    assert settings.REFRESH_COOKIE_NAME in response.cookies
    assert device_cookie_name() in response.cookies
    # And the session and its token say: a passkey alone, two factors
    claims = dict(SessionAccessToken(body["access"].encode()).payload)
    assert (claims["amr"], claims["aal"]) == (["passkey"], 2)
    session = AuthSession.objects.get(user=user)
    assert (session.amr, session.aal) == ("passkey", 2)
    # And the passkey's counter and last use are recorded, the token spent, and the owner told of the new device
    passkey = Passkey.objects.get(user=user)
    assert (passkey.sign_count, passkey.discoverable) == (1, True)
    assert passkey.last_used_at is not None
    assert MfaChallenge.objects.get(purpose="passwordless").used_at is not None
    smtp.wait_for(to=user.email)


def test_each_sign_in_raises_the_stored_counter(api_client, user):
    authenticator = passkey_registered(user)
    counts = []
    for _ in range(3):
        started = _options(api_client)
        assert (
            _login(api_client, started, authenticator.assertion(started["options"], webauthn_origin())).status_code
            == 200
        )
        counts.append(Passkey.objects.get(user=user).sign_count)

    assert counts == [1, 2, 3]


@pytest.mark.django_db(transaction=True)  # each thread has its own connection: the rows must be committed
def test_the_same_assertion_checked_in_parallel_is_accepted_once(user):
    # Given a passwordless ceremony answered by a passkey
    authenticator = passkey_registered(user)
    started = passwordless_options()
    answer = authenticator.assertion(started.options, webauthn_origin())
    challenge = MfaChallenge.objects.get(purpose="passwordless")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def verify() -> None:
        barrier.wait()
        try:
            passkey_assertion_verify(challenge=challenge, credential=answer, user=None)
            outcomes.append("accepted")
        except PasskeyInvalid:
            outcomes.append("refused")
        finally:
            connection.close()

    # When two requests check it at the same instant (the challenge not spent yet by either)
    threads = [threading.Thread(target=verify) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # Then the counter's compare-and-set lets exactly one through
    assert sorted(outcomes) == ["accepted", "refused"]
    assert Passkey.objects.get().sign_count == 1
