"""Every writer of an account's second factors locks the user's row before any row of its factors (or their
challenges), in the order an account deletion or a sign-out everywhere takes them (challenges.challenge_spending):
finishing an enrolment (confirming the authenticator app, saving a passkey) while the account is deleted, or removing
the last passkey while an operator resets the factors, then waits instead of deadlocking.

PostgreSQL's row locks only: SQLite runs one writer at a time, so nothing there can deadlock; MongoDB takes no lock."""

import threading
from collections.abc import Callable
from typing import Any

import pyotp
import pytest
from django.db import connection

from backend.accounts.models import User
from backend.accounts.services import user_delete
from backend.mfa.crypto import secret_encrypt
from backend.mfa.models import MfaChallenge, Passkey, RecoveryCode, TotpAuthenticator
from backend.mfa.services import passkeys, reset, totp
from tests.support.concurrency import OtherConnection
from tests.support.webauthn import SoftwareAuthenticator, webauthn_origin

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks: SQLite runs one writer at a time, and MongoDB takes none")


def _paused_at(module: Any, name: str, monkeypatch, *, after: bool) -> tuple[threading.Event, threading.Event]:
    """Make the enrolment wait, inside its transaction, just before (or ``after``) it calls ``module.name``, until told
    to go on: it then holds whatever it has locked so far. Returns (reached, go_on)."""
    reached, go_on = threading.Event(), threading.Event()
    original: Callable[..., Any] = getattr(module, name)

    def pause() -> None:
        reached.set()
        assert go_on.wait(60), "the test never let the enrolment go on"

    def pausing(*args: Any, **kwargs: Any) -> Any:
        if not after:
            pause()
        result = original(*args, **kwargs)
        if after:
            pause()
        return result

    monkeypatch.setattr(module, name, pausing)
    return reached, go_on


def _racing(first: Callable[[], Any], reached: threading.Event, go_on: threading.Event, second: Callable[[], Any]):
    """Run ``first`` until its pause, then ``second`` on another connection until it waits on a lock, then let
    ``first`` finish. Returns both, joined."""
    running_first = OtherConnection(first).start()
    assert reached.wait(60), running_first.error
    running_second = OtherConnection(second).start()
    running_second.wait_until_finished_or_blocked()
    go_on.set()
    return running_first.join(), running_second.join()


def _enrolment_racing_deletion(user, enrol: Callable[[], Any], reached: threading.Event, go_on: threading.Event):
    """``enrol`` paused, the account deleted meanwhile (_racing)."""
    return _racing(enrol, reached, go_on, lambda: user_delete(user=User.objects.get(pk=user.pk)))


def test_confirming_the_app_while_the_account_is_deleted_never_deadlocks(user, monkeypatch):
    # Given a pending authenticator app, and its confirmation paused once it has marked the app confirmed, before it
    # issues the recovery codes
    app = pyotp.TOTP(pyotp.random_base32())
    TotpAuthenticator.objects.create(user=user, secret_encrypted=secret_encrypt(app.secret))
    reached, go_on = _paused_at(totp, "recovery_codes_issue_if_first", monkeypatch, after=False)

    # When the account is deleted meanwhile (it waits on a lock), and the confirmation then goes on
    enrolling, deleting = _enrolment_racing_deletion(
        user, lambda: totp.totp_enrol_confirm(user=user, code=app.now()), reached, go_on
    )

    # Then neither is aborted as a deadlock: the deletion waited for the confirmation, then removed all of it
    assert enrolling.error is None, enrolling.error
    assert deleting.error is None, deleting.error
    assert len(enrolling.result) == 10  # the first factor's recovery codes
    assert not User.objects.filter(pk=user.pk).exists()
    assert not TotpAuthenticator.objects.exists()
    assert not RecoveryCode.objects.exists()


def test_saving_a_passkey_while_the_account_is_deleted_never_deadlocks(user, monkeypatch):
    # Given a passkey registration whose ceremony verified, paused after it has spent its challenge
    session_id = "5f0c2f43-93a4-4c38-9d5e-7a41b2f6d0a1"
    started = passkeys.passkey_registration_options(user=user, session_id=session_id)
    response = SoftwareAuthenticator().register(started.options, webauthn_origin())
    reached, go_on = _paused_at(passkeys, "challenge_use", monkeypatch, after=True)

    def register():
        return passkeys.passkey_register(
            user=user, session_id=session_id, token=started.token, name="Laptop", credential=response
        )

    # When the account is deleted meanwhile (it waits on a lock), and the registration then goes on
    enrolling, deleting = _enrolment_racing_deletion(user, register, reached, go_on)

    # Then neither is aborted as a deadlock: the deletion waited for the registration, then removed all of it
    assert enrolling.error is None, enrolling.error
    assert deleting.error is None, deleting.error
    passkey, codes = enrolling.result
    assert passkey.name == "Laptop"
    assert len(codes) == 10
    assert not User.objects.filter(pk=user.pk).exists()
    assert not Passkey.objects.exists()
    assert not MfaChallenge.objects.exists()


def test_removing_the_last_passkey_while_an_operator_resets_the_factors_never_deadlocks(user, monkeypatch):
    from tests.factories import UserFactory
    from tests.support.webauthn import passkey_registered

    operator = UserFactory(is_staff=True, is_superuser=True)

    # Given an account whose one factor is a passkey (with its recovery codes), and its removal paused once it has
    # deleted the passkey, before it looks for another factor (and takes the recovery codes with the last)
    passkey_registered(user)
    passkey = Passkey.objects.get(user=user)
    reached, go_on = _paused_at(passkeys, "mfa_enabled", monkeypatch, after=False)

    # When an operator resets the account's factors meanwhile (it waits on a lock), and the removal then goes on
    removing, resetting = _racing(
        lambda: passkeys.passkey_delete(passkey=passkey),
        reached,
        go_on,
        lambda: reset.mfa_reset(user=User.objects.get(pk=user.pk), actor=operator),
    )

    # Then neither is aborted as a deadlock: the reset waited for the removal, and nothing of the factors is left
    assert removing.error is None, removing.error
    assert resetting.error is None, resetting.error
    assert not Passkey.objects.filter(user=user).exists()
    assert not RecoveryCode.objects.filter(user=user).exists()
