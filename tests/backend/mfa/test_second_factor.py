"""A right answer to a sign-in's second step is spent only with the step it completes (services/second_factor.py):
a step lost while the answer was checked (another answer spent it, it expired, a sign-out everywhere ended it) leaves
a recovery code unused and an authenticator code's time step free, and one recovery code still signs in once.

Two transactions at once, on PostgreSQL's row locks: the answer waits on the step's row until the loss commits.
MongoDB takes no row lock and is not run here (there the loser of a race fails as a write conflict)."""

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from backend.accounts.models import AuthSession
from backend.accounts.services import sessions_revoke_for_user
from backend.audit.models import AuditEvent
from backend.common.db import atomic
from backend.mfa.models import MfaChallenge, Passkey, RecoveryCode
from backend.mfa.services.recovery_codes import recovery_codes_issue_if_first
from tests.backend.mfa.helpers import (
    CHALLENGE_EXPIRED,
    CHALLENGE_INVALID,
    CODE_INVALID,
    authenticator_app_enabled,
    second_step_answer,
    sign_in_step,
)
from tests.dbvendor import skip_on_mongodb
from tests.support.concurrency import OtherConnection
from tests.support.smtp import text_body
from tests.support.webauthn import passkey_registered, webauthn_origin

pytestmark = [
    skip_on_mongodb("no row locks there: a lost race is a write conflict (second_factor.py)"),
    pytest.mark.django_db(transaction=True),  # emails and audit events are sent when the transaction commits
]

AUTHENTICATE_OPTIONS = "/api/auth/mfa/authenticate/options/"
USED_SUBJECT = "A recovery code of your account was used"


def _lose(user, how: str) -> None:
    """End ``user``'s open sign-in step as ``how`` says (inside the caller's transaction)."""
    steps = MfaChallenge.objects.filter(user=user, purpose=MfaChallenge.Purpose.SIGN_IN)
    if how == "spent by another answer":
        steps.update(used_at=timezone.now())
    elif how == "expired":
        steps.update(expires_at=timezone.now() - timedelta(seconds=1))
    else:
        sessions_revoke_for_user(user=user)


def _answered_while_lost(user, how: str, answer: Callable[[], object]):
    """``answer()`` given while the step is being lost: it read the step open, and finds it gone when it spends it."""
    with atomic():
        _lose(user, how)
        answering = OtherConnection(answer).start()
        answering.wait_until_finished_or_blocked()
    answering.join()
    assert answering.error is None, answering.error
    return answering.result


def _unused_codes(user) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


# -- failure paths ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("how", ["spent by another answer", "expired", "ended by a sign-out everywhere"])
def test_a_recovery_code_given_to_a_sign_in_step_lost_meanwhile_stays_unused(user, smtp, how):
    # Given an account with the app and its recovery codes, and a sign-in past its password
    authenticator_app_enabled(user)
    codes = recovery_codes_issue_if_first(user=user)
    token = sign_in_step(user)
    smtp.clear()

    # When a right recovery code is given to that step while the step is lost
    response = _answered_while_lost(user, how, lambda: second_step_answer(token, recovery_code=codes[0]))

    # Then nobody is signed in, and the code is not spent: not used, not audited, not announced. (SQLite runs one
    # writer at a time, and its file lock may hold the answer back before it reads the step: it then finds the step
    # expired rather than gone, by timing.)
    refusals = [CHALLENGE_INVALID]
    if how == "expired" and connection.vendor == "sqlite":
        refusals.append(CHALLENGE_EXPIRED)
    assert response.status_code == 400
    assert response.json() in refusals
    assert not AuthSession.objects.live().filter(user=user).exists()
    assert _unused_codes(user) == 10
    assert not AuditEvent.objects.filter(event=AuditEvent.Event.RECOVERY_CODE_USED).exists()
    assert [message for message in smtp.messages if message["Subject"] == USED_SUBJECT] == []
    # And it was no wrong answer either: nothing counted against the step or the account
    assert not AuditEvent.objects.filter(event=AuditEvent.Event.MFA_FAILED).exists()

    # And the same code still finishes a new sign-in, once
    signed_in = second_step_answer(sign_in_step(user), recovery_code=codes[0])
    assert signed_in.status_code == 200, signed_in.content
    assert _unused_codes(user) == 9
    [notice] = smtp.wait_for(to=user.email, subject=USED_SUBJECT)
    assert "9 recovery codes remain." in text_body(notice)


def test_an_authenticator_code_given_to_a_sign_in_step_lost_meanwhile_still_finishes_a_new_one(user):
    # Given an account with the app, and a sign-in past its password
    app = authenticator_app_enabled(user)
    token = sign_in_step(user)
    code = app.now()

    # When the app's right code is given to that step while another answer spends the step
    response = _answered_while_lost(user, "spent by another answer", lambda: second_step_answer(token, code=code))

    # Then nobody is signed in, and the code's time step is not taken: the same code finishes a new sign-in
    assert (response.status_code, response.json()) == (400, CHALLENGE_INVALID)
    assert not AuthSession.objects.filter(user=user).exists()
    signed_in = second_step_answer(sign_in_step(user), code=code)
    assert signed_in.status_code == 200, signed_in.content
    # And once only: its step is taken now
    assert second_step_answer(sign_in_step(user), code=code).json() == CODE_INVALID


