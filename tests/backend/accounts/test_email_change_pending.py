"""The pending email change on the account page: what GET /api/auth/email/change/pending/ shows (only a change whose
link would still work), and cancelling it with DELETE (links read from the messages received over real SMTP).
What else cancels a change, and that the page then shows none, is in test_email_change_revocation.py."""

from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from backend.accounts.normalization import email_address_normalized
from backend.audit.models import AuditEvent
from tests.backend.accounts.helpers import (
    EMAIL_CHANGE_PENDING,
    email_change_ask,
    email_change_confirm,
    email_change_link_token,
    email_change_pending,
)
from tests.conftest import signed_in_client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)  # email is sent on commit


def _cancellations(owner) -> int:
    return AuditEvent.objects.filter(user=owner, event=AuditEvent.Event.EMAIL_CHANGE_CANCELLED).count()


# Failure paths -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "delete"])
def test_the_pending_change_needs_a_signed_in_user(method):
    response = getattr(APIClient(), method)(EMAIL_CHANGE_PENDING)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_cancelling_when_nothing_is_pending_is_204_and_records_nothing(owner):
    client, _ = signed_in_client(owner)

    response = client.delete(EMAIL_CHANGE_PENDING)

    assert response.status_code == 204
    assert _cancellations(owner) == 0


def test_a_change_whose_link_has_expired_is_not_shown_and_cannot_be_cancelled(owner, smtp):
    # Given a change asked longer ago than a link lives
    client, _ = signed_in_client(owner)
    assert email_change_ask(client, "late@example.com").status_code == 202
    later = timezone.now() + timedelta(seconds=settings.EMAIL_LINK_MAX_AGE_SECONDS + 1)

    with mock.patch("backend.accounts.link_tokens.timezone.now", return_value=later):
        shown = email_change_pending(client)
        cancel = client.delete(EMAIL_CHANGE_PENDING)

    assert shown is None
    assert cancel.status_code == 204
    assert _cancellations(owner) == 0


def test_another_accounts_pending_change_is_not_shown(owner, smtp):
    asker, _ = signed_in_client(owner)
    assert email_change_ask(asker, "new@example.com").status_code == 202
    stranger, _ = signed_in_client(UserFactory())

    assert email_change_pending(stranger) is None
    assert stranger.delete(EMAIL_CHANGE_PENDING).status_code == 204
    assert email_change_pending(asker)["new_email"] == "new@example.com"


# The pending change ------------------------------------------------------------------------------------------------


def test_a_change_asked_is_shown_with_its_address_and_when_its_link_expires(owner, smtp):
    client, _ = signed_in_client(owner)
    before = timezone.now()

    assert email_change_ask(client, "New@Example.com").status_code == 202
    pending = email_change_pending(client)

    assert pending is not None
    assert set(pending) == {"new_email", "requested_at", "expires_at"}
    assert pending["new_email"] == email_address_normalized("New@Example.com")  # as the link carries it
    requested_at = datetime.fromisoformat(pending["requested_at"])
    assert before <= requested_at <= timezone.now()
    expires_at = datetime.fromisoformat(pending["expires_at"])
    assert expires_at - requested_at == timedelta(seconds=settings.EMAIL_LINK_MAX_AGE_SECONDS)


def test_the_latest_request_is_the_one_shown(owner, smtp):
    client, _ = signed_in_client(owner)
    email_change_ask(client, "owner@gmial.com")
    email_change_ask(client, "owner@gmail.com")

    assert email_change_pending(client)["new_email"] == "owner@gmail.com"


def test_a_change_to_an_address_in_use_is_shown_like_any_other(owner, smtp):
    # (the 202 did not tell whether the address has an account; the page must not tell either)
    UserFactory(email="taken@example.com")
    client, _ = signed_in_client(owner)

    assert email_change_ask(client, "taken@example.com").status_code == 202

    assert email_change_pending(client)["new_email"] == "taken@example.com"


def test_pending_change_reads_do_not_use_up_the_limit_on_changes_asked(owner, smtp, rates):
    rates(email_change_ip="2/1h", email_change_user="2/1h")
    client, _ = signed_in_client(owner)

    shown = [client.get(EMAIL_CHANGE_PENDING).status_code for _ in range(4)]

    assert shown == [200] * 4
    assert email_change_ask(client, "new@example.com").status_code == 202


def test_a_confirmed_change_is_no_longer_pending(owner, smtp):
    client, _ = signed_in_client(owner)
    email_change_ask(client, "new@example.com")

    assert email_change_confirm(email_change_link_token(smtp, "new@example.com")).status_code == 200

    assert email_change_pending(client) is None


def test_cancelling_stops_the_link_hides_the_change_and_is_recorded_once(owner, smtp):
    # Given a change asked, its link in the new mailbox
    client, session = signed_in_client(owner)
    email_change_ask(client, "new@example.com")
    token = email_change_link_token(smtp, "new@example.com")

    # When the owner cancels it, twice (a retry after a lost answer)
    first, retry = client.delete(EMAIL_CHANGE_PENDING), client.delete(EMAIL_CHANGE_PENDING)

    # Then nothing is pending, the link no longer works, and one cancellation is in the account's activity
    assert (first.status_code, retry.status_code) == (204, 204)
    assert email_change_pending(client) is None
    refused = email_change_confirm(token)
    assert (refused.status_code, refused.json()["code"]) == (400, "link_invalid")
    owner.refresh_from_db()
    assert owner.email == "owner@example.com"
    event = AuditEvent.objects.get(user=owner, event=AuditEvent.Event.EMAIL_CHANGE_CANCELLED)
    assert str(event.session_id) == str(session.session.pk)
    activity = client.get("/api/auth/activity/").json()["results"]
    assert [(row["event"], row["description"]) for row in activity[:1]] == [
        ("email_change_cancelled", "Email change cancelled")
    ]


def test_a_change_asked_after_a_cancellation_works(owner, smtp):
    client, _ = signed_in_client(owner)
    email_change_ask(client, "first@example.com")
    assert client.delete(EMAIL_CHANGE_PENDING).status_code == 204

    email_change_ask(client, "second@example.com")

    assert email_change_pending(client)["new_email"] == "second@example.com"
    assert email_change_confirm(email_change_link_token(smtp, "second@example.com")).status_code == 200


def test_a_change_asked_while_an_earlier_one_is_being_cancelled_stays_pending(owner, smtp, monkeypatch):
    # Given a pending change, and a new one asked (another tab) right after the cancellation read the first
    from backend.accounts.services import email_change

    client, _ = signed_in_client(owner)
    email_change_ask(client, "first@example.com")
    reads_the_pending_change = email_change.email_change_pending_of

    def then_another_change_is_asked(user):
        pending = reads_the_pending_change(user)
        monkeypatch.setattr(email_change, "email_change_pending_of", reads_the_pending_change)
        assert email_change_ask(signed_in_client(owner)[0], "second@example.com").status_code == 202
        return pending

    monkeypatch.setattr(email_change, "email_change_pending_of", then_another_change_is_asked)

    # When the cancellation writes
    assert client.delete(EMAIL_CHANGE_PENDING).status_code == 204

    # Then the newer change was not the one cancelled: it is pending, and its link works
    assert email_change_pending(client)["new_email"] == "second@example.com"
    assert _cancellations(owner) == 0
    assert email_change_confirm(email_change_link_token(smtp, "second@example.com")).status_code == 200
