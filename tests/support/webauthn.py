"""A software WebAuthn authenticator for tests: a real P-256 key that answers the server's options with the very JSON
a browser returns (``@simplewebauthn/browser``'s RegistrationResponseJSON and AuthenticationResponseJSON), so the
server's checks run for real on py_webauthn, with no mock anywhere.

What it builds (https://www.w3.org/TR/webauthn-3/):

- registration: clientDataJSON ``{type: "webauthn.create", challenge, origin}`` and an attestationObject in CBOR with
  ``fmt: "none"``, whose authData is sha256(rpId) | flags (UP, UV, AT, and BE/BS for a synced passkey) | counter |
  attested credential data (AAGUID, credential id length and id, the COSE EC2 public key);
- assertion: clientDataJSON ``{type: "webauthn.get", ...}``, authenticatorData sha256(rpId) | flags | counter, and an
  ECDSA-SHA256 signature (DER) over authenticatorData | sha256(clientDataJSON).

Each knob makes one thing wrong, for the negative tests: another origin or RP id, no user verification, a counter that
goes back, a tampered signature.
"""

import hashlib
import json
import os
import struct
import uuid
from base64 import urlsafe_b64decode, urlsafe_b64encode
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

FLAG_UP = 0x01  # user present
FLAG_UV = 0x04  # user verified (PIN, biometrics)
FLAG_BE = 0x08  # backup eligible: a multi-device (synced) credential
FLAG_BS = 0x10  # backed up
FLAG_AT = 0x40  # attested credential data included

_COSE_KTY_EC2 = 2
_COSE_ALG_ES256 = -7
_COSE_CRV_P256 = 1
_UNSET: Any = object()


def b64url(data: bytes) -> str:
    return urlsafe_b64encode(data).decode().rstrip("=")


def b64url_decode(text: str) -> bytes:
    return urlsafe_b64decode(text + "=" * (-len(text) % 4))


class CredentialNotAllowed(Exception):
    """What a browser's NotAllowedError/InvalidStateError would be: the options exclude or do not allow this key."""


