"""A password change or an account deletion asked by a session that another request signs out meanwhile (a password
change from another session, a sign-out everywhere): the change commits under the user's row lock only while its
session is still live (services.sessions.acting_session_still_live), so it never lands after the owner's change that
ended it."""

import pytest
from rest_framework.test import APIClient

from backend.accounts.errors import SessionEnded
from backend.accounts.models import AuthSession, User
from backend.accounts.services import sessions_revoke_for_user, user_change_password, user_delete
from backend.common.db import atomic
from tests.backend.accounts.helpers import bearer, login
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


def _while_the_owner_changes_the_password(user, owners_session: str, work):
    """``work()``, on another connection, while the owner's password change from ``owners_session`` holds the user's
    row (it checked its current password before that change commits). Returns it, joined."""
    with atomic():
        user_change_password(
            user=User.objects.get(pk=user.pk), new_password=OWNERS_PASSWORD, keep_session_id=owners_session
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
