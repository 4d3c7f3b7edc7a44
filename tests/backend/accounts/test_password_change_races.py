"""A password change or an account deletion asked by a session that another request signs out meanwhile (a password
change from another session, a sign-out everywhere): the change commits under the user's row lock only while its
session is still live (services.sessions.acting_session_still_live), so it never lands after the owner's change that
ended it. And one session's change sent twice at once: made once (the second finds the password it asked for), or a
409 when the two asked for different passwords."""

import pytest
from rest_framework.test import APIClient

from backend.accounts.errors import SessionEnded
from backend.accounts.models import AuthSession, User
from backend.accounts.services import sessions_revoke_for_user, user_change_password, user_delete
from backend.audit.models import AuditEvent
from backend.common.background import wait_for_background_jobs
from backend.common.db import atomic
from backend.common.exceptions import WriteConflict
from tests.backend.accounts.helpers import bearer, login
from tests.conftest import signed_in_client
from tests.dbvendor import skip_on_mongodb
from tests.factories import DEFAULT_PASSWORD
from tests.support.concurrency import OtherConnection

pytestmark = pytest.mark.django_db(transaction=True)

OWNERS_PASSWORD = "the-Owners-new-phrase-31"
OTHER_PASSWORD = "an-Other-new-phrase-77"


def _signed_in(user) -> str:
    response = login(APIClient(), user.email)
    assert response.status_code == 200, response.content
    return str(AuthSession.objects.filter(user=user).latest("created_at").pk)


def _while_the_owner_changes_the_password(user, owners_session: str, work, *, read_by_the_owner=None):
    """``work()``, on another connection, while the owner's password change from ``owners_session`` holds the user's
    row (it checked its current password before that change commits). ``read_by_the_owner``: the account as that
    change read it (default: read now). Returns it, joined."""
    with atomic():
        user_change_password(
            user=read_by_the_owner or User.objects.get(pk=user.pk),
            new_password=OWNERS_PASSWORD,
            keep_session_id=owners_session,
        )
        other = OtherConnection(work).start()
        other.wait_until_finished_or_blocked()
    return other.join()


@skip_on_mongodb("no row locks there: acting_session_still_live documents the window")
def test_of_two_password_changes_at_once_the_second_finds_its_session_signed_out_by_the_first(user):
    # Given two sessions of the account, each changing the password with the right current one, read before either
    # change commits
    owners, others = _signed_in(user), _signed_in(user)
    read_by_the_other = User.objects.get(pk=user.pk)

    # When the owner's change commits while the other's waits for the account's row
    other = _while_the_owner_changes_the_password(
        user,
        owners,
        lambda: user_change_password(user=read_by_the_other, new_password=OTHER_PASSWORD, keep_session_id=others),
    )

    # Then the other is refused as the signed-out session it now is: the owner's password stands, and so does the
    # session the owner kept
    assert isinstance(other.error, SessionEnded), other.error
    user.refresh_from_db()
    assert user.check_password(OWNERS_PASSWORD)
    assert set(AuthSession.objects.live().filter(user=user).values_list("pk", flat=True)) == {
        AuthSession.objects.get(pk=owners).pk
    }


@skip_on_mongodb("no row locks there: acting_session_still_live documents the window")
def test_an_account_deletion_from_a_session_a_password_change_signed_out_meanwhile_deletes_nothing(user):
    # Given a session deleting the account with the right password, read before the owner's change commits
    owners, others = _signed_in(user), _signed_in(user)
    read_by_the_other = User.objects.get(pk=user.pk)

    # When the owner's change commits while the deletion waits for the account's row
    other = _while_the_owner_changes_the_password(
        user, owners, lambda: user_delete(user=read_by_the_other, acting_session_id=others)
    )

    # Then the deletion is refused and the account, with the owner's new password, stays
    assert isinstance(other.error, SessionEnded), other.error
    user.refresh_from_db()
    assert user.check_password(OWNERS_PASSWORD)


@pytest.mark.parametrize("action", ["password_change", "account_deletion"])
def test_the_refusal_is_a_401_session_revoked(user, monkeypatch, action):
    from backend.accounts.services import users

    # Given a session whose current password checks out just before a sign-out everywhere commits
    client = APIClient()
    bearer(client, login(client, user.email).json()["access"])
    checked = users.user_password_confirm

    def confirm_then_sign_out_everywhere(**kwargs):
        checked(**kwargs)
        sessions_revoke_for_user(user=User.objects.get(pk=user.pk))

    monkeypatch.setattr(users, "user_password_confirm", confirm_then_sign_out_everywhere)

    # When it goes on to change the password, or delete the account
    if action == "password_change":
        refused = client.post(
            "/api/auth/password/",
            {"current_password": DEFAULT_PASSWORD, "new_password": OTHER_PASSWORD},
            format="json",
        )
    else:
        refused = client.delete("/api/auth/me/", {"current_password": DEFAULT_PASSWORD}, format="json")

    # Then it is told its session was signed out, and nothing changed
    assert refused.status_code == 401, refused.content
    assert refused.json() == {
        "detail": "This session has been signed out or has expired. Sign in again.",
        "code": "session_revoked",
    }
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


