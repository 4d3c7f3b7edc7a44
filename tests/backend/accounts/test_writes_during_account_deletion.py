"""Requests of an account that arrive while its deletion (DELETE /api/auth/me/, services.user_delete) holds the
account's row, and go on once it has committed: each is refused as a request of a deleted account is (401), never a
500, a 202 that mails a link for an account that no longer exists, or a 200 export of an empty profile.

The deletion runs in a transaction this test keeps open while the request runs on another connection
(OtherConnection): on PostgreSQL the request waits on the row, and finds it gone once the deletion commits; on SQLite
it waits for the deletion's commit before it writes anything."""

import json

import pytest
from django.contrib.auth.hashers import make_password
from rest_framework.test import APIClient

from backend.accounts.models import AuthSession, User
from backend.accounts.services import user_delete
from backend.audit.models import AuditEvent
from backend.common.background import wait_for_background_jobs
from backend.common.db import atomic
from tests.backend.accounts.helpers import email_change_ask, login
from tests.conftest import signed_in_client
from tests.dbvendor import skip_on_mongodb
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.support.concurrency import OtherConnection

pytestmark = pytest.mark.django_db(transaction=True)

after_the_deletion = skip_on_mongodb("no row locks there: a request may run beside the deletion instead of after it")

SESSION_ENDED = {
    "detail": "This session has been signed out or has expired. Sign in again.",
    "code": "session_revoked",
}
# What a request of a deleted account answers: its session ended, found by the request itself once the deletion
# committed; or, when the request is authenticated only after that commit (on SQLite it may wait there instead), the
# account's state in the session cache, which a deletion leaves as "inactive" (session_cache.py).
ACCOUNT_GONE_REFUSALS = (
    SESSION_ENDED,
    {"detail": "User is inactive", "code": "user_inactive"},
)
# What a sign-in to a deleted account answers: the address is unknown, or (its row read before the deletion
# committed) the account changed while signing in. Both are invalid_credentials, and neither says which.
SIGN_IN_REFUSALS = (
    {"detail": "Invalid email or password.", "code": "invalid_credentials"},
    {
        "detail": "The account's password or sessions changed while signing in. Sign in again.",
        "code": "invalid_credentials",
    },
)


def _sent_while_the_account_is_deleted(user: User, request) -> OtherConnection:
    """``request()`` on another connection while the account's deletion holds its row; joined once it committed."""
    with atomic():
        user_delete(user=User.objects.get(pk=user.pk))
        other = OtherConnection(request).start()
        other.wait_until_finished_or_blocked()
    return other.join()


@after_the_deletion
def test_a_profile_update_sent_while_the_account_is_deleted_is_401_session_revoked(smtp):
    # Given a signed-in account
    user = UserFactory(email="leaving@example.com", name="Old name")
    client, _ = signed_in_client(user)

    # When it renames itself while its deletion commits
    other = _sent_while_the_account_is_deleted(
        user, lambda: client.patch("/api/auth/me/", {"name": "New name"}, format="json")
    )

    # Then it is told its session ended, as every later request of the account is, and the account stays gone
    assert other.error is None, other.error
    assert other.result.status_code == 401, other.result.content
    assert other.result.json() in ACCOUNT_GONE_REFUSALS
    assert not User.objects.filter(pk=user.pk).exists()


@after_the_deletion
def test_a_sign_in_whose_password_is_rehashed_while_the_account_is_deleted_is_refused_not_a_500(settings, smtp):
    # Given an account whose password is stored with a hasher the settings no longer prefer: the next right
    # sign-in hashes it again (Django's check_password upgrades it)
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    user = UserFactory(email="legacy@example.com")
    User.objects.filter(pk=user.pk).update(password=make_password(DEFAULT_PASSWORD, hasher="md5"))

    # When it signs in with the right password while its deletion commits
    other = _sent_while_the_account_is_deleted(user, lambda: login(APIClient(), "legacy@example.com"))

    # Then the sign-in is refused as one to a deleted account, and no session or account is left
    assert other.error is None, other.error
    assert other.result.status_code == 401, other.result.content
    assert other.result.json() in SIGN_IN_REFUSALS
    assert not User.objects.filter(pk=user.pk).exists()
    assert not AuthSession.objects.filter(user_id=user.pk).exists()


