"""Finishing a factor's enrolment while another request changes the account: the enrolling session is checked again
under the factor writers' lock (services/enrolment.py, enrolling_session_still_allowed), so a password-only session
whose owner added a factor meanwhile, or that a password change signed out meanwhile, gets no factor of its own.

The view checks the session before the work (api_base.enrolment_finish_allowed); these tests commit the change
in between: on another connection at the same moment (PostgreSQL and SQLite lock; MongoDB takes no lock and is
not run here), and through the API right after the view's check."""

import pytest

from backend.accounts.errors import SessionEnded
from backend.accounts.models import User
from backend.accounts.services import user_change_password
from backend.accounts.services.reauthentication import ReauthenticationRequired
from backend.common.db import atomic
from backend.mfa.models import Passkey, TotpAuthenticator
from backend.mfa.services import passkeys as passkey_services
from backend.mfa.services import totp as totp_services
from tests.backend.mfa.helpers import SECOND_FACTOR_NEEDED, TOTP, TOTP_CONFIRM, authenticator_app_enabled, code_now
from tests.conftest import signed_in_client
from tests.dbvendor import skip_on_mongodb
from tests.support.concurrency import OtherConnection
from tests.support.webauthn import SoftwareAuthenticator, passkey_registered, webauthn_origin

PASSKEY_OPTIONS = "/api/auth/mfa/passkeys/options/"
PASSKEYS = "/api/auth/mfa/passkeys/"
OWNERS_PASSWORD = "the-Owners-new-phrase-31"
SESSION_REVOKED = {
    "detail": "This session has been signed out or has expired. Sign in again.",
    "code": "session_revoked",
}


def _app_enrolment_started(user) -> tuple[str, str]:
    """A password-only session of ``user`` that has started adding the authenticator app: its id, and the secret."""
    client, issued = signed_in_client(user)
    started = client.post(TOTP, {}, format="json")
    assert started.status_code == 201, started.content
    return str(issued.session.pk), started.json()["secret"]


def _passkey_registration_started(user, *, amr: tuple[str, ...] = ("pwd",)) -> tuple[str, dict, dict]:
    """A session of ``user`` (password-only by default) that has asked for a passkey's options and had an
    authenticator answer them: its id, the options' response and the authenticator's attestation."""
    client, issued = signed_in_client(user, amr=amr)
    started = client.post(PASSKEY_OPTIONS, {}, format="json")
    assert started.status_code == 200, started.content
    attestation = SoftwareAuthenticator().register(started.json()["options"], webauthn_origin())
    return str(issued.session.pk), started.json(), attestation


def _passkey_register(user, session_id: str, started: dict, attestation: dict):
    return passkey_services.passkey_register(
        user=User.objects.get(pk=user.pk),
        session_id=session_id,
        token=started["registration_token"],
        name="Intruder's key",
        credential=attestation,
        acting_session_id=session_id,
    )


def _while(change, work) -> OtherConnection:
    """``work()`` on another connection while ``change()``'s transaction holds what it locked; returns it, joined."""
    with atomic():
        change()
        other = OtherConnection(work).start()
        other.wait_until_finished_or_blocked()
    return other.join()


@skip_on_mongodb("no row locks there: mfa_writes_lock documents the window")
@pytest.mark.django_db(transaction=True)
def test_an_app_confirmed_while_the_owner_adds_a_passkey_is_refused(user):
    # Given a password-only session with the app's first code in hand, read before the owner's passkey commits
    session_id, secret = _app_enrolment_started(user)

    # When it confirms the app while the owner's passkey registration holds the account's row
    other = _while(
        lambda: passkey_registered(user),
        lambda: totp_services.totp_enrol_confirm(
            user=User.objects.get(pk=user.pk), code=code_now(secret), acting_session_id=session_id
        ),
    )

    # Then it must first prove the owner's factor: the app stays pending, the owner's passkey stands
    assert isinstance(other.error, ReauthenticationRequired), other.error
    assert not TotpAuthenticator.objects.filter(user=user, confirmed_at__isnull=False).exists()
    assert Passkey.objects.filter(user=user).count() == 1


