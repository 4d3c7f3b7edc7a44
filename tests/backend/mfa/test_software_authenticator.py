"""The software authenticator the passkey tests rely on: its responses verify with py_webauthn as a browser's do, and
each negative-test knob breaks exactly the one thing it names (so a 400 in those tests is for that reason)."""

import pytest
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import options_to_json_dict
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import UserVerificationRequirement

from tests.support.webauthn import CredentialNotAllowed, SoftwareAuthenticator, b64url

RP_ID = "example.test"
ORIGIN = "https://example.test"
USER_ID = bytes(range(16))


def _registered(authenticator: SoftwareAuthenticator, **knobs):
    options = generate_registration_options(rp_id=RP_ID, rp_name="Example", user_name="a@example.test", user_id=USER_ID)
    response = authenticator.register(options_to_json_dict(options), knobs.pop("origin", ORIGIN), **knobs)
    return options, response


def _verify_registration(options, response):
    return verify_registration_response(
        credential=response,
        expected_challenge=options.challenge,
        expected_rp_id=RP_ID,
        expected_origin=[ORIGIN],
        require_user_verification=True,
    )


def _verify_assertion(authenticator, public_key: bytes, stored_count: int, **knobs):
    options = generate_authentication_options(rp_id=RP_ID, user_verification=UserVerificationRequirement.REQUIRED)
    response = authenticator.assertion(options_to_json_dict(options), knobs.pop("origin", ORIGIN), **knobs)
    return verify_authentication_response(
        credential=response,
        expected_challenge=options.challenge,
        expected_rp_id=RP_ID,
        expected_origin=ORIGIN,
        credential_public_key=public_key,
        credential_current_sign_count=stored_count,
        require_user_verification=True,
    )


@pytest.mark.parametrize(
    ("knobs", "reason"),
    [
        ({"origin": "https://evil.test"}, "Unexpected client data origin"),
        ({"user_verified": False}, "User verification is required"),
        ({"rp_id": "evil.test"}, "Unexpected RP ID hash"),
        ({"challenge": b64url(b"another ceremony")}, "challenge was not expected"),
    ],
    ids=["origin", "user verification", "RP id", "challenge"],
)
def test_each_registration_knob_breaks_only_what_it_names(knobs, reason):
    options, response = _registered(SoftwareAuthenticator(), **knobs)

    with pytest.raises(InvalidRegistrationResponse, match=reason):
        _verify_registration(options, response)


@pytest.mark.parametrize(
    ("knobs", "reason"),
    [
        ({"origin": "https://evil.test"}, "Unexpected client data origin"),
        ({"user_verified": False}, "User verification is required"),
        ({"rp_id": "evil.test"}, "Unexpected RP ID hash"),
        ({"counter": 1}, "was not greater than current count"),
        ({"tamper_signature": True}, "Could not verify authentication signature"),
    ],
    ids=["origin", "user verification", "RP id", "counter back", "signature"],
)
def test_each_assertion_knob_breaks_only_what_it_names(knobs, reason):
    authenticator = SoftwareAuthenticator()
    registered = _verify_registration(*_registered(authenticator))
    _verify_assertion(authenticator, registered.credential_public_key, 0)  # the counter is now 1

    with pytest.raises(InvalidAuthenticationResponse, match=reason):
        _verify_assertion(authenticator, registered.credential_public_key, 1, **knobs)


def test_a_registered_credential_signs_assertions_with_a_rising_counter_and_its_user_handle():
    authenticator = SoftwareAuthenticator(backed_up=True)
    registered = _verify_registration(*_registered(authenticator))

    first = _verify_assertion(authenticator, registered.credential_public_key, registered.sign_count)
    second = _verify_assertion(authenticator, registered.credential_public_key, first.new_sign_count)

    assert registered.credential_id == authenticator.credential_id
    assert (registered.sign_count, registered.credential_backed_up, registered.user_verified) == (0, True, True)
    assert (first.new_sign_count, second.new_sign_count) == (1, 2)
    assert authenticator.user_handle == USER_ID


def test_it_refuses_options_that_exclude_it_or_allow_only_others():
    authenticator = SoftwareAuthenticator()
    _registered(authenticator)
    excluding = {"rp": {"id": RP_ID}, "user": {"id": b64url(USER_ID)}, "challenge": "AA"}
    excluding["excludeCredentials"] = [{"id": authenticator.credential_id_b64, "type": "public-key"}]
    others_only = {"challenge": "AA", "rpId": RP_ID, "allowCredentials": [{"id": "b3RoZXI", "type": "public-key"}]}

    with pytest.raises(CredentialNotAllowed):
        authenticator.register(excluding, ORIGIN)
    with pytest.raises(CredentialNotAllowed):
        authenticator.assertion(others_only, ORIGIN)