# One session sending its change twice (a double click) ----------------------------------------------------------------


@skip_on_mongodb("no row locks there: acting_session_still_live documents the window")
def test_the_same_password_change_sent_twice_at_once_is_made_announced_and_recorded_once(user, smtp):
    # Given one session whose password change is sent twice at once: both checked the current password against the
    # account as it was
    owners = _signed_in(user)
    first_read, second_read = User.objects.get(pk=user.pk), User.objects.get(pk=user.pk)
    wait_for_background_jobs()  # the sign-in's new-device notice
    smtp.clear()

    # When the second runs while the first has not committed yet
    other = _while_the_owner_changes_the_password(
        user,
        owners,
        lambda: user_change_password(user=second_read, new_password=OWNERS_PASSWORD, keep_session_id=owners),
        read_by_the_owner=first_read,
    )

    # Then the second succeeds too, without a second write: one change recorded, one notice, the session kept
    assert other.error is None, other.error
    wait_for_background_jobs()
    assert AuditEvent.objects.filter(event=AuditEvent.Event.PASSWORD_CHANGED).count() == 1
    assert [message["Subject"] for message in smtp.messages] == ["Your password was changed"]
    user.refresh_from_db()
    assert user.check_password(OWNERS_PASSWORD)
    assert set(AuthSession.objects.live().filter(user=user).values_list("pk", flat=True)) == {
        AuthSession.objects.get(pk=owners).pk
    }


@skip_on_mongodb("no row locks there: acting_session_still_live documents the window")
def test_a_second_change_from_the_same_session_checked_against_the_old_password_is_a_conflict(user, smtp):
    # Given one session sending two changes at once, to two new passwords, both checked against the old one
    owners = _signed_in(user)
    first_read, second_read = User.objects.get(pk=user.pk), User.objects.get(pk=user.pk)

    # When the second runs while the first has not committed yet
    other = _while_the_owner_changes_the_password(
        user,
        owners,
        lambda: user_change_password(user=second_read, new_password=OTHER_PASSWORD, keep_session_id=owners),
        read_by_the_owner=first_read,
    )

    # Then the second is refused as a conflict (its current password is no longer the stored one), and the first
    # password stands
    assert isinstance(other.error, WriteConflict), other.error
    user.refresh_from_db()
    assert user.check_password(OWNERS_PASSWORD)
    assert AuditEvent.objects.filter(event=AuditEvent.Event.PASSWORD_CHANGED).count() == 1


def _sent_after_the_other_submission_committed(user, monkeypatch, new_password: str):
    """POST password/ with the right current password from a session whose other submission (a change to
    OWNERS_PASSWORD) commits right after this one's check. Returns the response."""
    from backend.accounts.services import users

    client, issued = signed_in_client(user)
    session_id = str(issued.session.pk)
    checked = users.user_password_confirm

    def confirm_then_the_other_submission_commits(**kwargs):
        checked(**kwargs)
        user_change_password(
            user=User.objects.get(pk=user.pk), new_password=OWNERS_PASSWORD, keep_session_id=session_id
        )

    monkeypatch.setattr(users, "user_password_confirm", confirm_then_the_other_submission_commits)
    return client.post(
        "/api/auth/password/", {"current_password": DEFAULT_PASSWORD, "new_password": new_password}, format="json"
    )


def _changed_once_to_the_owners_password(user, smtp) -> None:
    wait_for_background_jobs()
    assert [message["Subject"] for message in smtp.messages] == ["Your password was changed"]
    assert AuditEvent.objects.filter(event=AuditEvent.Event.PASSWORD_CHANGED).count() == 1
    user.refresh_from_db()
    assert user.check_password(OWNERS_PASSWORD)


def test_the_api_answers_a_repeated_change_204_without_doing_it_twice(user, monkeypatch, smtp):
    # Given a session whose same change was made by its other submission right after this one's check
    # When this one goes on
    response = _sent_after_the_other_submission_committed(user, monkeypatch, OWNERS_PASSWORD)

    # Then it succeeds as the first did, and the change is announced and recorded once
    assert response.status_code == 204, response.content
    assert response.content == b""
    _changed_once_to_the_owners_password(user, smtp)


def test_the_api_answers_another_change_made_after_the_check_409_conflict(user, monkeypatch, smtp):
    # Given a session whose other submission changed the password to another one right after this one's check
    # When this one goes on
    response = _sent_after_the_other_submission_committed(user, monkeypatch, OTHER_PASSWORD)

    # Then it is a conflict (to retry with the password now stored), and the other submission's password stands
    assert response.status_code == 409, response.content
    assert response.json() == {
        "detail": "This is being changed by someone else right now; try again.",
        "code": "conflict",
    }
    _changed_once_to_the_owners_password(user, smtp)
