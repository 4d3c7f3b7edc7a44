"""Every auth event leaves one audit row (and one log line), with who, from where and which session."""

import json
import logging
import re
import uuid

import pytest
from rest_framework.test import APIClient

from backend.accounts import services
from backend.accounts.models import AuthSession
from backend.audit.models import AuditEvent
from backend.audit.services import audit_record, audit_record_many
from tests.backend.accounts.helpers import grace_window_passed, login
from tests.backend.observability.helpers import sample
from tests.conftest import signed_in_client
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.support.smtp import link_in

# Real commits: audit rows are written in transaction.on_commit, inside the request.
pytestmark = pytest.mark.django_db(transaction=True)

UA = {"HTTP_USER_AGENT": "AuditBrowser/1.0"}


def _events(**filters) -> list[tuple]:
    return list(
        AuditEvent.objects.filter(**filters)
        .order_by("occurred_at", "event")
        .values_list("event", "user_id", "session_id")
    )


def test_a_failed_login_with_an_unknown_email_records_the_email_and_no_user(api_client):
    response = login(api_client, "Nobody@Example.com", "whatever-password", **UA)

    assert response.status_code == 401
    [row] = AuditEvent.objects.all()
    assert (row.event, row.user_id, row.email) == ("login_failed", None, "nobody@example.com")
    assert (row.ip_address, row.user_agent, row.session_id) == ("127.0.0.1", "AuditBrowser/1.0", None)
    assert re.fullmatch(r"[0-9a-f]{32}", row.request_id)


@pytest.mark.parametrize("typed", ["Correct-Horse-Battery-Staple-42", "p@ssw0rd!"])
def test_a_password_typed_into_the_email_field_is_kept_neither_in_the_audit_trail_nor_in_its_log_line(
    api_client, json_logs, typed
):
    # Given someone typing their password into the email box by mistake
    # When the sign-in fails
    response = login(api_client, typed, "whatever-password", **UA)

    # Then the failed sign-in is still recorded, with where it came from, but without the text typed
    assert response.status_code == 401
    [row] = AuditEvent.objects.all()
    assert (row.event, row.user_id, row.email) == ("login_failed", None, "")
    assert (row.ip_address, row.user_agent) == ("127.0.0.1", "AuditBrowser/1.0")
    # And the event's log line does not carry it either
    [entry] = [line for line in json_logs() if line["logger"] == "backend.audit"]
    assert entry["audit_event"] == "login_failed"
    assert typed.lower() not in json.dumps(entry).lower()


def test_a_password_typed_into_the_email_field_is_not_kept_when_it_starts_a_lockout(rates):
    # Given a sign-in limit of two failures per address typed and network
    rates(login_email_ip="2/15m")
    typed = "Correct-Horse-Battery-Staple-42"

    # When the same password, typed into the email box, is tried until it is locked out
    browser = APIClient(REMOTE_ADDR="198.51.100.9")
    statuses = [login(browser, typed, "whatever-password").status_code for _ in range(3)]

    # Then the lockout is recorded, from its address, without the text typed
    assert statuses == [401, 401, 429]
    assert list(AuditEvent.objects.filter(event="login_locked").values_list("email", "ip_address")) == [
        ("", "198.51.100.9")
    ]
    assert typed.lower() not in set(AuditEvent.objects.values_list("email", flat=True))


def test_a_failed_login_with_a_wrong_password_records_the_account(api_client, user):
    response = login(api_client, user.email, "wrong-password", **UA)

    assert response.status_code == 401
    assert _events() == [("login_failed", user.pk, None)]


def test_a_successful_login_records_the_new_session(api_client, user):
    response = login(api_client, user.email, **UA, HTTP_X_REQUEST_ID="login-req-1")

    assert response.status_code == 200
    session = AuthSession.objects.get(user=user)
    [row] = AuditEvent.objects.all()
    assert (row.event, row.user_id, row.session_id) == ("login_succeeded", user.pk, session.pk)
    assert (row.ip_address, row.user_agent, row.request_id) == ("127.0.0.1", "AuditBrowser/1.0", "login-req-1")


def test_registering_records_the_registration_and_its_sign_in(api_client):
    response = api_client.post(
        "/api/auth/register/", {"email": "new@example.com", "password": "a-Fresh-passphrase-7"}, format="json", **UA
    )

    assert response.status_code == 201
    session = AuthSession.objects.get()
    assert sorted(_events()) == sorted(
        [("login_succeeded", session.user_id, session.pk), ("register", session.user_id, session.pk)]
    )


def test_a_failed_registration_records_nothing(api_client, user):
    response = api_client.post("/api/auth/register/", {"email": user.email, "password": "x"}, format="json")

    assert response.status_code == 400
    assert _events() == []