def test_a_passkey_answering_a_sign_in_step_lost_meanwhile_records_no_use(user):
    # Given an account with a passkey, and a sign-in past its password that asked for passkey options
    authenticator = passkey_registered(user)
    token = sign_in_step(user)
    options = APIClient().post(AUTHENTICATE_OPTIONS, {"mfa_token": token}, format="json").json()["options"]
    assertion = authenticator.assertion(options, webauthn_origin())

    # When the passkey answers that step while another answer spends the step
    response = _answered_while_lost(
        user, "spent by another answer", lambda: second_step_answer(token, passkey=assertion)
    )

    # Then nobody is signed in, and the passkey's counter and last use are as they were
    assert (response.status_code, response.json()) == (400, CHALLENGE_INVALID)
    passkey = Passkey.objects.get(user=user)
    assert (passkey.sign_count, passkey.last_used_at) == (0, None)


def test_two_recovery_codes_given_to_one_sign_in_step_at_once_spend_only_the_one_that_signed_in(user):
    # Given an account with its recovery codes, and a sign-in past its password
    authenticator_app_enabled(user)
    codes = recovery_codes_issue_if_first(user=user)
    token = sign_in_step(user)

    # When one code finishes the step and, before that commits, another code is given to the same step
    with atomic():
        first = second_step_answer(token, recovery_code=codes[0])
        second = OtherConnection(lambda: second_step_answer(token, recovery_code=codes[1])).start()
        second.wait_until_finished_or_blocked()
    second.join()

    # Then the first signed in and the second was refused, its code left unused: only one code is gone
    assert first.status_code == 200, first.content
    assert second.error is None, second.error
    assert (second.result.status_code, second.result.json()) == (400, CHALLENGE_INVALID)
    assert AuthSession.objects.filter(user=user).count() == 1
    assert _unused_codes(user) == 9


def test_one_recovery_code_given_to_several_sign_ins_at_once_signs_in_once(user):
    # Given an account with its recovery codes, and four sign-ins past their password
    authenticator_app_enabled(user)
    codes = recovery_codes_issue_if_first(user=user)
    tokens = [sign_in_step(user) for _ in range(4)]
    barrier = threading.Barrier(len(tokens))
    answers: list[tuple[int, str]] = []

    def answer(token: str) -> None:
        try:
            barrier.wait()
            response = second_step_answer(token, recovery_code=codes[0])
            answers.append((response.status_code, response.json().get("code", "")))
        finally:
            connection.close()

    # When each gives the same recovery code at the same moment
    threads = [threading.Thread(target=answer, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # Then exactly one signs in; the others are told the code is not right (it was used)
    assert sorted(answers) == [(200, "")] + [(400, "mfa_code_invalid")] * 3
    assert AuthSession.objects.filter(user=user).count() == 1
    assert _unused_codes(user) == 9
    assert AuditEvent.objects.filter(user=user, event=AuditEvent.Event.RECOVERY_CODE_USED).count() == 1


@pytest.mark.parametrize("ending", ["account deletion", "password reset"])
def test_an_answer_being_spent_while_the_account_is_deleted_or_reset_never_deadlocks(user, monkeypatch, ending):
    if connection.vendor != "postgresql":
        pytest.skip("row locks: SQLite runs one writer at a time, so nothing there can deadlock")
    from backend.accounts.services.account_deletion import user_delete
    from backend.mfa.services import second_factor
    from backend.mfa.services.reset import mfa_reset_by_password_reset

    # Given an answer that has spent its recovery code and pauses before spending its sign-in step
    authenticator_app_enabled(user)
    codes = recovery_codes_issue_if_first(user=user)
    token = sign_in_step(user)
    code_spent, go_on = threading.Event(), threading.Event()
    spend_step = second_factor.challenge_use

    def pausing(*, challenge):
        code_spent.set()
        go_on.wait(10)
        return spend_step(challenge=challenge)

    monkeypatch.setattr(second_factor, "challenge_use", pausing)
    answering = OtherConnection(lambda: second_step_answer(token, recovery_code=codes[0])).start()
    assert code_spent.wait(10)

    # When the account is deleted, or a password reset removes its factors, meanwhile (the answer goes on after
    # the ending has started to wait for its locks)
    threading.Timer(0.5, go_on.set).start()
    if ending == "account deletion":
        user_delete(user=user)
    else:
        with atomic():  # as accounts/services/password_reset.py does for a first proof of the address
            user.set_password("a-new-passphrase-42")
            user.save(update_fields=["password"])
            sessions_revoke_for_user(user=user, audit_event=None)
            mfa_reset_by_password_reset(user=user)
    answering.join()

    # Then neither is aborted as a deadlock. The answer locked the account's row first, as the ending does, so the
    # ending waited for it: the sign-in finished first, and the ending then deleted or signed out its session
    assert answering.error is None, answering.error
    assert answering.result.status_code == 200, answering.result.content
    assert not AuthSession.objects.filter(user_id=user.pk, revoked_at__isnull=True).exists()
    if ending == "account deletion":
        assert not type(user).objects.filter(pk=user.pk).exists()
        # and the sign-in's audit events, written on its commit while the deletion ran, are kept without the account
        assert set(AuditEvent.objects.filter(user=None).values_list("event", flat=True)) >= {
            AuditEvent.Event.LOGIN_SUCCEEDED,
            AuditEvent.Event.RECOVERY_CODE_USED,
        }
    else:
        assert AuthSession.objects.filter(user_id=user.pk).count() == 1  # started, then signed out
        assert not RecoveryCode.objects.filter(user=user).exists()
