"""Sign-ins through the admin's form are audited; the API's are audited by its services, once."""

import json

import pytest
from django.urls import reverse

from backend.accounts.models import User
from backend.audit.models import AuditEvent
from tests.backend.accounts.helpers import login

# Real commits: audit rows of the admin's password form are written in transaction.on_commit.
pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "an-Operator-passphrase-4"


@pytest.fixture
def operator(db) -> User:
    return User.objects.create_superuser(email="ops@example.com", password=PASSWORD)


def _admin_login(client, email: str, password: str):
    return client.post("/admin/login/", {"username": email, "password": password, "next": "/admin/"}, **UA)


UA = {"HTTP_USER_AGENT": "OpsBrowser/2.0"}


def test_a_failed_admin_sign_in_with_an_unknown_email_records_the_email(client):
    response = _admin_login(client, "Nobody@Example.com", "whatever")

    assert response.status_code == 200  # the form again, with its error
    [row] = AuditEvent.objects.all()
    assert (row.event, row.user_id, row.email, row.actor_id) == ("login_failed", None, "nobody@example.com", None)
    assert (row.ip_address, row.user_agent) == ("127.0.0.1", "OpsBrowser/2.0")


def test_a_password_typed_into_the_admins_email_field_is_not_kept_in_the_audit_trail(client, json_logs):
    # Given an operator typing their password into the admin's email box by mistake
    typed = "Correct-Horse-Battery-Staple-42"

    # When the sign-in fails
    response = _admin_login(client, typed, "whatever")

    # Then the failed sign-in is still recorded, with where it came from, but without the text typed
    assert response.status_code == 200
    [row] = AuditEvent.objects.all()
    assert (row.event, row.user_id, row.email) == ("login_failed", None, "")
    assert (row.ip_address, row.user_agent) == ("127.0.0.1", "OpsBrowser/2.0")
    # And the event's log line does not carry it either
    [entry] = [line for line in json_logs() if line["logger"] == "backend.audit"]
    assert typed.lower() not in json.dumps(entry).lower()


def test_a_failed_admin_sign_in_records_the_account_without_the_password(client, operator):
    response = _admin_login(client, operator.email, "wrong-password")

    assert response.status_code == 200
    assert list(AuditEvent.objects.values_list("event", "user_id", "email")) == [
        ("login_failed", operator.pk, operator.email)
    ]


def test_a_successful_admin_sign_in_records_the_operator(client, operator):
    response = _admin_login(client, operator.email, PASSWORD)

    assert response.status_code == 302
    [row] = AuditEvent.objects.all()
    assert (row.event, row.user_id, row.session_id) == ("login_succeeded", operator.pk, None)
    assert (row.ip_address, row.user_agent) == ("127.0.0.1", "OpsBrowser/2.0")


def test_api_sign_ins_are_recorded_once(api_client, operator):
    failed = login(api_client, operator.email, "wrong-password")
    succeeded = login(api_client, operator.email, PASSWORD)

    assert (failed.status_code, succeeded.status_code) == (401, 200)
    assert list(AuditEvent.objects.order_by("occurred_at").values_list("event", flat=True)) == [
        "login_failed",
        "login_succeeded",
    ]


def test_an_operator_setting_a_password_records_the_change(admin_client):
    target = User.objects.create_user(email="target@example.com", password="a-Target-passphrase-5")
    operator = User.objects.get(email="root@example.com")

    response = admin_client.post(
        reverse("admin:auth_user_password_change", args=[target.pk]),
        {"password1": "an-Operator-set-pass-9", "password2": "an-Operator-set-pass-9", "usable_password": "true"},
    )

    assert response.status_code == 302
    assert sorted(AuditEvent.objects.values_list("event", "user_id", "actor_id")) == [
        ("admin_sessions_revoked", target.pk, operator.pk),
        ("password_changed", target.pk, operator.pk),
    ]
