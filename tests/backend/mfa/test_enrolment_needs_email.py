"""Adding a second factor needs a confirmed email address whenever addresses can be confirmed (EMAIL_VERIFICATION
optional or mandatory; backend/mfa/services/enrolment.py): starting or confirming the authenticator app, a passkey's
options and its registration answer 403 ``email_not_verified`` and write nothing. The defence against account
pre-hijacking: whoever registers someone else's address (signed in at once with ``optional``) cannot plant a factor
that would outlive the owner's password reset. Links and notices are read from the email received over SMTP."""

import pyotp
import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from backend.audit.models import AuditEvent
from backend.mfa.crypto import secret_encrypt
from backend.mfa.models import MfaChallenge, Passkey, RecoveryCode, TotpAuthenticator
from backend.mfa.services.passkeys import passkey_register, passkey_registration_options
from backend.mfa.services.totp import totp_enrol_confirm, totp_enrol_start
from tests.backend.accounts.helpers import login
from tests.backend.mfa.helpers import MFA, TOTP, TOTP_CONFIRM, code_now, enable_totp
from tests.conftest import signed_in_client
from tests.factories import UserFactory
from tests.support.smtp import link_in
from tests.support.webauthn import SoftwareAuthenticator, webauthn_origin

pytestmark = pytest.mark.django_db(transaction=True)  # email goes out when the transaction commits

OPTIONS = "/api/auth/mfa/passkeys/options/"
PASSKEYS = "/api/auth/mfa/passkeys/"
EMAIL_NOT_CONFIRMED = {
    "detail": "Confirm your email address before adding a second factor: follow the link we emailed you, or ask "
    "for a new one.",
    "code": "email_not_verified",
}
PASSWORD = "a-Victim-passphrase-7"


@pytest.fixture
def unconfirmed(db):
    """An account whose address nobody confirmed yet: the MFA tests' own ``user`` is confirmed (conftest.py)."""
    return UserFactory(email_verified=False)


def _nothing_added(user) -> None:
    assert not TotpAuthenticator.objects.filter(user=user, confirmed_at__isnull=False).exists()
    assert not Passkey.objects.filter(user=user).exists()
    assert not RecoveryCode.objects.filter(user=user).exists()
    assert not AuditEvent.objects.filter(
        user=user, event__in=[AuditEvent.Event.TOTP_ENABLED, AuditEvent.Event.PASSKEY_ADDED]
    ).exists()


def _pending_app(user) -> pyotp.TOTP:
    """A setup started before the rule (or while the address was confirmed): a pending row, and its app."""
    secret = pyotp.random_base32()
    TotpAuthenticator.objects.create(user=user, secret_encrypted=secret_encrypt(secret))
    return pyotp.TOTP(secret)


def _register(client: APIClient, started: dict, passkey: dict):
    body = {"registration_token": started["registration_token"], "name": "Laptop", "passkey": passkey}
    return client.post(PASSKEYS, body, format="json")


# -- each endpoint refuses, and writes nothing ------------------------------------------------------------------------
def test_starting_the_app_setup_is_refused_and_creates_nothing(unconfirmed, smtp):
    client, _ = signed_in_client(unconfirmed)

    response = client.post(TOTP, {}, format="json")

    assert (response.status_code, response.json()) == (403, EMAIL_NOT_CONFIRMED)
    assert not TotpAuthenticator.objects.filter(user=unconfirmed).exists()
    _nothing_added(unconfirmed)
    assert smtp.messages == []


