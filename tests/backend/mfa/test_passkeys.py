"""Managing passkeys: registering them (a real attestation from a software authenticator, verified by py_webauthn),
listing, renaming and deleting them. Nothing is mocked: every response comes from a real P-256 key
(tests/support/webauthn.py). Using them is in test_passkey_sign_in.py and test_passwordless.py."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from backend.accounts.models import AuthSession
from backend.audit.models import AuditEvent
from backend.mfa.models import MfaChallenge, Passkey, RecoveryCode
from tests.backend.mfa.helpers import (
    CHALLENGE_EXPIRED,
    CHALLENGE_INVALID,
    LONG_AGO,
    PASSKEY_INVALID,
    REAUTH_REQUIRED,
    SECOND_FACTOR_NEEDED,
    WITH_PASSKEY,
    authentication_aged,
    authenticator_app_enabled,
)
from tests.conftest import signed_in_client
from tests.support.webauthn import CredentialNotAllowed, SoftwareAuthenticator, passkey_registered, webauthn_origin

pytestmark = pytest.mark.django_db

OPTIONS = "/api/auth/mfa/passkeys/options/"
PASSKEYS = "/api/auth/mfa/passkeys/"
NOT_FOUND = {"detail": "Not found.", "code": "not_found"}


def _options(client: APIClient) -> dict:
    response = client.post(OPTIONS, {}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def _register(client: APIClient, started: dict, passkey: dict, *, name: str = "Laptop"):
    body = {"registration_token": started["registration_token"], "name": name, "passkey": passkey}
    return client.post(PASSKEYS, body, format="json")


# -- registration: failure paths --------------------------------------------------------------------------------------
def test_starting_a_registration_needs_a_signed_in_user(api_client):
    response = api_client.post(OPTIONS, {}, format="json")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_starting_a_registration_needs_a_recent_authentication(user):
    # Given a session that last authenticated an hour ago
    client, issued = signed_in_client(user)
    authentication_aged(issued.session.pk, LONG_AGO)

    # When it asks to add a passkey
    response = client.post(OPTIONS, {}, format="json")

    # Then it must re-authenticate first, and no ceremony was opened
    assert (response.status_code, response.json()) == (403, REAUTH_REQUIRED)
    assert not MfaChallenge.objects.exists()


@pytest.mark.django_db(transaction=True)  # emails and audit events are sent when the transaction commits
@pytest.mark.parametrize(
    "knobs",
    [
        {"origin": "https://evil.example"},
        {"user_verified": False},
        {"rp_id": "evil.example"},
        {"challenge": "c29tZS1vdGhlci1jaGFsbGVuZ2U"},
    ],
    ids=["another origin", "no user verification", "another RP id", "another challenge"],
)
def test_a_registration_that_does_not_verify_is_refused_and_saves_nothing(user, smtp, knobs):
    # Given a registration started by a recently signed-in user
    client, _ = signed_in_client(user)
    started = _options(client)
    origin = knobs.pop("origin", webauthn_origin())

    # When the authenticator's answer is wrong in one way
    response = _register(client, started, SoftwareAuthenticator().register(started["options"], origin, **knobs))

    # Then it is a 400 passkey_invalid, and the account has no passkey, no recovery codes, and was not emailed
    assert (response.status_code, response.json()) == (400, PASSKEY_INVALID)
    assert not Passkey.objects.exists()
    assert not RecoveryCode.objects.exists()
    assert smtp.messages == []


def test_a_registration_token_works_once(user):
    # Given a passkey registered with a token
    client, _ = signed_in_client(user)
    started = _options(client)
    authenticator = SoftwareAuthenticator()
    answer = authenticator.register(started["options"], webauthn_origin())
    assert _register(client, started, answer).status_code == 201

    # When the same token comes back with another new credential
    again = _register(client, started, SoftwareAuthenticator().register(started["options"], webauthn_origin()))

    # Then it is refused: the token was used
    assert (again.status_code, again.json()) == (400, CHALLENGE_INVALID)
    assert Passkey.objects.count() == 1


def test_a_registration_token_belongs_to_the_session_that_asked_for_it(user):
    # Given a registration started in one session of the user
    first, _ = signed_in_client(user)
    started = _options(first)

    # When another session of the same user answers it
    other, _ = signed_in_client(user)
    response = _register(other, started, SoftwareAuthenticator().register(started["options"], webauthn_origin()))

    # Then the token is unknown there
    assert (response.status_code, response.json()) == (400, CHALLENGE_INVALID)


def test_an_expired_registration_is_refused(user):
    client, _ = signed_in_client(user)
    started = _options(client)
    MfaChallenge.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = _register(client, started, SoftwareAuthenticator().register(started["options"], webauthn_origin()))

    assert (response.status_code, response.json()) == (400, CHALLENGE_EXPIRED)
    assert not Passkey.objects.exists()


def test_a_credential_registered_to_another_account_cannot_be_registered_again(user, other_user):
    # Given a credential registered to another account
    authenticator = passkey_registered(other_user)

    # When the same authenticator key is offered to this account
    client, _ = signed_in_client(user)
    started = _options(client)
    response = _register(client, started, authenticator.register(started["options"], webauthn_origin()))

    # Then it is refused: a credential has one owner
    assert (response.status_code, response.json()) == (400, PASSKEY_INVALID)
    assert list(Passkey.objects.values_list("user_id", flat=True)) == [other_user.pk]


@pytest.mark.parametrize(
    ("passkey", "expected"),
    [
        ("not-an-object", {"passkey": ['Expected a dictionary of items but got type "str".']}),
        ({}, PASSKEY_INVALID),
        ({"id": 5, "rawId": [], "response": "x", "type": "public-key"}, PASSKEY_INVALID),
        (
            {
                "id": "AA",
                "rawId": "AA",
                "type": "public-key",
                "response": {"clientDataJSON": "!!not base64!!", "attestationObject": "%%%"},
            },
            PASSKEY_INVALID,
        ),
        (
            {
                "id": "AA",
                "rawId": "AA",
                "type": "public-key",
                "response": {"clientDataJSON": "", "attestationObject": ""},
            },
            PASSKEY_INVALID,
        ),
        ({"blob": "x" * 17_000}, {"passkey": ["A passkey response is at most 16 kB of JSON."]}),
    ],
    ids=["a string", "empty", "wrong types", "not base64url", "empty parts", "too large"],
)
def test_a_malformed_registration_is_a_400_never_a_500(user, passkey, expected):
    client, _ = signed_in_client(user)
    started = _options(client)

    response = _register(client, started, passkey)

    assert (response.status_code, response.json()) == (400, expected)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("", ["This field may not be blank."]), ("x" * 65, ["Ensure this field has no more than 64 characters."])],
    ids=["blank", "too long"],
)
def test_a_passkey_needs_a_name_of_at_most_64_characters(user, name, expected):
    client, _ = signed_in_client(user)
    started = _options(client)

    response = _register(
        client, started, SoftwareAuthenticator().register(started["options"], webauthn_origin()), name=name
    )

    assert (response.status_code, response.json()) == (400, {"name": expected})


# -- registration: success --------------------------------------------------------------------------------------------
def test_the_options_ask_for_a_user_verified_passkey_of_this_account(user):
    client, issued = signed_in_client(user)

    body = _options(client)

    assert set(body) == {"registration_token", "options"}
    options = body["options"]
    assert options["rp"] == {"id": settings.WEBAUTHN_RP_ID, "name": settings.WEBAUTHN_RP_NAME}
    assert options["user"]["name"] == user.email
    assert options["attestation"] == "none"
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert options["authenticatorSelection"]["residentKey"] == "preferred"
    assert options["excludeCredentials"] == []
    challenge = MfaChallenge.objects.get()
    assert (challenge.purpose, challenge.user_id, challenge.session_id) == (
        "passkey_register",
        user.pk,
        issued.session.pk,
    )
    assert challenge.webauthn_challenge == options["challenge"]


@pytest.mark.django_db(transaction=True)  # emails and audit events are sent when the transaction commits
def test_registering_the_first_passkey_returns_it_with_recovery_codes_and_raises_the_session(user, smtp):
    # Given a session signed in with the password just now
    client, issued = signed_in_client(user)
    started = _options(client)
    authenticator = SoftwareAuthenticator(backed_up=True)

    # When a passkey is created and sent back
    response = _register(client, started, authenticator.register(started["options"], webauthn_origin()), name="Phone")

    # Then it is saved and returned, with the account's first ten recovery codes, shown once
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    passkey = Passkey.objects.get(user=user)
    assert body["passkey"] == {
        "id": str(passkey.pk),
        "name": "Phone",
        "created_at": body["passkey"]["created_at"],
        "last_used_at": None,
        "discoverable": True,
        "backed_up": True,
        "credential_id": authenticator.credential_id_b64,
    }
    assert len(body["recovery_codes"]) == 10
    assert RecoveryCode.objects.filter(user=user).count() == 10
    assert passkey.credential_id == authenticator.credential_id_b64
    assert (passkey.sign_count, passkey.transports) == (0, "internal,hybrid")
    # And this session now counts as signed in with two factors; the step is audited and the owner emailed
    session = AuthSession.objects.get(pk=issued.session.pk)
    assert (session.amr, session.aal) == ("pwd,passkey", 2)
    assert AuditEvent.objects.filter(user=user, event=AuditEvent.Event.PASSKEY_ADDED).count() == 1
    smtp.wait_for(to=user.email, subject="A passkey was added to your account")
    assert MfaChallenge.objects.get().used_at is not None


def test_a_second_passkey_excludes_the_first_and_brings_no_new_recovery_codes(user):
    # Given a passkey registered already
    first = passkey_registered(user, name="Laptop")
    client, _ = signed_in_client(user, amr=WITH_PASSKEY)

    # When a second one is registered (not a resident key, says credProps)
    started = _options(client)
    excluded = [entry["id"] for entry in started["options"]["excludeCredentials"]]
    second = SoftwareAuthenticator()
    response = _register(
        client, started, second.register(started["options"], webauthn_origin(), resident=False), name="Key"
    )

    # Then the options excluded the first; the second is saved without new codes, and both are listed
    assert excluded == [first.credential_id_b64]
    assert response.status_code == 201
    assert response.json()["recovery_codes"] == []
    assert response.json()["passkey"]["discoverable"] is False
    listed = client.get(PASSKEYS)
    assert listed.status_code == 200
    assert [(row["name"], row["discoverable"]) for row in listed.json()] == [("Laptop", True), ("Key", False)]
    assert [row["name"] for row in client.get("/api/auth/mfa/").json()["passkeys"]] == ["Laptop", "Key"]


def test_the_status_tells_the_browser_what_this_accounts_passkeys_are_filed_under(user):
    # Given an account with a passkey, whose name is set
    user.name = "Ada"
    user.save(update_fields=["name"])
    authenticator = passkey_registered(user)
    client, _ = signed_in_client(user, amr=WITH_PASSKEY)

    # When the SPA reads the MFA status
    status = client.get("/api/auth/mfa/").json()

    # Then it has what WebAuthn's signals need: each passkey's credential id, the relying party and the user handle
    # the registration options used (base64url of the account's UUID), and the names a new passkey is saved under
    started = _options(client)["options"]
    assert [row["credential_id"] for row in status["passkeys"]] == [authenticator.credential_id_b64]
    assert status["webauthn"] == {
        "rp_id": settings.WEBAUTHN_RP_ID,
        "user_handle": started["user"]["id"],
        "user_name": user.email,
        "user_display_name": "Ada",
        "registration_pending": False,
    }
    assert (started["rp"]["id"], started["user"]["name"], started["user"]["displayName"]) == (
        settings.WEBAUTHN_RP_ID,
        user.email,
        "Ada",
    )


def test_the_status_says_while_a_registration_is_open_so_the_spa_tells_the_browser_nothing(user):
    # Given a session that asked for registration options (the browser may now hold a passkey not listed yet)
    client, _ = signed_in_client(user)
    started = _options(client)
    pending = client.get("/api/auth/mfa/").json()["webauthn"]["registration_pending"]

    # When the passkey is saved, and when another registration's options expire unused
    authenticator = SoftwareAuthenticator()
    assert _register(client, started, authenticator.register(started["options"], webauthn_origin())).status_code == 201
    saved = client.get("/api/auth/mfa/").json()["webauthn"]["registration_pending"]
    _options(client)
    MfaChallenge.objects.filter(used_at__isnull=True).update(expires_at=timezone.now() - timedelta(seconds=1))
    expired = client.get("/api/auth/mfa/").json()["webauthn"]["registration_pending"]

    # Then it was pending only while the first was open
    assert (pending, saved, expired) == (True, False, False)


def test_an_authenticator_holding_a_passkey_of_the_account_is_excluded_by_the_browser(user):
    authenticator = passkey_registered(user)
    client, _ = signed_in_client(user, amr=WITH_PASSKEY)
    started = _options(client)

    with pytest.raises(CredentialNotAllowed):
        authenticator.register(started["options"], webauthn_origin())


# -- renaming and deleting ------------------------------------------------------------------------------------------
def test_another_users_passkey_cannot_be_renamed_or_deleted(user, other_user):
    passkey_registered(other_user, name="Theirs")
    theirs = Passkey.objects.get(user=other_user)
    client, _ = signed_in_client(user)

    renamed = client.patch(f"{PASSKEYS}{theirs.pk}/", {"name": "Mine now"}, format="json")
    deleted = client.delete(f"{PASSKEYS}{theirs.pk}/")

    assert (renamed.status_code, renamed.json()) == (404, NOT_FOUND)
    assert (deleted.status_code, deleted.json()) == (404, NOT_FOUND)
    assert Passkey.objects.get(pk=theirs.pk).name == "Theirs"


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "123"])
def test_a_malformed_passkey_id_is_404(user, bad_id):
    client, _ = signed_in_client(user)

    assert client.patch(f"{PASSKEYS}{bad_id}/", {"name": "x"}, format="json").status_code == 404


def test_deleting_a_passkey_needs_a_recent_authentication(user):
    passkey_registered(user)
    passkey = Passkey.objects.get(user=user)
    client, issued = signed_in_client(user, amr=WITH_PASSKEY)
    authentication_aged(issued.session.pk, LONG_AGO)

    response = client.delete(f"{PASSKEYS}{passkey.pk}/")

    assert (response.status_code, response.json()) == (403, SECOND_FACTOR_NEEDED)
    assert Passkey.objects.filter(pk=passkey.pk).exists()


def test_renaming_a_passkey_returns_it_renamed(user):
    passkey_registered(user, name="Laptop")
    passkey = Passkey.objects.get(user=user)
    client, _ = signed_in_client(user)

    response = client.patch(f"{PASSKEYS}{passkey.pk}/", {"name": "Work laptop"}, format="json")

    assert response.status_code == 200
    assert response.json()["name"] == "Work laptop"
    assert response.json()["id"] == str(passkey.pk)
    assert Passkey.objects.get(pk=passkey.pk).name == "Work laptop"


@pytest.mark.django_db(transaction=True)  # emails and audit events are sent when the transaction commits
def test_deleting_one_of_two_passkeys_keeps_the_recovery_codes(user, smtp):
    passkey_registered(user, name="Laptop")
    passkey_registered(user, name="Phone")
    laptop = Passkey.objects.get(user=user, name="Laptop")
    client, _ = signed_in_client(user, amr=WITH_PASSKEY)

    response = client.delete(f"{PASSKEYS}{laptop.pk}/")

    assert response.status_code == 204
    assert list(Passkey.objects.values_list("name", flat=True)) == ["Phone"]
    assert RecoveryCode.objects.filter(user=user).count() == 10
    assert AuditEvent.objects.filter(user=user, event=AuditEvent.Event.PASSKEY_REMOVED).count() == 1
    smtp.wait_for(to=user.email, subject="A passkey was removed from your account")


def test_deleting_the_last_factor_deletes_the_recovery_codes_too(user):
    passkey_registered(user)
    client, _ = signed_in_client(user, amr=WITH_PASSKEY)

    response = client.delete(f"{PASSKEYS}{Passkey.objects.get(user=user).pk}/")

    assert response.status_code == 204
    assert not RecoveryCode.objects.filter(user=user).exists()
    assert client.get("/api/auth/mfa/").json()["mfa_enabled"] is False


def test_deleting_the_last_passkey_keeps_the_codes_of_an_enabled_authenticator_app(user):
    authenticator_app_enabled(user)
    passkey_registered(user)
    client, _ = signed_in_client(user, amr=WITH_PASSKEY)

    assert client.delete(f"{PASSKEYS}{Passkey.objects.get(user=user).pk}/").status_code == 204

    assert RecoveryCode.objects.filter(user=user).count() == 10