def test_a_rehash_never_writes_a_checked_password_over_one_that_changed_since(settings):
    # Given a sign-in that read the account while its old password was stored with a hasher no longer preferred,
    # and a new password stored after that read
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    user = UserFactory(email="legacy@example.com")
    User.objects.filter(pk=user.pk).update(password=make_password("the-Old-phrase-11", hasher="md5"))
    signing_in = User.objects.get(pk=user.pk)
    User.objects.filter(pk=user.pk).update(password=make_password("the-New-phrase-22"))

    # When that sign-in checks the old password, which Django then hashes again with the preferred hasher
    assert signing_in.check_password("the-Old-phrase-11")

    # Then the rehash wrote nothing: the stored password is still the new one
    stored = User.objects.get(pk=user.pk)
    assert stored.check_password("the-New-phrase-22")
    assert not stored.check_password("the-Old-phrase-11")


@after_the_deletion
def test_an_email_change_asked_while_the_account_is_deleted_is_401_and_mails_no_link(smtp):
    # Given a signed-in account
    user = UserFactory(email="leaving@example.com", email_verified=True)
    client, _ = signed_in_client(user)
    smtp.clear()

    # When it asks to move to a new address while its deletion commits
    other = _sent_while_the_account_is_deleted(user, lambda: email_change_ask(client, "moved@example.com"))

    # Then it is told its session ended; the new address gets nothing (the old one gets the deletion's notice only)
    assert other.error is None, other.error
    assert other.result.status_code == 401, other.result.content
    assert other.result.json() in ACCOUNT_GONE_REFUSALS
    wait_for_background_jobs()
    assert [(message["To"], message["Subject"]) for message in smtp.messages] == [
        ("leaving@example.com", "Your account was deleted")
    ]
    assert not AuditEvent.objects.filter(event=AuditEvent.Event.EMAIL_CHANGE_REQUESTED).exists()


@after_the_deletion
def test_a_data_export_asked_while_the_account_is_deleted_is_401_not_a_profile_of_nulls(smtp):
    # Given a signed-in account
    user = UserFactory(email="leaving@example.com", email_verified=True)
    client, _ = signed_in_client(user)

    def export():
        response = client.get("/api/auth/me/export/")
        body = b"".join(response.streaming_content) if response.streaming else response.content
        return response.status_code, json.loads(body)

    # When it asks for its data while its deletion commits
    other = _sent_while_the_account_is_deleted(user, export)

    # Then it is told its session ended: no document, and no export recorded
    assert other.error is None, other.error
    assert other.result[0] == 401
    assert other.result[1] in ACCOUNT_GONE_REFUSALS
    assert not AuditEvent.objects.filter(event=AuditEvent.Event.DATA_EXPORTED).exists()


def test_a_request_whose_account_is_deleted_right_after_its_token_was_checked_is_401_not_a_500(monkeypatch):
    # Given a signed-in account, deleted the moment authentication has accepted its token (the request's user has
    # only its id loaded: every other field is read when the view first needs it, from a row that is gone)
    from backend.accounts.authentication import SessionJWTAuthentication

    user = UserFactory(email="gone@example.com")
    client, _ = signed_in_client(user)
    accept = SessionJWTAuthentication.get_user

    def accept_then_delete(self, validated_token):
        accepted = accept(self, validated_token)
        User.objects.filter(pk=accepted.pk).delete()
        return accepted

    monkeypatch.setattr(SessionJWTAuthentication, "get_user", accept_then_delete)

    # When it reads its profile
    response = client.get("/api/auth/me/")

    # Then it is refused as a signed-out session is, not with a 500
    assert response.status_code == 401
    assert response.json() == SESSION_ENDED