def test_reusing_a_rotated_refresh_token_records_the_reuse(api_client, user):
    first = login(api_client, user.email)
    old_refresh = first.cookies["sad_refresh"].value
    assert api_client.post("/api/auth/refresh/", {}, format="json").status_code == 200
    grace_window_passed()

    replay = api_client.post("/api/auth/refresh/", {"refresh": old_refresh}, format="json")

    assert replay.status_code == 401
    session = AuthSession.objects.get(user=user)
    assert _events(event="refresh_reused") == [("refresh_reused", user.pk, session.pk)]


def test_a_plain_refresh_records_nothing(api_client, user):
    login(api_client, user.email)
    before = _events()

    assert api_client.post("/api/auth/refresh/", {}, format="json").status_code == 200
    assert _events() == before == [("login_succeeded", user.pk, AuthSession.objects.get().pk)]


def test_a_refresh_losing_the_race_to_rotate_records_the_reuse(api_client, user, monkeypatch):
    # Another refresh with the same token rotated between our read and our write (the interleaving
    # MongoDB leaves to _rotate_if_current, where select_for_update is a no-op).
    login(api_client, user.email)
    session = AuthSession.objects.get(user=user)
    monkeypatch.setattr(services.sessions, "_rotate_if_current", lambda session, *, presented_hash: False)
    counted = sample("auth_events_total", event="refresh_reused")

    response = api_client.post("/api/auth/refresh/", {}, format="json")

    assert (response.status_code, response.json()["code"]) == (401, "refresh_token_reused")
    assert _events(event="refresh_reused") == [("refresh_reused", user.pk, session.pk)]
    assert sample("auth_events_total", event="refresh_reused") == counted + 1
    session.refresh_from_db()
    assert session.revoked_at is not None


def test_logout_records_the_session_once(api_client, user):
    login(api_client, user.email)
    session = AuthSession.objects.get(user=user)

    assert api_client.post("/api/auth/logout/", {}, format="json").status_code == 204
    assert api_client.post("/api/auth/logout/", {}, format="json").status_code == 204  # nothing left to end

    assert _events(event="logout") == [("logout", user.pk, session.pk)]


def test_logout_everywhere_records_one_event_with_the_session_that_asked(user):
    client, issued = signed_in_client(user)
    signed_in_client(user)

    assert client.post("/api/auth/logout-all/").status_code == 204

    assert _events(event="logout_all") == [("logout_all", user.pk, issued.session.pk)]
    assert _events(event__in=["logout", "session_revoked"]) == []


def test_a_password_change_records_one_event_naming_the_kept_session(user):
    client, issued = signed_in_client(user)

    response = client.post(
        "/api/auth/password/",
        {"current_password": DEFAULT_PASSWORD, "new_password": "a-Brand-new-passphrase-5"},
        format="json",
    )

    assert response.status_code == 204
    assert _events(event__in=["password_changed", "logout_all"]) == [("password_changed", user.pk, issued.session.pk)]


def test_a_wrong_current_password_records_no_change(user):
    client, _ = signed_in_client(user)

    response = client.post(
        "/api/auth/password/", {"current_password": "nope", "new_password": "a-Brand-new-passphrase-5"}, format="json"
    )

    assert response.status_code == 400
    assert _events(event="password_changed") == []


def test_a_password_reset_records_one_event(api_client, smtp):
    # confirmed: the reset of an unconfirmed address also confirms it (test_password_reset_confirms.py)
    user = UserFactory(email="reset-audit@example.com", email_verified=True)
    api_client.post("/api/auth/password-reset/", {"email": user.email}, format="json")
    [message] = smtp.wait_for(to=user.email, subject="Reset your password")
    uid, token = re.search(r"uid=([\w-]+)&token=([\w-]+)", link_in(message, "/reset-password")).groups()

    response = api_client.post(
        "/api/auth/password-reset/confirm/",
        {"uid": uid, "token": token, "new_password": "a-Reset-passphrase-3"},
        format="json",
    )

    assert response.status_code == 204
    assert _events() == [("password_reset", user.pk, None)]


def test_revoking_one_of_my_sessions_records_it(user):
    client, _ = signed_in_client(user)
    _, other = signed_in_client(user)

    assert client.delete(f"/api/auth/sessions/{other.session.pk}/").status_code == 204

    assert _events(event="session_revoked") == [("session_revoked", user.pk, other.session.pk)]


def test_an_admin_revoking_sessions_is_recorded_with_the_admin_as_actor(admin_client):
    target = UserFactory()
    _, issued = signed_in_client(target)
    admin = AuditEvent._meta.get_field("actor").related_model.objects.get(email="root@example.com")

    admin_client.post(
        "/admin/accounts/authsession/",
        {"action": "revoke_sessions", "_selected_action": [str(issued.session.pk)]},
    )
    admin_client.post("/admin/accounts/user/", {"action": "revoke_all_sessions", "_selected_action": [str(target.pk)]})

    rows = AuditEvent.objects.filter(event="admin_sessions_revoked").order_by("occurred_at")
    assert [(r.user_id, r.session_id, r.actor_id) for r in rows] == [
        (target.pk, issued.session.pk, admin.pk),
        (target.pk, None, admin.pk),
    ]


