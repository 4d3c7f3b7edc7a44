"""The public key a registration carries must be one that can verify a signature: py_webauthn's registration checks
only its algorithm, so a point off the curve, an RSA key declared ECDSA or an Ed25519 key of 31 bytes would be saved,
turn two-step verification on and issue recovery codes, and then never verify an assertion. Each is 400
``passkey_invalid`` and saves nothing, as is an RSA modulus under 2048 bits (docs/mfa.md). The keys come from the
software authenticator (tests/support/webauthn.py), whose attestation is otherwise right; real RSA and Ed25519 keys
still register."""

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from backend.mfa.models import MfaChallenge, Passkey, RecoveryCode
from backend.mfa.selectors import mfa_enabled
from tests.backend.mfa.helpers import PASSKEY_INVALID
from tests.conftest import signed_in_client
from tests.support.webauthn import SoftwareAuthenticator, webauthn_origin

pytestmark = pytest.mark.django_db(transaction=True)  # audit rows and emails are written on commit

OPTIONS = "/api/auth/mfa/passkeys/options/"
PASSKEYS = "/api/auth/mfa/passkeys/"

# COSE (RFC 9052/9053): kty 1, alg 3; EC2 crv -1, x -2, y -3; RSA n -1, e -2; OKP crv -1, x -2.
EC2, RSA, OKP = 2, 3, 1
ES256, RS256, EDDSA = -7, -257, -8
P256, ED25519 = 1, 6


def _rsa_numbers(bits: int = 2048) -> tuple[bytes, bytes]:
    numbers = rsa.generate_private_key(public_exponent=65537, key_size=bits).public_key().public_numbers()
    return numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big"), numbers.e.to_bytes(3, "big")


def _ed25519_x() -> bytes:
    return ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


UNUSABLE = {
    "EC2 point off the curve": lambda: {1: EC2, 3: ES256, -1: P256, -2: b"\x01" * 32, -3: b"\x01" * 32},
    "EC2 coordinates as text": lambda: {1: EC2, 3: ES256, -1: P256, -2: "x", -3: "y"},
    "EC2 unknown curve": lambda: {1: EC2, 3: ES256, -1: 99, -2: b"\x01" * 32, -3: b"\x02" * 32},
    "EC2 key declared RS256": lambda: {1: EC2, 3: RS256, -1: P256, -2: b"\x01" * 32, -3: b"\x02" * 32},
    "RSA modulus of 0x01 bytes": lambda: {1: RSA, 3: RS256, -1: b"\x01" * 256, -2: b"\x01\x00\x01"},
    "RSA key of 1024 bits": lambda: dict(zip((1, 3, -1, -2), (RSA, RS256, *_rsa_numbers(1024)), strict=True)),
    "RSA key declared ES256": lambda: dict(zip((1, 3, -1, -2), (RSA, ES256, *_rsa_numbers()), strict=True)),
    "OKP x of 31 bytes": lambda: {1: OKP, 3: EDDSA, -1: ED25519, -2: b"\x01" * 31},
    "OKP key declared ES256": lambda: {1: OKP, 3: ES256, -1: ED25519, -2: _ed25519_x()},
}
USABLE = {
    "RSA-2048 RS256": lambda: dict(zip((1, 3, -1, -2), (RSA, RS256, *_rsa_numbers()), strict=True)),
    "Ed25519 EdDSA": lambda: {1: OKP, 3: EDDSA, -1: ED25519, -2: _ed25519_x()},
}


class _AuthenticatorWithKey(SoftwareAuthenticator):
    """The software authenticator, attesting ``cose_key`` as its credential's public key."""

    def __init__(self, cose_key: dict[int, Any]) -> None:
        super().__init__()
        self.cose_key = cose_key

    def _cose_public_key(self) -> dict[int, Any]:
        return self.cose_key


def _register(user, cose_key: dict[int, Any]):
    client, _ = signed_in_client(user)
    started = client.post(OPTIONS, {}, format="json").json()
    answer = _AuthenticatorWithKey(cose_key).register(started["options"], webauthn_origin())
    body = {"registration_token": started["registration_token"], "name": "Odd key", "passkey": answer}
    return client.post(PASSKEYS, body, format="json")


@pytest.mark.parametrize("make_key", UNUSABLE.values(), ids=UNUSABLE.keys())
def test_an_unusable_public_key_is_refused_and_saves_nothing(user, smtp, make_key):
    # When a registration, right in every other way, carries a key no signature could verify against (or too weak)
    response = _register(user, make_key())

    # Then it is a 400 passkey_invalid: no passkey, two-step verification still off, no recovery codes, no email, and
    # the ceremony still open (as for any registration that does not verify)
    assert (response.status_code, response.json()) == (400, PASSKEY_INVALID)
    assert not Passkey.objects.exists()
    assert not mfa_enabled(user=user)
    assert not RecoveryCode.objects.exists()
    assert MfaChallenge.objects.get().used_at is None
    assert smtp.messages == []


@pytest.mark.parametrize("make_key", USABLE.values(), ids=USABLE.keys())
def test_real_rsa_and_ed25519_keys_still_register(user, make_key):
    response = _register(user, make_key())

    assert response.status_code == 201, response.content
    assert Passkey.objects.get().user == user
    assert mfa_enabled(user=user)
