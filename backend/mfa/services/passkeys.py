"""Passkeys (WebAuthn) with py_webauthn: registration and management, and the assertions that sign in or
re-authenticate (docs/mfa.md). Passwordless sign-in, which uses these assertions, is in passwordless.py.

Every ceremony's challenge lives on an MfaChallenge row (services/challenges.py): the client holds its token, the row
holds the WebAuthn challenge the authenticator must sign, so a response is accepted once, within
MFA_CHALLENGE_MAX_AGE_SECONDS, for the flow (and session) that asked for it. Attestation is ``none`` (we trust no
vendor list; a passkey proves possession, not make), and user verification is required: a passkey is then two factors
by itself (assurance.py).
"""

import json
import re
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from django.conf import settings
from django.db import IntegrityError
from django.http import Http404
from django.utils import timezone
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import (
    base64url_to_bytes,
    bytes_to_base64url,
    decode_credential_public_key,
    decoded_public_key_to_cryptography,
    parse_authentication_credential_json,
    parse_registration_credential_json,
)
from webauthn.helpers.algorithms import get_ec2_sig_alg, is_rsa_pkcs, is_rsa_pss
from webauthn.helpers.exceptions import UnsupportedPublicKey, WebAuthnException
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from backend.accounts.assurance import PASSKEY
from backend.accounts.emails.security_notices import notify_passkey_added, notify_passkey_removed
from backend.accounts.models import User
from backend.audit.models import AuditEvent
from backend.audit.services import audit_on_commit
from backend.common.db import atomic

from ..errors import MfaStateConflict, PasskeyInvalid, PasskeyUnknown
from ..models import MfaChallenge, Passkey
from ..selectors import mfa_enabled, webauthn_account_get
from .challenges import ChallengeInvalid, challenge_get_open, challenge_open, challenge_set_webauthn, challenge_use
from .enrolment import (
    enrolling_session_factor_proven,
    enrolling_session_still_allowed,
    factor_add_allowed,
    mfa_writes_lock,
)
from .recovery_codes import recovery_codes_delete, recovery_codes_issue_if_first

Purpose = MfaChallenge.Purpose
NO_PASSKEY = "This account has no passkey."
# WebAuthn caps credential ids at 1023 bytes (https://www.w3.org/TR/webauthn-3/#credential-id); Passkey.credential_id
# holds their base64url form.
_CREDENTIAL_ID_MAX_BYTES = 1023
_CREDENTIAL_ID_MAX_LENGTH = Passkey._meta.get_field("credential_id").max_length or 1400
# A credential id as browsers send it (base64's decoder would skip any other character, so "!!" would name b"").
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+={0,2}")
# What py_webauthn and the base64 decoding beneath it raise on a malformed or forged response: all a 400, never a 500.
_MALFORMED = (WebAuthnException, ValueError, TypeError, KeyError, IndexError, AttributeError)
# The shortest RSA modulus a passkey may have: what FIDO authenticators make (RSA-2048), NIST's floor for signatures.
_RSA_MIN_BITS = 2048


@dataclass(frozen=True)
class CeremonyOptions:
    token: str  # the MfaChallenge's token, given to the client once
    options: dict[str, Any]  # PublicKeyCredential{Creation,Request}OptionsJSON