def test_confirming_an_app_setup_is_refused_before_the_code_is_checked(unconfirmed, smtp, rates):
    # Given a setup pending from before, and the account's sign-in limit at two failures
    rates(login_email_ip="2/5m")
    app = _pending_app(unconfirmed)
    client, _ = signed_in_client(unconfirmed)

    # When its right code is sent, three times
    responses = [client.post(TOTP_CONFIRM, {"code": app.now()}, format="json") for _ in range(3)]

    # Then each is refused as unconfirmed (counted as no failed sign-in: never 429), the app stays pending and the
    # code unspent
    assert [(r.status_code, r.json()) for r in responses] == [(403, EMAIL_NOT_CONFIRMED)] * 3
    pending = TotpAuthenticator.objects.get(user=unconfirmed)
    assert (pending.confirmed_at, pending.last_used_step) == (None, TotpAuthenticator().last_used_step)
    _nothing_added(unconfirmed)
    assert not AuditEvent.objects.filter(user=unconfirmed, event=AuditEvent.Event.MFA_FAILED).exists()
    assert smtp.messages == []
    assert login(APIClient(), unconfirmed.email).status_code == 200


def test_a_passkeys_options_are_refused_and_open_no_ceremony(unconfirmed):
    client, _ = signed_in_client(unconfirmed)

    response = client.post(OPTIONS, {}, format="json")

    assert (response.status_code, response.json()) == (403, EMAIL_NOT_CONFIRMED)
    assert not MfaChallenge.objects.exists()
    _nothing_added(unconfirmed)


def test_registering_a_passkey_is_refused_and_saves_nothing(user, smtp):
    # Given options asked for while the address was confirmed, which an operator then unticked
    client, _ = signed_in_client(user)
    started = client.post(OPTIONS, {}, format="json").json()
    passkey = SoftwareAuthenticator().register(started["options"], webauthn_origin())
    user.email_verified = False
    user.save(update_fields=["email_verified"])

    response = _register(client, started, passkey)

    assert (response.status_code, response.json()) == (403, EMAIL_NOT_CONFIRMED)
    _nothing_added(user)
    assert MfaChallenge.objects.get().used_at is None
    assert smtp.messages == []


def test_the_services_refuse_every_caller_not_only_the_api(unconfirmed):
    from backend.mfa.errors import FactorNeedsConfirmedEmail

    app = _pending_app(unconfirmed)
    with pytest.raises(FactorNeedsConfirmedEmail):
        totp_enrol_start(user=unconfirmed)
    with pytest.raises(FactorNeedsConfirmedEmail):
        totp_enrol_confirm(user=unconfirmed, code=app.now())
    with pytest.raises(FactorNeedsConfirmedEmail):
        passkey_registration_options(user=unconfirmed, session_id="b6a7c0b4-7c1e-4d0a-9a53-0d3c5b4f7e21")
    with pytest.raises(FactorNeedsConfirmedEmail):
        passkey_register(
            user=unconfirmed, session_id="b6a7c0b4-7c1e-4d0a-9a53-0d3c5b4f7e21", token="x", name="Key", credential={}
        )
    _nothing_added(unconfirmed)


