"""Guessing the current password through POST /api/auth/password/ is limited like signing in, audited, and ends
the session after a few wrong ones: a stolen access token or a script injected into the page cannot brute-force it."""

import pytest
from rest_framework.test import APIClient

from backend.accounts.models import AuthSession
from backend.audit.models import AuditEvent
from tests.backend.accounts.helpers import login
from tests.conftest import signed_in_client
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)  # audit rows and revocations land on commit

PASSWORD = "/api/auth/password/"


def _change(client: APIClient, current: str, new: str = "a-Brand-new-passphrase-5"):
    return client.post(PASSWORD, {"current_password": current, "new_password": new}, format="json")


def test_with_the_defaults_a_stolen_access_token_gets_four_wrong_guesses_and_the_fifth_ends_its_session(user):
    # Given an access token used from somewhere else (no device cookie of the account)
    client, issued = signed_in_client(user)

    # When it is used to guess the current password again and again
    statuses = [_change(client, f"guess-{n}").status_code for n in range(10)]

    # Then the fifth wrong guess signs the session out, and the token can do nothing more
    assert statuses == [400] * 4 + [401] * 6
    assert AuthSession.objects.get(pk=issued.session.pk).revoked_at is not None
    assert client.get("/api/auth/me/").status_code == 401


def test_the_wrong_current_password_before_the_last_allowed_one_warns_that_the_next_signs_the_session_out(user):
    # Given a session, and the default of 5 wrong answers per session
    client, _ = signed_in_client(user)

    # When it gives wrong current passwords
    answers = [_change(client, f"guess-{n}") for n in range(5)]

    # Then the fourth says that one more signs the session out, the others say only that it is wrong
    messages = [answer.json().get("current_password") for answer in answers[:4]]
    assert messages == [["The current password is incorrect."]] * 3 + [
        ["The current password is incorrect. One more wrong answer signs this session out."]
    ]
    assert (answers[4].status_code, answers[4].json()["code"]) == (401, "session_revoked")


def test_wrong_current_passwords_count_on_the_accounts_sign_in_limits(user, rates):
    # Given a per-(account, address) limit of 3 failed sign-ins, and a session used from that address
    rates(login_email_ip="3/15m", password_change_session="100/30d")
    client, _ = signed_in_client(user)
    assert [_change(client, "wrong").status_code for _ in range(3)] == [400, 400, 400]

    # When the right current password comes next, or a sign-in from the same address
    change = _change(client, DEFAULT_PASSWORD)
    sign_in = login(APIClient(), user.email)

    # Then both are refused as locked out: the guesses were counted as failed sign-ins
    assert (change.status_code, change.json()["code"]) == (429, "login_locked")
    assert (sign_in.status_code, sign_in.json()["code"]) == (429, "login_locked")


def test_a_right_current_password_is_not_counted(user, rates):
    rates(login_email_ip="1/15m", password_change_session="1/30d")
    client, _ = signed_in_client(user)

    first = _change(client, DEFAULT_PASSWORD, "a-Brand-new-passphrase-5")
    second = _change(client, "a-Brand-new-passphrase-5", "yet-Another-passphrase-6")

    assert (first.status_code, second.status_code) == (204, 204)


def test_a_wrong_current_password_is_audited_with_the_session_that_tried(user):
    client, issued = signed_in_client(user)

    assert _change(client, "wrong").status_code == 400

    rows = AuditEvent.objects.filter(event=AuditEvent.Event.PASSWORD_CHECK_FAILED)
    assert list(rows.values_list("user_id", "session_id")) == [(user.pk, issued.session.pk)]
    assert not AuditEvent.objects.filter(event=AuditEvent.Event.PASSWORD_CHANGED).exists()


def test_the_session_ended_for_wrong_current_passwords_is_audited_and_its_siblings_stay(user, rates):
    # Given two sessions of the user, and a limit of 2 wrong current passwords per session
    rates(password_change_session="2/30d")
    client, issued = signed_in_client(user)
    other, _ = signed_in_client(user)

    # When one of them guesses twice
    statuses = [_change(client, "wrong").status_code for _ in range(2)]

    # Then that session is signed out (and says why), the other goes on, and the revocation is audited
    assert statuses == [400, 401]
    assert client.get("/api/auth/me/").json()["code"] == "session_revoked"
    assert other.get("/api/auth/me/").status_code == 200
    revoked = AuditEvent.objects.filter(event=AuditEvent.Event.PASSWORD_GUESSES_REVOKED)
    assert list(revoked.values_list("user_id", "session_id")) == [(user.pk, issued.session.pk)]


def test_a_burst_of_wrong_current_passwords_at_once_gets_no_more_checked_than_the_sessions_limit(user, monkeypatch):
    import threading

    from django.db import connection
    from rest_framework.exceptions import AuthenticationFailed

    from backend.accounts.models import User
    from backend.accounts.services import user_password_confirm

    # Given a session (5 wrong answers each, the default), and every password check held at its start until each of
    # the burst's requests has either reached its check or been refused without one
    _, issued = signed_in_client(user)
    burst = 8
    arrived, go_on, checked = threading.Semaphore(0), threading.Event(), []
    this_thread = threading.local()
    check = User.check_password

    def held_check(self, raw_password):
        this_thread.checking = True
        checked.append(raw_password)
        arrived.release()
        assert go_on.wait(60), "the test never let the checks go on"
        return check(self, raw_password)

    monkeypatch.setattr(User, "check_password", held_check)
    outcomes: list[str] = []

    def guess(n: int) -> None:
        this_thread.checking = False
        try:
            user_password_confirm(
                user=User.objects.get(pk=user.pk), password=f"guess-{n}", session_id=str(issued.session.pk)
            )
        except AuthenticationFailed as exc:
            outcomes.append(str(exc.get_codes()))
        except Exception as exc:  # the ValidationError of a wrong current password
            outcomes.append(type(exc).__name__)
        finally:
            if not this_thread.checking:
                arrived.release()
            connection.close()

    # When the stolen token sends them all at once
    threads = [threading.Thread(target=guess, args=(n,)) for n in range(burst)]
    for thread in threads:
        thread.start()
    for _ in range(burst):
        assert arrived.acquire(timeout=60), "a request neither reached its check nor finished"  # a safety net only
    go_on.set()
    for thread in threads:
        thread.join(timeout=60)

    # Then only as many were checked as the session may answer wrongly (counted before the check, as sign-ins are):
    # the rest were refused unchecked, and the session is signed out
    assert len(checked) == 5, checked
    assert sorted(outcomes) == ["ValidationError"] * 4 + ["session_revoked"] * 4
    assert AuthSession.objects.get(pk=issued.session.pk).revoked_at is not None
