"""Deleting one's own account: DELETE /api/auth/me/ with the current password (services.user_delete).

Transactional tests: the session tombstones, the audit rows and the notice email all happen on commit.
"""

from unittest import mock

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from backend.accounts.models import AuthSession, User
from backend.accounts.services import user_delete
from backend.audit.models import AuditEvent
from backend.common.background import wait_for_background_jobs
from backend.common.db import atomic
from backend.common.models import IdempotencyKey
from backend.tasks.models import Task
from backend.tasks.services import tasks_delete_for_owner
from tests.backend.accounts.helpers import login, refresh
from tests.conftest import signed_in_client
from tests.dbvendor import skip_on_mongodb
from tests.factories import DEFAULT_PASSWORD, TaskFactory, UserFactory
from tests.support.concurrency import OtherConnection

pytestmark = pytest.mark.django_db(transaction=True)

ME = "/api/auth/me/"


def _delete(client: APIClient, body=None, **extra):
    return client.delete(
        ME, body if body is not None else {"current_password": DEFAULT_PASSWORD}, format="json", **extra
    )


def _account_intact(user: User, *, tasks: int, live_sessions: int) -> None:
    assert User.objects.filter(pk=user.pk).exists()
    assert Task.objects.filter(owner=user).count() == tasks
    assert AuthSession.objects.live().filter(user=user).count() == live_sessions


# ------------------------------------------------------------------------------
# Refused: nothing is deleted
# ------------------------------------------------------------------------------
def test_given_no_access_token_when_deleting_the_account_then_401_and_nothing_is_deleted(api_client, user):
    TaskFactory(owner=user)

    response = _delete(api_client)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    _account_intact(user, tasks=1, live_sessions=0)


def test_given_no_password_when_deleting_then_400_names_current_password(auth_client, user):
    response = _delete(auth_client, {})

    assert response.status_code == 400
    assert response.json() == {"current_password": ["This field is required."]}
    _account_intact(user, tasks=0, live_sessions=1)


def test_given_no_body_at_all_when_deleting_then_400_names_current_password(auth_client, user):
    response = auth_client.delete(ME)

    assert response.status_code == 400
    assert response.json() == {"current_password": ["This field is required."]}
    _account_intact(user, tasks=0, live_sessions=1)


def test_given_a_blank_password_when_deleting_then_400_names_current_password(auth_client, user):
    response = _delete(auth_client, {"current_password": ""})

    assert response.status_code == 400
    assert response.json() == {"current_password": ["This field may not be blank."]}
    _account_intact(user, tasks=0, live_sessions=1)


def test_given_a_password_that_is_not_a_string_when_deleting_then_400_names_current_password(auth_client, user):
    response = _delete(auth_client, {"current_password": 12345678})

    assert response.status_code == 400
    assert list(response.json()) == ["current_password"]
    _account_intact(user, tasks=0, live_sessions=1)