class SoftwareAuthenticator:
    """One credential: a P-256 key pair, a credential id, a sign counter and, once registered as a resident key,
    the user handle it returns in assertions.

    ``counter_step``: how much each assertion raises the counter (0: a synced passkey, which always reports 0).
    ``backed_up``: a synced passkey (the BE and BS flags)."""

    def __init__(self, *, counter_step: int = 1, backed_up: bool = False) -> None:
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.sign_count = 0
        self.counter_step = counter_step
        self.backed_up = backed_up
        self.user_handle: bytes | None = None
        self.rp_id: str | None = None

    @property
    def credential_id_b64(self) -> str:
        return b64url(self.credential_id)

    # -- registration (navigator.credentials.create) ----------------------------------------------------------------
    def register(
        self,
        options_json: dict[str, Any],
        origin: str,
        *,
        resident: bool = True,
        user_verified: bool = True,
        rp_id: str | None = None,
        challenge: str | None = None,
        cred_props: bool = True,
        ignore_exclude_list: bool = False,
    ) -> dict[str, Any]:
        """The RegistrationResponseJSON for ``options_json`` (the server's ``options``), created at ``origin``.
        ``rp_id`` / ``challenge`` replace the options' own (a phishing site's RP id, another ceremony's challenge)."""
        excluded = {entry["id"] for entry in options_json.get("excludeCredentials") or []}
        if self.credential_id_b64 in excluded and not ignore_exclude_list:
            raise CredentialNotAllowed("this authenticator already holds a credential of the account")
        self.rp_id = rp_id or options_json["rp"]["id"]
        client_data = self._client_data("webauthn.create", challenge or options_json["challenge"], origin)
        flags = FLAG_UP | FLAG_AT | (FLAG_UV if user_verified else 0) | self._backup_flags()
        attested = (
            bytes(16)  # AAGUID: none (as a "none" attestation reports)
            + struct.pack(">H", len(self.credential_id))
            + self.credential_id
            + cbor2.dumps(self._cose_public_key())
        )
        auth_data = self._authenticator_data(flags) + attested
        attestation_object = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        if resident:
            self.user_handle = b64url_decode(options_json["user"]["id"])
        extensions: dict[str, Any] = {"credProps": {"rk": resident}} if cred_props else {}
        return {
            "id": self.credential_id_b64,
            "rawId": self.credential_id_b64,
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "attestationObject": b64url(attestation_object),
                "transports": ["internal", "hybrid"],
            },
            "clientExtensionResults": extensions,
            "authenticatorAttachment": "platform",
        }

    # -- assertion (navigator.credentials.get) ----------------------------------------------------------------------
    def assertion(
        self,
        options_json: dict[str, Any],
        origin: str,
        *,
        user_handle: bytes | None = _UNSET,
        user_verified: bool = True,
        counter: int | None = None,
        rp_id: str | None = None,
        tamper_signature: bool = False,
        ignore_allow_list: bool = False,
    ) -> dict[str, Any]:
        """The AuthenticationResponseJSON for ``options_json``, signed at ``origin``. The counter rises by
        ``counter_step`` unless ``counter`` sets it (one that goes back, for a replayed or cloned key).
        ``user_handle``: what the response names as the user (default: the one stored at a resident
        registration; None sends null, as a non-resident credential does).
        ``ignore_allow_list``: answer even when the options list other credentials only (an attacker's client)."""
        allowed = {entry["id"] for entry in options_json.get("allowCredentials") or []}
        if allowed and self.credential_id_b64 not in allowed and not ignore_allow_list:
            raise CredentialNotAllowed("the options do not allow this credential")
        self.sign_count = counter if counter is not None else self.sign_count + self.counter_step
        client_data = self._client_data("webauthn.get", options_json["challenge"], origin)
        flags = FLAG_UP | (FLAG_UV if user_verified else 0) | self._backup_flags()
        auth_data = self._authenticator_data(flags, rp_id=rp_id or options_json.get("rpId") or self.rp_id)
        signature = self.private_key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        if tamper_signature:
            signature = signature[:-1] + bytes([signature[-1] ^ 0x01])
        handle = self.user_handle if user_handle is _UNSET else user_handle
        return {
            "id": self.credential_id_b64,
            "rawId": self.credential_id_b64,
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(auth_data),
                "signature": b64url(signature),
                "userHandle": b64url(handle) if handle is not None else None,
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }

    # -- pieces -------------------------------------------------------------------------------------------------------
    @staticmethod
    def _client_data(kind: str, challenge: str, origin: str) -> bytes:
        return json.dumps(
            {"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False}, separators=(",", ":")
        ).encode()

    def _backup_flags(self) -> int:
        return FLAG_BE | FLAG_BS if self.backed_up else 0

    def _authenticator_data(self, flags: int, *, rp_id: str | None = None) -> bytes:
        rp = rp_id or self.rp_id
        assert rp, "register first, or give rp_id"
        return hashlib.sha256(rp.encode()).digest() + bytes([flags]) + struct.pack(">I", self.sign_count)

    def _cose_public_key(self) -> dict[int, Any]:
        numbers = self.private_key.public_key().public_numbers()
        return {
            1: _COSE_KTY_EC2,
            3: _COSE_ALG_ES256,
            -1: _COSE_CRV_P256,
            -2: numbers.x.to_bytes(32, "big"),
            -3: numbers.y.to_bytes(32, "big"),
        }


# -- given-state helpers --------------------------------------------------------------------------------------------
def webauthn_origin() -> str:
    """The origin a browser on the SPA reports (the first allowed one)."""
    from django.conf import settings

    return str(settings.WEBAUTHN_ORIGINS[0])


def passkey_registered(
    user: Any, *, name: str = "Laptop", authenticator: SoftwareAuthenticator | None = None, resident: bool = True
) -> SoftwareAuthenticator:
    """Register a passkey for ``user`` through the real ceremony (options, a real attestation, verification), from a
    session that is only a name (no session row is created); return the authenticator that holds it."""
    from backend.mfa.services.passkeys import passkey_register, passkey_registration_options

    authenticator = authenticator or SoftwareAuthenticator()
    session_id = str(uuid.uuid4())
    started = passkey_registration_options(user=user, session_id=session_id)
    response = authenticator.register(started.options, webauthn_origin(), resident=resident)
    passkey_register(user=user, session_id=session_id, token=started.token, name=name, credential=response)
    return authenticator