@skip_on_mongodb("no row locks there: mfa_writes_lock documents the window")
@pytest.mark.django_db(transaction=True)
def test_a_passkey_saved_while_the_owner_enables_the_app_is_refused(user):
    # Given a password-only session with a passkey's attestation in hand
    session_id, started, attestation = _passkey_registration_started(user)

    def owner_enables_the_app():
        owners = totp_services.totp_enrol_start(user=User.objects.get(pk=user.pk))
        totp_services.totp_enrol_confirm(user=User.objects.get(pk=user.pk), code=code_now(owners.secret))

    # When it saves the passkey while the owner's app confirmation holds the account's row
    other = _while(owner_enables_the_app, lambda: _passkey_register(user, session_id, started, attestation))

    # Then it is refused and no passkey was saved; the owner's app stands
    assert isinstance(other.error, ReauthenticationRequired), other.error
    assert not Passkey.objects.filter(user=user).exists()
    assert TotpAuthenticator.objects.filter(user=user, confirmed_at__isnull=False).exists()


@skip_on_mongodb("no row locks there: mfa_writes_lock documents the window")
@pytest.mark.django_db(transaction=True)
def test_a_passkey_saved_by_a_session_a_password_change_signs_out_meanwhile_is_refused(user):
    # Given a password-only session with a passkey's attestation in hand, and the owner's own session
    session_id, started, attestation = _passkey_registration_started(user)
    _, owners = signed_in_client(user)

    # When it saves the passkey while the owner's password change (which signs every other session out) commits
    other = _while(
        lambda: user_change_password(
            user=User.objects.get(pk=user.pk), new_password=OWNERS_PASSWORD, keep_session_id=str(owners.session.pk)
        ),
        lambda: _passkey_register(user, session_id, started, attestation),
    )

    # Then it is refused as the signed-out session it now is
    assert isinstance(other.error, SessionEnded), other.error
    assert not Passkey.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_the_app_confirm_api_refuses_when_the_owner_added_a_factor_after_its_check(user, monkeypatch):
    # Given a password-only session confirming the app, and the owner's passkey committed right after the view
    # checked the session's level
    client, _ = signed_in_client(user)
    secret = client.post(TOTP, {}, format="json").json()["secret"]
    checked = totp_services.factor_add_allowed

    def check_then_owner_adds_a_passkey(*, user):
        checked(user=user)
        passkey_registered(user)

    monkeypatch.setattr(totp_services, "factor_add_allowed", check_then_owner_adds_a_passkey)

    # When the session confirms with a right code
    response = client.post(TOTP_CONFIRM, {"code": code_now(secret)}, format="json")

    # Then it must prove the owner's factor first, and the app stays pending
    assert (response.status_code, response.json()) == (403, SECOND_FACTOR_NEEDED)
    assert not TotpAuthenticator.objects.filter(user=user, confirmed_at__isnull=False).exists()


@pytest.mark.django_db
def test_the_passkey_api_refuses_a_session_signed_out_after_its_check(user, monkeypatch):
    # Given a password-only session saving a passkey, signed out (a password change elsewhere) right after the
    # view checked it
    client, _ = signed_in_client(user)
    started = client.post(PASSKEY_OPTIONS, {}, format="json").json()
    attestation = SoftwareAuthenticator().register(started["options"], webauthn_origin())
    checked = passkey_services.factor_add_allowed
    _, owners = signed_in_client(user)

    def check_then_owner_changes_the_password(*, user):
        checked(user=user)
        user_change_password(
            user=User.objects.get(pk=user.pk), new_password=OWNERS_PASSWORD, keep_session_id=str(owners.session.pk)
        )

    monkeypatch.setattr(passkey_services, "factor_add_allowed", check_then_owner_changes_the_password)

    # When it saves the passkey
    body = {"registration_token": started["registration_token"], "name": "Laptop", "passkey": attestation}
    response = client.post(PASSKEYS, body, format="json")

    # Then it is told it was signed out, and no passkey was saved
    assert (response.status_code, response.json()) == (401, SESSION_REVOKED)
    assert not Passkey.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_a_session_at_two_factors_still_saves_a_passkey_under_the_recheck(user):
    # Given a session at two factors (signed in with the app) adding a passkey
    authenticator_app_enabled(user)
    session_id, started, attestation = _passkey_registration_started(user, amr=("pwd", "otp"))

    # When it saves the passkey
    passkey, _ = _passkey_register(user, session_id, started, attestation)

    # Then it is saved: the session is at the account's level
    assert Passkey.objects.filter(pk=passkey.pk, user=user).exists()
