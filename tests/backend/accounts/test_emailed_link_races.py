"""One emailed link used twice at once (two clicks, a mail scanner and the owner): it works once. Nothing is stored per
link; each confirmation is a conditional update on the state the link is bound to (link_tokens.py), and the second
waits on the first's row lock, then finds that state changed."""

import pytest

from backend.accounts.link_tokens import change_token_make, verify_token_make
from backend.accounts.models import User
from backend.accounts.services import LinkRejected, email_change_confirm, email_verify
from backend.audit.models import AuditEvent
from backend.common.db import atomic
from tests.dbvendor import skip_on_mongodb
from tests.support.concurrency import OtherConnection

pytestmark = [
    skip_on_mongodb("no row locks there: the conditional update alone decides"),
    pytest.mark.django_db(transaction=True),
]


def _used_while_the_first_use_commits(first, second) -> OtherConnection:
    """``second()`` on another connection, after it read the link's state, while ``first()`` holds the account."""
    with atomic():
        first()
        other = OtherConnection(second).start()
        other.wait_until_finished_or_blocked()
    return other.join()


def test_a_verification_link_used_twice_at_once_confirms_once(user):
    token = verify_token_make(user)

    second = _used_while_the_first_use_commits(lambda: email_verify(token=token), lambda: email_verify(token=token))

    assert isinstance(second.error, LinkRejected), second.error
    assert second.error.get_codes() == "link_invalid"
    assert User.objects.get(pk=user.pk).email_verified
    assert AuditEvent.objects.filter(event=AuditEvent.Event.EMAIL_VERIFIED).count() == 1


def test_an_email_change_link_used_twice_at_once_changes_the_address_once(user):
    token = change_token_make(user=user, new_email="new-address@example.com", session_id=None)

    second = _used_while_the_first_use_commits(
        lambda: email_change_confirm(token=token), lambda: email_change_confirm(token=token)
    )

    assert isinstance(second.error, LinkRejected), second.error
    assert User.objects.get(pk=user.pk).email == "new-address@example.com"
    assert AuditEvent.objects.filter(event=AuditEvent.Event.EMAIL_CHANGED).count() == 1