def test_each_event_is_also_a_structured_log_line(api_client, user, json_logs):
    login(api_client, user.email, "wrong-password")

    [entry] = [line for line in json_logs() if line["logger"] == "backend.audit"]
    assert entry["event"] == "audit"
    assert entry["audit_event"] == "login_failed"
    assert entry["subject_user_id"] == str(user.pk)
    assert entry["ip_address"] == "127.0.0.1"
    assert "email" not in entry  # what was typed stays in the database, not in log pipelines


def test_a_failing_audit_write_is_logged_and_never_fails_the_request(api_client, user, monkeypatch, json_logs):
    def broken_save(self, *args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(AuditEvent, "save", broken_save)

    response = login(api_client, user.email, "wrong-password")

    assert response.status_code == 401
    audit_lines = [line for line in json_logs() if line["logger"] == "backend.audit"]
    failures = [line for line in audit_lines if line["event"] == "audit_write_failed"]
    assert len(failures) == 1
    assert (failures[0]["level"], failures[0]["audit_event"]) == ("error", "login_failed")
    assert "RuntimeError: disk full" in failures[0]["exception"]  # logger.exception's traceback, rendered


def test_a_failing_audit_write_reaches_the_standard_librarys_records_for_sentry(api_client, user, monkeypatch, caplog):
    # Sentry's logging integration reads the standard library's records, not structlog's own lines.
    def broken_save(self, *args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(AuditEvent, "save", broken_save)
    with caplog.at_level(logging.INFO, logger="backend.audit"):
        login(api_client, user.email, "wrong-password")

    [failure] = [r for r in caplog.records if r.name == "backend.audit" and r.levelno >= logging.ERROR]
    assert failure.msg["event"] == "audit_write_failed"
    assert failure.exc_info is not None
    assert failure.exc_info[0] is RuntimeError


def test_outside_a_request_no_ip_user_agent_or_actor_is_recorded(user):
    row = audit_record(event=AuditEvent.Event.LOGOUT_ALL, user_id=user.pk)

    assert row is not None
    assert (row.ip_address, row.user_agent, row.actor_id, row.request_id) == (None, "", None, "")


def test_an_event_whose_account_was_deleted_before_its_row_is_kept_without_the_account(user, other_user):
    # Given an event about one account, acted by another, written (on a commit) after both accounts were deleted
    user_id, actor_id = user.pk, str(other_user.pk)  # the actor as text, as a request's id may come
    user.delete()
    other_user.delete()

    # When it is recorded
    row = audit_record(event=AuditEvent.Event.LOGIN_SUCCEEDED, user_id=user_id, actor_id=actor_id)

    # Then it is kept, as on_delete=SET_NULL leaves an event written before the deletion
    assert row is not None
    assert AuditEvent.objects.values_list("event", "user_id", "actor_id").get() == ("login_succeeded", None, None)


def test_an_event_keeps_an_account_that_still_exists_beside_one_deleted(user, other_user):
    other_user_id = other_user.pk
    other_user.delete()

    audit_record(event=AuditEvent.Event.ADMIN_SESSIONS_REVOKED, user_id=other_user_id, actor_id=str(user.pk))

    assert AuditEvent.objects.values_list("user_id", "actor_id").get() == (None, user.pk)


def test_events_recorded_together_keep_those_whose_account_was_deleted_without_the_account(user, other_user):
    # Given two sessions' events, one about an account deleted before they are written (on the commit of an
    # operator's bulk revocation, which the deletion waited for)
    kept_session, gone_session = uuid.uuid4(), uuid.uuid4()
    gone_user_id = other_user.pk
    other_user.delete()

    # When they are recorded together
    audit_record_many(
        event=AuditEvent.Event.ADMIN_SESSIONS_REVOKED,
        subjects=[(user.pk, kept_session), (gone_user_id, gone_session)],
    )

    # Then both are kept, the deleted account's without it, as on_delete=SET_NULL leaves an event written before
    assert set(AuditEvent.objects.values_list("event", "user_id", "session_id")) == {
        ("admin_sessions_revoked", user.pk, kept_session),
        ("admin_sessions_revoked", None, gone_session),
    }


def test_an_api_client_signed_in_elsewhere_does_not_leak_into_rows(user):
    client = APIClient()
    response = login(client, user.email)
    assert response.status_code == 200
    assert AuditEvent.objects.get().actor_id is None  # login requests are anonymous