# -- confirmed, or verification off: as before ------------------------------------------------------------------------
def test_once_the_emailed_link_is_followed_the_app_and_a_passkey_can_be_added(api_client, smtp):
    registered = api_client.post(
        "/api/auth/register/", {"email": "new@example.com", "password": PASSWORD}, format="json"
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {registered.json()['access']}")
    assert client.get(MFA).json()["email_confirmation_required"] is True
    assert client.post(TOTP, {}, format="json").status_code == 403

    link = link_in(smtp.wait_for(to="new@example.com", subject="Confirm your email address")[0], "/verify-email")
    token = link.split("token=", 1)[1]
    assert APIClient().post("/api/auth/email/verify/", {"token": token}, format="json").status_code == 200

    assert client.get(MFA).json()["email_confirmation_required"] is False
    _, codes = enable_totp(client)
    assert len(codes) == 10
    started = client.post(OPTIONS, {}, format="json")
    assert started.status_code == 200
    passkey = SoftwareAuthenticator().register(started.json()["options"], webauthn_origin())
    assert _register(client, started.json(), passkey).status_code == 201


def test_with_verification_off_an_unconfirmed_account_still_adds_factors(unconfirmed, settings):
    # EMAIL_VERIFICATION=none sends no link: there is no way to confirm, so nothing waits for it (docs/mfa.md)
    settings.EMAIL_VERIFICATION = "none"
    client, _ = signed_in_client(unconfirmed)
    assert client.get(MFA).json()["email_confirmation_required"] is False

    _, codes = enable_totp(client)
    started = client.post(OPTIONS, {}, format="json").json()
    passkey = SoftwareAuthenticator().register(started["options"], webauthn_origin())

    assert len(codes) == 10
    assert _register(client, started, passkey).status_code == 201
    assert Passkey.objects.filter(user=unconfirmed).count() == 1


@pytest.mark.parametrize(
    ("mode", "verified", "required"),
    [
        ("optional", False, True),
        ("mandatory", False, True),
        ("optional", True, False),
        ("none", False, False),
    ],
)
def test_the_status_says_whether_a_factor_needs_the_address_confirmed_first(settings, mode, verified, required):
    settings.EMAIL_VERIFICATION = mode
    client, _ = signed_in_client(UserFactory(email_verified=verified))

    assert client.get(MFA).json()["email_confirmation_required"] is required


# -- account pre-hijacking, end to end --------------------------------------------------------------------------------
def test_whoever_registers_someone_elses_address_cannot_plant_a_factor_and_loses_the_account_at_the_reset(smtp):
    # Given an intruder who registered the victim's address first (optional verification: signed in at once)
    intruder = APIClient()
    registered = intruder.post(
        "/api/auth/register/", {"email": "victim@example.com", "password": "an-Intruder-passphrase-1"}, format="json"
    )
    assert registered.status_code == 201
    intruder.credentials(HTTP_AUTHORIZATION=f"Bearer {registered.json()['access']}")

    # When the intruder tries to add an authenticator app and a passkey
    app = intruder.post(TOTP, {}, format="json")
    options = intruder.post(OPTIONS, {}, format="json")

    # Then both are refused, and the account has no factor of theirs
    assert (app.status_code, app.json()) == (403, EMAIL_NOT_CONFIRMED)
    assert (options.status_code, options.json()) == (403, EMAIL_NOT_CONFIRMED)
    assert not TotpAuthenticator.objects.exists()
    assert not Passkey.objects.exists()
    assert not MfaChallenge.objects.exists()

    # And when the owner of the mailbox resets the password through the emailed link
    owner = APIClient()
    assert owner.post("/api/auth/password-reset/", {"email": "victim@example.com"}, format="json").status_code == 202
    link = link_in(smtp.wait_for(to="victim@example.com", subject="Reset your password")[0], "/reset-password")
    uid, token = link.split("uid=", 1)[1].split("&token=")
    reset = owner.post(
        "/api/auth/password-reset/confirm/", {"uid": uid, "token": token, "new_password": PASSWORD}, format="json"
    )
    assert reset.status_code == 204

    # Then the intruder's session is over, the password alone signs the owner in (no second step), and the address
    # is confirmed: the owner may now add factors of their own
    assert intruder.get(MFA).status_code == 401
    signed_in = login(owner, "victim@example.com", PASSWORD)
    assert signed_in.status_code == 200
    assert signed_in.json()["user"]["email_verified"] is True
    owner.credentials(HTTP_AUTHORIZATION=f"Bearer {signed_in.json()['access']}")
    assert owner.post(TOTP, {}, format="json").status_code == 201


def test_a_confirmed_account_adds_its_first_factor_as_before(user):
    # (the MFA tests' ``user`` is confirmed; every other test of enrolment runs with one)
    client, _ = signed_in_client(user)
    started = client.post(TOTP, {}, format="json")
    assert started.status_code == 201
    confirmed = client.post(TOTP_CONFIRM, {"code": code_now(started.json()["secret"])}, format="json")
    assert confirmed.status_code == 200
    assert TotpAuthenticator.objects.get(user=user).confirmed_at <= timezone.now()
