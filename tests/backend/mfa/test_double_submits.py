"""One request sent twice at once (a double click, a retry while the first is still running): the second acts on what
the first left, under the factor writers' lock (mfa_writes_lock), so it neither repeats the first's notices nor undoes
what the first answered. The first runs in the test's transaction; the second, through the API, on another
connection, and waits for the first's commit (PostgreSQL's row lock, SQLite's database lock). MongoDB takes no lock
and is not run here (mfa_writes_lock documents the window)."""

import pytest

from backend.accounts.models import User
from backend.audit.models import AuditEvent
from backend.common.db import atomic
from backend.mfa.models import Passkey, RecoveryCode, TotpAuthenticator
from backend.mfa.services import recovery_codes
from backend.mfa.services.passkeys import passkey_delete
from backend.mfa.services.recovery_codes import CODES_JUST_REPLACED, recovery_code_use, recovery_codes_issue_if_first
from backend.mfa.services.totp import ALREADY_ENABLED, totp_enrol_confirm
from tests.backend.mfa.helpers import (
    RECOVERY_CODES,
    TOTP,
    TOTP_CONFIRM,
    WITH_PASSKEY,
    authenticator_app_enabled,
    code_now,
)
from tests.conftest import signed_in_client
from tests.dbvendor import skip_on_mongodb
from tests.support.concurrency import OtherConnection
from tests.support.webauthn import passkey_registered

pytestmark = [
    skip_on_mongodb("no row locks there: mfa_writes_lock documents the window"),
    pytest.mark.django_db(transaction=True),  # emails and audit events are sent when the transaction commits
]

PASSKEYS = "/api/auth/mfa/passkeys/"
NOT_FOUND = {"detail": "Not found.", "code": "not_found"}
PASSKEY_REMOVED_SUBJECT = "A passkey was removed from your account"
REGENERATED_SUBJECT = "New recovery codes were generated for your account"
APP_ENABLED_SUBJECT = "An authenticator app was enabled on your account"


def _while(first, second) -> OtherConnection:
    """``second()`` on another connection while ``first()``'s transaction holds what it locked; returns it, joined."""
    with atomic():
        first()
        other = OtherConnection(second).start()
        other.wait_until_finished_or_blocked()
    return other.join()


def test_a_passkey_deleted_twice_at_once_is_removed_announced_and_audited_once(user, smtp):
    # Given an account with two passkeys, signed in with one of them
    passkey_registered(user, name="Laptop")
    passkey_registered(user, name="Phone")
    laptop = Passkey.objects.get(user=user, name="Laptop")
    client, _ = signed_in_client(user, amr=WITH_PASSKEY)
    smtp.clear()

    # When the laptop's deletion is sent twice, the second while the first holds the account's lock
    second = _while(
        lambda: passkey_delete(passkey=Passkey.objects.get(pk=laptop.pk)),
        lambda: client.delete(f"{PASSKEYS}{laptop.pk}/"),
    )

    # Then the second finds it gone, as an unknown passkey: one removal, one notice, one audit event
    assert second.error is None, second.error
    assert second.result.status_code == 404
    assert second.result.json() == NOT_FOUND
    assert list(Passkey.objects.filter(user=user).values_list("name", flat=True)) == ["Phone"]
    assert AuditEvent.objects.filter(user=user, event=AuditEvent.Event.PASSKEY_REMOVED).count() == 1
    assert [message["Subject"] for message in smtp.messages] == [PASSKEY_REMOVED_SUBJECT]


def test_a_regeneration_overtaken_by_another_is_refused_and_the_others_codes_stay_live(user, smtp, monkeypatch):
    # Given two-step verification with its codes, a session at two factors, and another regeneration (the other
    # click) that commits after this request read the codes it replaces, just before its transaction begins
    authenticator_app_enabled(user)
    recovery_codes_issue_if_first(user=user)
    client, _ = signed_in_client(user, amr=("pwd", "otp"))
    smtp.clear()
    real_atomic = recovery_codes.atomic
    overtaking: list[str] = []

    def other_regeneration_commits_first():
        monkeypatch.setattr(recovery_codes, "atomic", real_atomic)  # once: the other request's own transaction
        overtaking.extend(recovery_codes.recovery_codes_regenerate(user=User.objects.get(pk=user.pk)))
        return real_atomic()

    monkeypatch.setattr(recovery_codes, "atomic", other_regeneration_commits_first)

    # When this request asks for new codes
    response = client.post(RECOVERY_CODES, {}, format="json")

    # Then it is refused and changes nothing: the codes the other answered with are the ten that work, made and
    # announced once
    assert (response.status_code, response.json()) == (
        409,
        {"detail": CODES_JUST_REPLACED, "code": "mfa_state_conflict"},
    )
    assert AuditEvent.objects.filter(user=user, event=AuditEvent.Event.RECOVERY_CODES_GENERATED).count() == 2
    assert [message["Subject"] for message in smtp.messages] == [REGENERATED_SUBJECT]
    assert RecoveryCode.objects.filter(user=user).count() == 10
    assert len(set(overtaking)) == 10
    assert [recovery_code_use(user=user, code=code) for code in overtaking] == [True] * 10


def test_an_app_confirmed_twice_at_once_is_enabled_once_and_the_second_is_no_wrong_code(user, smtp, rates):
    # Given room for one failed sign-in of the account, and a session that started the app's setup
    rates(login_email_ip="1/5m")
    client, issued = signed_in_client(user)
    secret = client.post(TOTP, {}, format="json").json()["secret"]
    code = code_now(secret)
    session_id = str(issued.session.pk)
    smtp.clear()

    # When the same first code is confirmed twice, the second while the first (the same session) holds the lock
    second = _while(
        lambda: totp_enrol_confirm(user=User.objects.get(pk=user.pk), code=code, acting_session_id=session_id),
        lambda: client.post(TOTP_CONFIRM, {"code": code}, format="json"),
    )

    # Then the second is told the app is enabled already; nothing was recorded as a failure, enabled twice or sent
    # twice
    assert second.error is None, second.error
    assert (second.result.status_code, second.result.json()) == (
        409,
        {"detail": ALREADY_ENABLED, "code": "mfa_state_conflict"},
    )
    assert TotpAuthenticator.objects.filter(user=user, confirmed_at__isnull=False).count() == 1
    assert RecoveryCode.objects.filter(user=user).count() == 10
    events = AuditEvent.objects.filter(user=user)
    assert not events.filter(event=AuditEvent.Event.MFA_FAILED).exists()
    assert events.filter(event=AuditEvent.Event.TOTP_ENABLED).count() == 1
    assert [message["Subject"] for message in smtp.messages] == [APP_ENABLED_SUBJECT]

    # And its attempt was given back on the sign-in limits: the one failure allowed is still there, then no more
    valid = {code_now(secret, steps=steps) for steps in (-1, 0, 1)}
    wrong = next(candidate for candidate in ("000000", "111111", "222222") if candidate not in valid)
    statuses = [client.delete(TOTP, {"code": wrong}, format="json").status_code for _ in range(2)]
    assert statuses == [400, 429]
