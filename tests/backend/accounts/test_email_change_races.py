"""An email change racing another request: its link confirmed while the session that asked is being signed out (the
change must not land: email_change_confirm locks that session), and the same change asked twice at once (a double
click: one link, and it works). Links are read from the messages received over real SMTP."""

from datetime import timedelta

import pytest
from django.utils import timezone

from backend.accounts.models import AuthSession, User
from backend.accounts.services import email_change_request, session_revoke
from backend.accounts.services.email_change import REPEATED_REQUEST_WINDOW_SECONDS
from backend.audit.models import AuditEvent
from backend.common.background import wait_for_background_jobs
from backend.common.db import atomic
from tests.backend.accounts.helpers import (
    EMAIL_CHANGE_LINK_SUBJECT,
    email_change_ask,
    email_change_confirm,
    email_change_link_token,
    email_change_pending,
)
from tests.conftest import signed_in_client
from tests.dbvendor import skip_on_mongodb
from tests.support.concurrency import OtherConnection

pytestmark = pytest.mark.django_db(transaction=True)  # email is sent, and sessions revoked, on commit

LINK_INVALID = {
    "detail": "This link is not valid: it was changed, already used, replaced or cancelled.",
    "code": "link_invalid",
}


def _run_while(first, second) -> OtherConnection:
    """``second()`` on another connection while ``first()``'s transaction has not committed yet; joined once it has."""
    with atomic():
        first()
        other = OtherConnection(second).start()
        other.wait_until_finished_or_blocked()
    return other.join()


def _links_mailed_to(smtp, address: str) -> int:
    wait_for_background_jobs()
    return sum(1 for message in smtp.messages if message["To"] == address)


@skip_on_mongodb("no row locks there: email_change_confirm documents the window")
def test_a_link_confirmed_while_the_asking_session_is_being_signed_out_changes_nothing(owner, smtp):
    # Given a change asked from one session (an intruder's, with a stolen password), its link in the intruder's hands
    asker, asked_from = signed_in_client(owner)
    assert email_change_ask(asker, "intruder@example.com").status_code == 202
    token = email_change_link_token(smtp, "intruder@example.com")

    # When the link is followed while the owner's sign-out of that session (the sessions page) commits
    other = _run_while(
        lambda: session_revoke(session=AuthSession.objects.get(pk=asked_from.session.pk)),
        lambda: email_change_confirm(token),
    )

    # Then the link is refused as a cancelled one, and the address, the sessions and the audit trail are untouched
    assert other.error is None, other.error
    assert other.result.status_code == 400, other.result.content
    assert other.result.json() == LINK_INVALID
    assert User.objects.get(pk=owner.pk).email == "owner@example.com"
    assert not AuditEvent.objects.filter(event=AuditEvent.Event.EMAIL_CHANGED).exists()


@skip_on_mongodb("no row locks there: the second request may write beside the first")
def test_a_change_asked_twice_at_once_from_one_session_mails_one_link_and_it_works(owner, smtp):
    # Given one session whose request to change the address is sent twice at once (a double click): both read the
    # account before either writes
    _, asked_from = signed_in_client(owner)
    session_id = str(asked_from.session.pk)
    first_read, second_read = User.objects.get(pk=owner.pk), User.objects.get(pk=owner.pk)

    # When the second runs while the first has not committed yet
    other = _run_while(
        lambda: email_change_request(user=first_read, new_email="new@example.com", session_id=session_id),
        lambda: email_change_request(user=second_read, new_email="new@example.com", session_id=session_id),
    )

    # Then both are accepted, one link is mailed and recorded, and that link works
    assert other.error is None, other.error
    token = email_change_link_token(smtp, "new@example.com")
    assert _links_mailed_to(smtp, "new@example.com") == 1
    assert AuditEvent.objects.filter(event=AuditEvent.Event.EMAIL_CHANGE_REQUESTED).count() == 1
    confirmed = email_change_confirm(token)
    assert confirmed.status_code == 200, confirmed.content
    assert User.objects.get(pk=owner.pk).email == "new@example.com"


def test_the_same_change_asked_again_once_the_window_has_passed_mails_a_new_link_that_replaces_the_first(owner, smtp):
    # Given a change asked longer ago than the double-submit window
    client, _ = signed_in_client(owner)
    assert email_change_ask(client, "new@example.com").status_code == 202
    first = email_change_link_token(smtp, "new@example.com")
    pending = User.objects.get(pk=owner.pk).email_change_pending
    asked_at = timezone.now() - timedelta(seconds=REPEATED_REQUEST_WINDOW_SECONDS + 1)
    User.objects.filter(pk=owner.pk).update(email_change_pending={**pending, "t": asked_at.isoformat()})

    # When the owner asks again for the same address (the first email never came)
    assert email_change_ask(client, "new@example.com").status_code == 202

    # Then a second link is mailed, and only it works
    second = email_change_link_token(smtp, "new@example.com", count=2)
    assert _links_mailed_to(smtp, "new@example.com") == 2
    assert email_change_confirm(first).json() == LINK_INVALID
    assert email_change_confirm(second).status_code == 200


def test_a_change_to_another_address_within_the_window_mails_its_own_link(owner, smtp):
    # Given a change asked a moment ago
    client, _ = signed_in_client(owner)
    assert email_change_ask(client, "typo@example.org").status_code == 202

    # When the owner corrects the address at once
    assert email_change_ask(client, "right@example.com").status_code == 202

    # Then the corrected address gets its link, and it is the change pending
    token = email_change_link_token(smtp, "right@example.com")
    assert email_change_pending(client)["new_email"] == "right@example.com"
    assert email_change_confirm(token).status_code == 200


def test_the_same_change_asked_within_the_window_from_another_session_mails_its_own_link(owner, smtp):
    # Given a change asked a moment ago from one session
    first_device, _ = signed_in_client(owner)
    assert email_change_ask(first_device, "new@example.com").status_code == 202
    email_change_link_token(smtp, "new@example.com")

    # When another session asks for the same address at once
    second_device, _ = signed_in_client(owner)
    assert email_change_ask(second_device, "new@example.com").status_code == 202

    # Then it is no repeat of the first: a link bound to the second session is mailed, and it works
    token = email_change_link_token(smtp, "new@example.com", count=2)
    messages = [message for message in smtp.messages if message["To"] == "new@example.com"]
    assert [message["Subject"] for message in messages] == [EMAIL_CHANGE_LINK_SUBJECT] * 2
    assert email_change_confirm(token).status_code == 200
