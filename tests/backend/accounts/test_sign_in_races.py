"""A sign-in racing a password change, a reset or a sign-out everywhere: whichever commits first, no session
started with the old credentials outlives the change (services.sessions.session_start)."""

import pytest

from backend.accounts.models import AuthSession, User
from backend.accounts.services import (
    CredentialsChanged,
    session_start,
    sessions_revoke_for_user,
    user_change_password,
    user_delete,
)
from backend.accounts.services.password_reset import password_reset_confirm
from backend.common.db import atomic
from tests.backend.accounts.helpers import login, reset_link_parts
from tests.dbvendor import skip_on_mongodb
from tests.factories import DEFAULT_PASSWORD
from tests.support.concurrency import OtherConnection

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "a-Brand-new-phrase-31"


def _live_sessions(user) -> int:
    return AuthSession.objects.live().filter(user=user).count()


@pytest.mark.parametrize(
    "change", ["password_change", "password_reset", "sign_out_everywhere", "deactivation", "account_deletion"]
)
def test_a_sign_in_checked_before_a_change_that_committed_starts_no_session(user, change):
    # Given a sign-in whose password was checked (the user as it read then)
    checked = User.objects.get(pk=user.pk)

    # When the account's password changes, its sessions are all signed out, or it is deactivated or deleted, before
    # the sign-in starts its session
    if change == "password_change":
        user_change_password(user=user, new_password=NEW_PASSWORD, keep_session_id=None)
    elif change == "password_reset":
        password_reset_confirm(**reset_link_parts(user), new_password=NEW_PASSWORD)
    elif change == "sign_out_everywhere":
        sessions_revoke_for_user(user=user)
    elif change == "account_deletion":
        user_delete(user=User.objects.get(pk=user.pk))  # the row is gone: nothing is what the sign-in read
    else:
        user.is_active = False
        user.save(update_fields=["is_active"])

    # Then no session is started
    with pytest.raises(CredentialsChanged):
        session_start(user=checked)
    assert _live_sessions(user) == 0


def test_the_refusal_is_a_401_that_says_to_sign_in_again(api_client, user, monkeypatch):
    from backend.accounts import services

    # Given a login whose password check passes just before a sign-out everywhere commits
    checked = services.user_authenticate

    def authenticate_then_sign_out_everywhere(**credentials):
        found = checked(**credentials)
        sessions_revoke_for_user(user=User.objects.get(pk=found.pk))
        return found

    monkeypatch.setattr(services, "user_authenticate", authenticate_then_sign_out_everywhere)

    response = login(api_client, user.email)

    assert response.status_code == 401
    assert response.json() == {
        "detail": "The account's password or sessions changed while signing in. Sign in again.",
        "code": "invalid_credentials",
    }
    assert _live_sessions(user) == 0


@skip_on_mongodb("no row locks there: session_start documents the window")
def test_a_sign_out_everywhere_waits_for_a_sign_in_holding_the_user_row_and_revokes_its_session(user):
    # Given a sign-in that has checked the credentials and inserted its session, not yet committed
    with atomic():
        issued = session_start(user=user)
        # When the owner signs out everywhere meanwhile
        signing_out = OtherConnection(lambda: sessions_revoke_for_user(user=User.objects.get(pk=user.pk))).start()
        signing_out.wait_until_finished_or_blocked()
    signing_out.join()

    # Then the sign-out waited for it, and its session is revoked with the others
    assert signing_out.error is None, signing_out.error
    assert AuthSession.objects.get(pk=issued.session.pk).revoked_at is not None


def test_a_reset_link_used_twice_at_once_sets_one_password(user):
    from django.core.exceptions import ValidationError

    # Given one reset link, confirmed by a request that has not committed yet
    link = reset_link_parts(user)
    with atomic():
        password_reset_confirm(**link, new_password=NEW_PASSWORD)
        # When a second request, which checked the same link before that commits, confirms it too
        second = OtherConnection(lambda: password_reset_confirm(**link, new_password="a-Second-phrase-for-it-77"))
        second.start().wait_until_finished_or_blocked()
    second.join()

    # Then the second is refused as a used link, and the first's password stands
    assert isinstance(second.error, ValidationError), second.error
    assert second.error.message_dict == {"token": ["The reset link is invalid or has expired."]}
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_a_sign_in_whose_password_hash_another_sign_in_upgraded_meanwhile_still_starts(user):
    # Given two sign-ins with the right password that read the account at once, one of which rewrote its hash (as
    # Django does for a hash made with older parameters: same password, new salt) before the other starts
    checked = User.objects.get(pk=user.pk)
    user.set_password(DEFAULT_PASSWORD)
    user.save(update_fields=["password"])
    assert user.password != checked.password

    # Then the other still signs in: the password did not change
    issued = session_start(user=checked)
    assert AuthSession.objects.get(pk=issued.session.pk).revoked_at is None


@pytest.mark.parametrize("change", ["password_reset", "sign_out_everywhere"])
def test_a_second_step_is_not_opened_for_a_password_checked_before_a_reset_or_sign_out_everywhere(
    api_client, user, monkeypatch, change
):
    from backend.accounts import services
    from backend.mfa.models import MfaChallenge
    from tests.backend.mfa.helpers import authenticator_app_enabled

    # Given an account with an authenticator app, whose password check passes just before a change commits
    authenticator_app_enabled(user)
    checked = services.user_authenticate

    def authenticate_then_change(**credentials):
        found = checked(**credentials)
        if change == "password_reset":
            password_reset_confirm(**reset_link_parts(user), new_password=NEW_PASSWORD)
        else:
            sessions_revoke_for_user(user=User.objects.get(pk=found.pk))
        return found

    monkeypatch.setattr(services, "user_authenticate", authenticate_then_change)

    # When the login goes on to its second step
    response = login(api_client, user.email)

    # Then no second step is opened (one opened now would outlive the change that deleted the pending ones)
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"
    assert not MfaChallenge.objects.filter(user=user).exists()


def test_a_reset_link_checked_before_a_sign_in_committed_is_refused(user):
    from django.core.exceptions import ValidationError

    # Given a reset link, and a sign-in holding the account (it records last_login, which the link's token hashes)
    link = reset_link_parts(user)
    with atomic():
        session_start(user=User.objects.get(pk=user.pk))
        # When the link, checked before that sign-in commits, is confirmed
        resetting = OtherConnection(lambda: password_reset_confirm(**link, new_password=NEW_PASSWORD))
        resetting.start().wait_until_finished_or_blocked()
    resetting.join()

    # Then it is refused as the stale link it now is, and the password is unchanged
    assert isinstance(resetting.error, ValidationError), resetting.error
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)
