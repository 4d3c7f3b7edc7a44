"""The security activity: GET /api/auth/activity/ lists the signed-in user's own audit events, newest first.

Transactional: sign-ins and sign-outs are recorded when their transaction commits.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from backend.audit.models import AuditEvent
from backend.audit.selectors import ACTIVITY_EVENTS, audit_activity_for_user
from tests.backend.accounts.helpers import login
from tests.conftest import signed_in_client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

ACTIVITY = "/api/auth/activity/"
ITEM_FIELDS = {"id", "event", "description", "occurred_at", "ip_address", "user_agent", "session_id", "current_session"}


def _event(user, event, *, minutes_ago: int, **fields) -> AuditEvent:
    row = AuditEvent(event=event, user=user, occurred_at=timezone.now() - timedelta(minutes=minutes_ago), **fields)
    row.save()
    return row


# ------------------------------------------------------------------------------
# Refused
# ------------------------------------------------------------------------------
def test_given_no_access_token_when_reading_the_activity_then_401(api_client):
    response = api_client.get(ACTIVITY)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_given_a_revoked_session_when_reading_the_activity_then_401(user):
    client, _ = signed_in_client(user)
    client.post("/api/auth/logout-all/", format="json")

    response = client.get(ACTIVITY)

    assert response.status_code == 401
    assert response.json()["code"] == "session_revoked"


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_given_a_method_other_than_get_when_reading_the_activity_then_405(auth_client, method):
    response = getattr(auth_client, method)(ACTIVITY, {}, format="json")

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


@pytest.mark.parametrize("query", ["page=0", "page=x", "page_size=0", "page_size=-1"])
def test_given_bad_paging_input_then_400_naming_the_parameter(auth_client, query):
    response = auth_client.get(f"{ACTIVITY}?{query}")

    assert response.status_code == 400
    assert list(response.json()) == [query.split("=")[0]]


def test_given_a_page_past_the_last_then_404(auth_client):
    response = auth_client.get(f"{ACTIVITY}?page=2")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# ------------------------------------------------------------------------------
# What it shows
# ------------------------------------------------------------------------------
def test_the_activity_lists_the_users_own_events_newest_first_with_their_labels(user):
    browser = APIClient(HTTP_USER_AGENT="Firefox/140", REMOTE_ADDR="203.0.113.7")
    assert login(browser, user.email, password="wrong").status_code == 401
    signed_in = login(browser, user.email)
    browser.credentials(HTTP_AUTHORIZATION=f"Bearer {signed_in.json()['access']}")

    response = browser.get(ACTIVITY)

    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["next"], body["previous"]) == (2, None, None)
    newest, oldest = body["results"]
    assert set(newest) == ITEM_FIELDS
    assert (newest["event"], newest["description"]) == ("login_succeeded", "Signed in")
    assert (newest["ip_address"], newest["user_agent"], newest["current_session"]) == (
        "203.0.113.7",
        "Firefox/140",
        True,
    )
    assert newest["session_id"] == browser.get("/api/auth/sessions/").json()[0]["id"]
    assert (oldest["event"], oldest["description"]) == ("login_failed", "Sign-in failed")
    assert (oldest["session_id"], oldest["current_session"]) == (None, False)
    assert oldest["ip_address"] == "203.0.113.7"
    assert newest["occurred_at"] >= oldest["occurred_at"]


def test_another_users_events_never_appear(user, other_user):
    client, _ = signed_in_client(user)
    other, _ = signed_in_client(other_user)
    other.post("/api/auth/logout-all/", format="json")
    login(APIClient(), other_user.email, password="wrong")
    _event(other_user, AuditEvent.Event.PASSWORD_CHANGED, minutes_ago=0)

    results = client.get(f"{ACTIVITY}?page_size=100").json()["results"]

    mine = {str(pk) for pk in AuditEvent.objects.filter(user=user).values_list("pk", flat=True)}
    assert {item["id"] for item in results} == mine
    assert len(mine) == 1
    assert AuditEvent.objects.filter(user=other_user).count() == 4


def test_the_current_session_is_marked_and_other_sessions_are_not(user):
    first, first_issued = signed_in_client(user)
    signed_in_client(user)  # another session

    results = first.get(ACTIVITY).json()["results"]

    assert [(item["session_id"] == str(first_issued.session.pk), item["current_session"]) for item in results] == [
        (False, False),
        (True, True),
    ]


def test_an_operators_address_and_browser_are_not_shown(user, admin_client):
    from backend.accounts.models import User

    operator = User.objects.get(email="root@example.com")
    _event(user, AuditEvent.Event.ADMIN_SESSIONS_REVOKED, minutes_ago=1, actor=operator, ip_address="10.9.9.9",
           user_agent="OperatorBrowser")  # fmt: skip
    client, _ = signed_in_client(user)

    item = client.get(ACTIVITY).json()["results"][1]

    assert (item["event"], item["description"]) == ("admin_sessions_revoked", "Sessions revoked by an admin")
    assert (item["ip_address"], item["user_agent"]) == (None, "")


def test_the_activity_is_paginated_with_the_projects_pagination(user):
    for minutes_ago, event in enumerate(
        [AuditEvent.Event.PASSWORD_CHANGED, AuditEvent.Event.LOGOUT, AuditEvent.Event.EMAIL_VERIFIED], start=10
    ):
        _event(user, event, minutes_ago=minutes_ago)
    client, _ = signed_in_client(user)  # login_succeeded, now

    first = client.get(f"{ACTIVITY}?page_size=3").json()
    second = client.get(f"{ACTIVITY}?page_size=3&page=2").json()

    assert first["count"] == second["count"] == 4
    assert [item["event"] for item in first["results"]] == ["login_succeeded", "password_changed", "logout"]
    assert first["next"] == "http://testserver/api/auth/activity/?page=2&page_size=3"
    assert [item["event"] for item in second["results"]] == ["email_verified"]
    assert second["previous"] == "http://testserver/api/auth/activity/?page_size=3"


def test_page_size_is_capped_at_100(user):
    now = timezone.now()
    AuditEvent.objects.bulk_create(
        AuditEvent(event=AuditEvent.Event.LOGIN_SUCCEEDED, user=user, occurred_at=now) for _ in range(101)
    )
    client, _ = signed_in_client(user)

    body = client.get(f"{ACTIVITY}?page_size=1000").json()

    assert (body["count"], len(body["results"])) == (102, 100)


def test_every_event_but_the_deletion_is_activity_and_the_selector_filters_by_it(user):
    assert set(ACTIVITY_EVENTS) == set(AuditEvent.Event.values) - {AuditEvent.Event.ACCOUNT_DELETED}
    for minutes_ago, event in enumerate(ACTIVITY_EVENTS):
        _event(user, event, minutes_ago=minutes_ago)

    events = list(audit_activity_for_user(user=user).values_list("event", flat=True))

    assert events == list(ACTIVITY_EVENTS)


def test_reading_the_activity_counts_against_the_user_request_limit(user, rates):
    rates(user="2/1m")
    client, _ = signed_in_client(user)

    statuses = [client.get(ACTIVITY).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    fresh, _ = signed_in_client(UserFactory())  # the limit is per user: another account is not refused
    assert fresh.get(ACTIVITY).status_code == 200


@pytest.mark.parametrize("event", list(AuditEvent.Event))
def test_every_event_is_described_as_its_choice_label(event):
    # (the description comes from a table built once, not get_event_display(): the two must agree for every event)
    from backend.accounts.account_serializers import ActivityOutputSerializer

    row = AuditEvent(event=event.value)

    assert ActivityOutputSerializer().get_description(row) == str(row.get_event_display())