def test_given_a_form_encoded_body_when_deleting_then_415_and_nothing_is_deleted(auth_client, user):
    response = auth_client.delete(
        ME, f"current_password={DEFAULT_PASSWORD}", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    _account_intact(user, tasks=0, live_sessions=1)


def test_given_malformed_json_when_deleting_then_400_parse_error(auth_client, user):
    response = auth_client.delete(ME, '{"current_password": ', content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    _account_intact(user, tasks=0, live_sessions=1)


def test_given_a_wrong_method_on_me_then_405(auth_client, user):
    response = auth_client.put(ME, {"current_password": DEFAULT_PASSWORD}, format="json")

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    _account_intact(user, tasks=0, live_sessions=1)


def test_given_a_wrong_password_when_deleting_then_400_audited_and_nothing_is_deleted(auth_client, user, smtp):
    TaskFactory.create_batch(2, owner=user)

    response = _delete(auth_client, {"current_password": "not-my-password"})

    assert response.status_code == 400
    assert response.json() == {"current_password": ["The current password is incorrect."]}
    _account_intact(user, tasks=2, live_sessions=1)
    assert AuditEvent.objects.filter(user=user, event=AuditEvent.Event.PASSWORD_CHECK_FAILED).count() == 1
    assert not AuditEvent.objects.filter(event=AuditEvent.Event.ACCOUNT_DELETED).exists()
    wait_for_background_jobs()
    assert smtp.messages == []


def test_given_five_wrong_passwords_on_a_session_then_the_fifth_revokes_it_as_password_change_does(user, rates):
    rates(password_change_session="5/30d", login_email_ip="100/15m", login_email="100/15m")
    client, _ = signed_in_client(user)
    statuses = [_delete(client, {"current_password": "wrong"}).status_code for _ in range(5)]

    assert statuses == [400, 400, 400, 400, 401]
    assert User.objects.filter(pk=user.pk).exists()
    assert client.get("/api/tasks/").status_code == 401


def test_given_a_failure_inside_the_deletion_then_everything_is_rolled_back(user, smtp):
    client, _ = signed_in_client(user)
    TaskFactory.create_batch(3, owner=user)
    assert client.get("/api/tasks/").status_code == 200  # the session is cached as live

    with mock.patch.object(User, "delete", side_effect=RuntimeError("disk on fire")), pytest.raises(RuntimeError):
        user_delete(user=user)

    _account_intact(user, tasks=3, live_sessions=1)
    assert client.get("/api/tasks/").json()["count"] == 3  # no tombstone was written
    assert not AuditEvent.objects.filter(event=AuditEvent.Event.ACCOUNT_DELETED).exists()
    wait_for_background_jobs()
    assert smtp.messages == []


# ------------------------------------------------------------------------------
# Deleted
# ------------------------------------------------------------------------------
def test_given_the_right_password_when_deleting_then_204_clears_the_cookie_and_deletes_everything_owned(smtp):
    user = UserFactory(email="leaving@example.com")
    bystander = UserFactory()
    TaskFactory.create_batch(3, owner=user)
    TaskFactory.create_batch(2, owner=bystander)
    api_client, issued = signed_in_client(user)
    session_id = str(issued.session.pk)
    created = api_client.post("/api/tasks/", {"title": "keyed"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert created.status_code == 201
    user_id = user.pk

    response = _delete(api_client)

    assert response.status_code == 204
    assert response.content == b""
    cookie = response.cookies[settings.REFRESH_COOKIE_NAME]
    assert cookie.value == ""
    assert cookie["max-age"] == 0
    assert cookie["path"] == settings.REFRESH_COOKIE_PATH
    assert not User.objects.filter(pk=user_id).exists()
    assert not Task.objects.filter(owner_id=user_id).exists()
    assert not AuthSession.objects.filter(user_id=user_id).exists()
    assert not IdempotencyKey.objects.filter(owner_id=user_id).exists()
    assert Task.objects.filter(owner=bystander).count() == 2
    [deleted] = AuditEvent.objects.filter(event=AuditEvent.Event.ACCOUNT_DELETED)
    assert (deleted.user_id, deleted.actor_id, deleted.email) == (None, None, "")
    assert str(deleted.session_id) == session_id
    [notice] = smtp.wait_for(to="leaving@example.com", count=1)
    assert notice["Subject"] == "Your account was deleted"


def test_given_a_deleted_account_then_its_audit_rows_stay_without_a_user(user):
    client, _ = signed_in_client(user)
    client.post("/api/auth/logout-all/", format="json")
    client, _ = signed_in_client(user)
    kept = set(AuditEvent.objects.filter(user=user).values_list("pk", flat=True))
    assert len(kept) == 3  # two sign-ins and the sign-out everywhere

    assert _delete(client).status_code == 204

    rows = AuditEvent.objects.filter(pk__in=kept)
    assert rows.count() == 3
    assert set(rows.values_list("user_id", flat=True)) == {None}
    assert set(rows.values_list("actor_id", flat=True)) == {None}


@pytest.mark.parametrize("warm_cache", [True, False], ids=["session-cached", "cache-cold"])
def test_given_access_tokens_issued_before_the_deletion_then_they_are_refused_at_once(user, warm_cache):
    this_client, _ = signed_in_client(user)
    other_device, _ = signed_in_client(user)
    if warm_cache:  # the cache holds both sessions as live: the tombstones must overrule it
        assert this_client.get("/api/tasks/").status_code == 200
        assert other_device.get("/api/tasks/").status_code == 200

    assert _delete(this_client).status_code == 204

    for client in (this_client, other_device):
        response = client.get("/api/tasks/")
        assert response.status_code == 401
        assert response.json()["code"] == "session_revoked"


def test_given_a_deleted_account_then_its_refresh_cookie_is_refused(api_client, user):
    other_browser = APIClient()
    login(other_browser, user.email)
    access = login(api_client, user.email).json()["access"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")

    assert _delete(api_client).status_code == 204

    response = refresh(other_browser)
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_refresh_token"


def test_given_a_deleted_account_then_the_same_email_registers_again_as_a_new_empty_account(api_client):
    user = UserFactory(email="again@example.com")
    TaskFactory(owner=user)
    client, _ = signed_in_client(user)
    assert _delete(client).status_code == 204

    response = api_client.post(
        "/api/auth/register/",
        {"email": "Again@Example.com", "password": "a-Fresh-passphrase-9"},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["user"]["email"] == "again@example.com"
    assert response.json()["user"]["id"] != str(user.pk)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    assert api_client.get("/api/tasks/").json()["count"] == 0
    events = [item["event"] for item in api_client.get("/api/auth/activity/").json()["results"]]
    assert sorted(events) == ["login_succeeded", "register"]  # nothing of the deleted account


def test_given_an_operator_deleting_their_own_account_through_the_api_then_they_are_signed_out_of_the_admin_too(
    smtp,
):
    from django.test import Client
    from django.urls import reverse

    # Given an operator signed in to the API and to the admin, and a colleague signed in to the admin
    operator = User.objects.create_superuser(email="operator@example.com", password=DEFAULT_PASSWORD)
    admin_browser, colleague_browser = Client(), Client()
    admin_browser.force_login(operator)
    colleague_browser.force_login(UserFactory(is_staff=True, is_superuser=True))
    for browser in (admin_browser, colleague_browser):
        assert browser.get(reverse("admin:index")).status_code == 200
    api, issued = signed_in_client(operator)

    # When they delete their own account with DELETE /api/auth/me/
    response = _delete(api)

    # Then it is deleted as anyone's: 204, the refresh cookie cleared, the API session refused at once
    assert (response.status_code, response.content) == (204, b"")
    assert response.cookies[settings.REFRESH_COOKIE_NAME].value == ""
    assert not User.objects.filter(pk=operator.pk).exists()
    refused = api.get("/api/tasks/")
    assert (refused.status_code, refused.json()["code"]) == (401, "session_revoked")
    # And their admin session is over, and only theirs
    signed_out = admin_browser.get(reverse("admin:index"))
    assert signed_out.status_code == 302
    assert signed_out["Location"].startswith(reverse("admin:login"))
    assert colleague_browser.get(reverse("admin:index")).status_code == 200
    # And the deletion is recorded once, by the session that asked, with no actor, and announced
    [deleted] = AuditEvent.objects.filter(event=AuditEvent.Event.ACCOUNT_DELETED)
    assert (deleted.user_id, deleted.actor_id, deleted.email) == (None, None, "")
    assert str(deleted.session_id) == str(issued.session.pk)
    [notice] = smtp.wait_for(to="operator@example.com")
    assert notice["Subject"] == "Your account was deleted"


# ------------------------------------------------------------------------------
# The tasks service it uses
# ------------------------------------------------------------------------------
def test_tasks_delete_for_owner_deletes_in_batches_only_that_owners_tasks_and_retires_their_cache(user, other_user):
    client, _ = signed_in_client(user)
    TaskFactory.create_batch(7, owner=user)
    TaskFactory.create_batch(2, owner=other_user)
    assert client.get("/api/tasks/").json()["count"] == 7  # cached now

    deleted = tasks_delete_for_owner(owner=user, batch_size=3)

    assert deleted == 7
    assert Task.objects.filter(owner=user).count() == 0
    assert Task.objects.filter(owner=other_user).count() == 2
    assert client.get("/api/tasks/").json()["count"] == 0


def test_given_two_deletions_at_once_then_the_account_is_deleted_recorded_and_announced_once(smtp):
    # Given two requests that both loaded the account (two tabs, or the owner and an operator)
    user = UserFactory(email="twice@example.com")
    first, second = User.objects.get(pk=user.pk), User.objects.get(pk=user.pk)

    # When both delete it, one after the other
    user_delete(user=first)
    user_delete(user=second)

    # Then one deletion is recorded and one notice sent
    wait_for_background_jobs()
    assert not User.objects.filter(pk=user.pk).exists()
    assert AuditEvent.objects.filter(event=AuditEvent.Event.ACCOUNT_DELETED).count() == 1
    assert [message["To"] for message in smtp.messages] == ["twice@example.com"]


@skip_on_mongodb("no row locks there: user_delete documents the window")
@pytest.mark.django_db(transaction=True)
def test_given_two_deletions_in_two_transactions_at_once_then_the_second_waits_and_stops(smtp):
    # Given two requests that both loaded the account
    user = UserFactory(email="twice@example.com")
    first, second = User.objects.get(pk=user.pk), User.objects.get(pk=user.pk)

    # When the second deletes it while the first's deletion has not committed yet
    with atomic():
        user_delete(user=first)
        other = OtherConnection(lambda: user_delete(user=second)).start()
        other.wait_until_finished_or_blocked()
    other.join()

    # Then it waited for the first, found the account gone, and stopped: one record, one notice
    assert other.error is None, other.error
    wait_for_background_jobs()
    assert not User.objects.filter(pk=user.pk).exists()
    assert AuditEvent.objects.filter(event=AuditEvent.Event.ACCOUNT_DELETED).count() == 1
    assert [message["To"] for message in smtp.messages] == ["twice@example.com"]