# -- registration ---------------------------------------------------------------------------------------------------
def passkey_registration_options(*, user: User, session_id: str) -> CeremonyOptions:
    """Start registering a passkey for ``user`` from session ``session_id`` (the caller checked the step-up).
    FactorNeedsConfirmedEmail (enrolment.py) while the address is unconfirmed: no challenge is opened."""
    factor_add_allowed(user=user)
    account = webauthn_account_get(user=user)
    options = generate_registration_options(
        rp_id=account.rp_id,
        rp_name=settings.WEBAUTHN_RP_NAME,
        # Passwordless sign-in checks the user handle against the passkey's owner.
        user_id=account.user_handle,
        user_name=account.user_name,
        user_display_name=account.user_display_name,
        attestation=AttestationConveyancePreference.NONE,
        authenticator_selection=AuthenticatorSelectionCriteria(
            # Preferred, not required: a security key with no room for resident keys still registers as a second
            # factor, while phones and password managers (always discoverable) also sign in without a password.
            # Whether it is discoverable is read from the credProps extension (_discoverable).
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        # The browser refuses to create a second passkey for the account on an authenticator that has one.
        exclude_credentials=_descriptors(Passkey.objects.filter(user=user)),
    )
    opened = challenge_open(
        purpose=Purpose.PASSKEY_REGISTER,
        user=user,
        session_id=session_id,
        webauthn_challenge=bytes_to_base64url(options.challenge),
    )
    return CeremonyOptions(token=opened.token, options=json.loads(options_to_json(options)))


def passkey_register(
    *,
    user: User,
    session_id: str,
    token: str,
    name: str,
    credential: dict[str, Any],
    acting_session_id: str | None = None,
) -> tuple[Passkey, list[str]]:
    """Finish a registration: verify the authenticator's attestation against the challenge of ``token`` and save the
    passkey. Returns it and the recovery codes, ten new ones if this is the account's first factor, else [].
    FactorNeedsConfirmedEmail while the address is unconfirmed (checked again: options asked for before it was
    required, or by another caller, must not finish), and the challenge is left unspent.

    Two session ids, because they differ outside the API: ``session_id`` only binds the challenge (the one
    passkey_registration_options opened for that id; no session row need exist), while ``acting_session_id`` is the
    signed-in session saving the passkey, checked again under the lock (enrolling_session_still_allowed) and, the
    passkey being user-verified, raised to two factors with it. The API passes its session as both; a shell (or a
    test's given state) has no session to check or raise: it names any ``session_id`` and leaves the other None."""
    factor_add_allowed(user=user)
    challenge = challenge_get_open(token=token, purpose=Purpose.PASSKEY_REGISTER, session_id=session_id)
    if challenge.user_id != user.pk:
        raise ChallengeInvalid()
    try:
        parsed = parse_registration_credential_json(credential)
        verified = verify_registration_response(
            credential=parsed,
            expected_challenge=base64url_to_bytes(challenge.webauthn_challenge),
            expected_rp_id=settings.WEBAUTHN_RP_ID,
            expected_origin=list(settings.WEBAUTHN_ORIGINS),
            require_user_verification=True,
        )
        _public_key_check(verified.credential_public_key)
    except _MALFORMED as exc:
        raise PasskeyInvalid() from exc
    # The id the client names must be the one the authenticator attested (py_webauthn checks id against rawId only).
    if verified.credential_id != parsed.raw_id or len(verified.credential_id) > _CREDENTIAL_ID_MAX_BYTES:
        raise PasskeyInvalid()
    credential_id = bytes_to_base64url(verified.credential_id)
    # A credential registered before, to this account or another: one credential, one owner (WebAuthn §7.1 step 22).
    if Passkey.objects.filter(credential_id=credential_id).exists():
        raise PasskeyInvalid()
    passkey = Passkey(
        user=user,
        name=name,
        credential_id=credential_id,
        public_key=bytes_to_base64url(verified.credential_public_key),
        sign_count=verified.sign_count,
        transports=",".join(transport.value for transport in parsed.response.transports or [])[:128],
        discoverable=_discoverable(credential),
        backed_up=verified.credential_backed_up,
    )
    try:
        with atomic():
            # The user's row first, as every factor writer and an account deletion lock it (challenge_spending):
            # taken after the challenge's (or by the insert's foreign-key check), a deletion holding the user's row
            # and deleting the challenge would deadlock with this.
            mfa_writes_lock(user=user)
            enrolling_session_still_allowed(user=user, acting_session_id=acting_session_id)
            challenge_use(challenge=challenge)  # the same response posted twice registers once
            passkey.save()
            codes = recovery_codes_issue_if_first(user=user)
            enrolling_session_factor_proven(acting_session_id=acting_session_id, method=PASSKEY)
            audit_on_commit(event=AuditEvent.Event.PASSKEY_ADDED, user_id=user.pk, session_id=session_id)
            notify_passkey_added(user=user, name=name)
    except IntegrityError as exc:  # the same credential registered by a parallel request
        raise PasskeyInvalid() from exc
    return passkey, codes


def _public_key_check(credential_public_key: bytes) -> None:
    """Raise one of _MALFORMED unless the attested public key could verify an assertion: py_webauthn's registration
    checks only its algorithm (attestation ``none`` signs nothing), so a point off its curve, coordinates that are
    not bytes, an unknown curve, a 31-byte Ed25519 key or a key declaring another family's algorithm would be saved,
    turn two-step verification on, issue recovery codes, and then never verify. The checks are those the assertion's
    verification makes (py_webauthn's verify_signature), made now; and an RSA modulus shorter than _RSA_MIN_BITS."""
    decoded = decode_credential_public_key(credential_public_key)
    key = decoded_public_key_to_cryptography(decoded)  # ValueError/TypeError/WebAuthnException for an unusable one
    if isinstance(key, EllipticCurvePublicKey):
        get_ec2_sig_alg(decoded.alg)  # UnsupportedAlgorithm unless an ECDSA one
    elif isinstance(key, RSAPublicKey):
        if not (is_rsa_pkcs(decoded.alg) or is_rsa_pss(decoded.alg)):
            raise UnsupportedPublicKey(f"RSA public key with alg {decoded.alg}")
        if key.key_size < _RSA_MIN_BITS:
            raise UnsupportedPublicKey(f"RSA public key of {key.key_size} bits")


def passkey_rename(*, passkey: Passkey, name: str) -> Passkey:
    passkey.name = name
    Passkey.objects.filter(pk=passkey.pk).update(name=name)
    return passkey


def passkey_delete(*, passkey: Passkey, session_id: str | None = None) -> None:
    """Remove a passkey (the caller checked the step-up). With no factor left, the recovery codes go too: alone
    they must not become a way in, and a new first factor issues new ones. Http404 when another request deleted it
    since it was read (a double click): that one announced and audited it, and an unknown id is a 404 anyway."""
    user = passkey.user
    with atomic():
        mfa_writes_lock(user=user)  # as totp_disable, which says why
        deleted, _ = Passkey.objects.filter(pk=passkey.pk).delete()
        if not deleted:
            raise Http404
        if not mfa_enabled(user=user):
            recovery_codes_delete(user=user)
        audit_on_commit(event=AuditEvent.Event.PASSKEY_REMOVED, user_id=user.pk, session_id=session_id)
        notify_passkey_removed(user=user, name=passkey.name)


# -- assertions -----------------------------------------------------------------------------------------------------
def passkey_authentication_options(*, challenge: MfaChallenge, user: User | None) -> dict[str, Any]:
    """Request options for ``challenge``'s ceremony, whose new WebAuthn challenge replaces any earlier one. With a
    ``user``, only their passkeys are allowed (409 without any); with none (passwordless), the list is empty and the
    browser offers the discoverable passkeys it holds for this RP."""
    allowed: list[PublicKeyCredentialDescriptor] = []
    if user is not None:
        allowed = _descriptors(Passkey.objects.filter(user=user))
        if not allowed:
            raise MfaStateConflict(NO_PASSKEY)
    options = generate_authentication_options(
        rp_id=settings.WEBAUTHN_RP_ID,
        allow_credentials=allowed,
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    challenge_set_webauthn(challenge=challenge, webauthn_challenge=bytes_to_base64url(options.challenge))
    return json.loads(options_to_json(options))


def passkey_sign_in_options(*, token: str) -> dict[str, Any]:
    """Options for the second step of a sign-in (mfa_token), limited to the account's passkeys."""
    challenge = challenge_get_open(token=token, purpose=Purpose.SIGN_IN)
    if challenge.user is None or not challenge.user.is_active:  # deactivated since the password step
        raise ChallengeInvalid()
    return passkey_authentication_options(challenge=challenge, user=challenge.user)


def passkey_reauthentication_options(*, user: User, session_id: str) -> CeremonyOptions:
    """Start re-authenticating session ``session_id`` with one of ``user``'s passkeys (409 without any)."""
    if not Passkey.objects.filter(user=user).exists():
        raise MfaStateConflict(NO_PASSKEY)
    opened = challenge_open(purpose=Purpose.REAUTHENTICATE, user=user, session_id=session_id)
    return CeremonyOptions(
        token=opened.token, options=passkey_authentication_options(challenge=opened.challenge, user=user)
    )


def passkey_assertion_verify(*, challenge: MfaChallenge, credential: dict[str, Any], user: User | None) -> Passkey:
    """Check an assertion (AuthenticationResponseJSON) against ``challenge``'s WebAuthn challenge: a passkey of
    ``user`` (of anyone with ``user=None``: passwordless, where the response's user handle must name its owner),
    signed with user verification, from an allowed origin, its counter past the stored one. Records the counter
    and the use; the caller spends ``challenge``. Anything wrong: PasskeyInvalid; a well-formed id that names no
    passkey at all (deleted, or its account deleted): PasskeyUnknown, so the browser may forget it."""
    credential_id = _credential_id_of(credential)
    passkey = _passkey_named_by(credential_id)
    if passkey is None:
        raise PasskeyInvalid() if credential_id is None else PasskeyUnknown()
    if user is not None and passkey.user_id != user.pk:
        raise PasskeyInvalid()
    if challenge.user_id is not None and passkey.user_id != challenge.user_id:
        raise PasskeyInvalid()
    if not challenge.webauthn_challenge:  # no options were asked for this step: nothing was signed
        raise PasskeyInvalid()
    try:
        parsed = parse_authentication_credential_json(credential)
        verified = verify_authentication_response(
            credential=parsed,
            expected_challenge=base64url_to_bytes(challenge.webauthn_challenge),
            expected_rp_id=settings.WEBAUTHN_RP_ID,
            expected_origin=list(settings.WEBAUTHN_ORIGINS),
            credential_public_key=base64url_to_bytes(passkey.public_key),
            # py_webauthn refuses a counter that does not rise when either is non-zero (a cloned key, or a replay);
            # synced passkeys report 0 forever, and their replays are stopped by the single-use challenge.
            credential_current_sign_count=passkey.sign_count,
            require_user_verification=True,
        )
    except _MALFORMED as exc:
        raise PasskeyInvalid() from exc
    user_handle = parsed.response.user_handle
    if user is None and challenge.user_id is None:
        # Nobody was named before the ceremony: the response must say whose passkey it is, and be right
        # (https://www.w3.org/TR/webauthn-3/#sctn-verifying-assertion, step 6).
        if user_handle is None or user_handle != passkey.user.pk.bytes:
            raise PasskeyInvalid()
    elif user_handle is not None and user_handle != passkey.user.pk.bytes:
        raise PasskeyInvalid()
    changes: dict[str, Any] = {
        "sign_count": verified.new_sign_count,
        "last_used_at": timezone.now(),
        "backed_up": verified.credential_backed_up,
    }
    if user_handle is not None:  # only a resident (discoverable) credential returns its user handle
        changes["discoverable"] = True
    # Compare-and-set on the counter we verified against: of two parallel requests whose assertions were counted from
    # the same stored value, one wins and the other updates nothing and is refused. (A passkey that always reports 0
    # matches both; there the caller's single-use challenge_use lets only one through.)
    if not Passkey.objects.filter(pk=passkey.pk, sign_count=passkey.sign_count).update(**changes):
        raise PasskeyInvalid()
    for field, value in changes.items():
        setattr(passkey, field, value)
    return passkey


def passkey_named_in(*, credential: Any) -> Passkey | None:
    """The passkey, with its user, whose id an assertion's ``rawId`` names; None for a malformed id or an unknown one.
    Nothing is verified: passwordless.py reads it only to lock the owner's row before the assertion is checked."""
    return _passkey_named_by(_credential_id_of(credential))


# -- helpers --------------------------------------------------------------------------------------------------------
def _credential_id_of(credential: Any) -> str | None:
    """The credential id the response's ``rawId`` names, in canonical base64url; None when it is malformed."""
    raw_id = credential.get("rawId") if isinstance(credential, dict) else None
    if not isinstance(raw_id, str) or len(raw_id) > _CREDENTIAL_ID_MAX_LENGTH or not _BASE64URL.fullmatch(raw_id):
        return None
    try:
        return bytes_to_base64url(base64url_to_bytes(raw_id))
    except ValueError:
        return None


def _passkey_named_by(credential_id: str | None) -> Passkey | None:
    if credential_id is None:
        return None
    return Passkey.objects.select_related("user").filter(credential_id=credential_id).first()


def _descriptors(passkeys: Any) -> list[PublicKeyCredentialDescriptor]:
    return [
        PublicKeyCredentialDescriptor(id=base64url_to_bytes(credential_id), transports=_transports(stored) or None)
        for credential_id, stored in passkeys.values_list("credential_id", "transports")
    ]


def _transports(stored: str) -> list[AuthenticatorTransport]:
    """The stored hints the browser understands (an unknown one, from a newer browser, is dropped)."""
    known = {transport.value for transport in AuthenticatorTransport}
    return [AuthenticatorTransport(value) for value in stored.split(",") if value in known]


def _discoverable(credential: dict[str, Any]) -> bool:
    """Whether the new credential is a resident key, as the browser's credProps extension reports it (SimpleWebAuthn
    asks for it). Not reported: False for now; its first passwordless use (a user handle) marks it."""
    results = credential.get("clientExtensionResults")
    props = results.get("credProps") if isinstance(results, dict) else None
    return isinstance(props, dict) and props.get("rk") is True
