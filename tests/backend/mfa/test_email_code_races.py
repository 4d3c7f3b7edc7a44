"""A sign-in code asked for while another transaction holds the account: the ask locks the account's row before it
touches the account's codes, as every other writer of them does (services/email_code.py), so it neither deadlocks
with them nor misses what they committed. MongoDB takes no row lock and is not run here."""

import pytest

from backend.accounts.models import User
from backend.common.db import atomic
from backend.mfa.models import MfaChallenge
from backend.mfa.services import email_code
from tests.dbvendor import skip_on_mongodb
from tests.support.concurrency import OtherConnection

pytestmark = [
    skip_on_mongodb("no row locks there: the module docstring of services/email_code.py says so"),
    pytest.mark.django_db(transaction=True),
]


def _ask(email: str):
    """What an ask runs off the request, for ``email``, with a new token."""
    return lambda: email_code._code_send(
        email=email, token=email_code.login_token_new(email), user_agent="pytest", ip_address=None
    )


def _codes_of(user) -> int:
    return MfaChallenge.objects.filter(user=user, purpose=MfaChallenge.Purpose.EMAIL_CODE).count()


def test_an_ask_waits_for_a_writer_holding_the_account_instead_of_deadlocking_with_it(user, smtp):
    # Given a pending code, and a writer that locks the account, then its code (as a confirmation does)
    _ask(user.email)()
    pending = MfaChallenge.objects.get(user=user, purpose=MfaChallenge.Purpose.EMAIL_CODE)

    # When a new ask runs between the two locks
    with atomic():
        User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True).first()
        asking = OtherConnection(_ask(user.email)).start()
        asking.wait_until_finished_or_blocked()
        MfaChallenge.objects.select_for_update().filter(pk=pending.pk).values_list("pk", flat=True).first()
    asking.join()

    # Then the ask waited for the account, and replaced the code once the writer was done
    assert asking.error is None, asking.error
    assert not MfaChallenge.objects.filter(pk=pending.pk).exists()
    assert _codes_of(user) == 1


def test_two_asks_at_once_leave_one_code(user, smtp):
    # When two asks run at once, the second while the first has not committed
    with atomic():
        _ask(user.email)()
        second = OtherConnection(_ask(user.email)).start()
        second.wait_until_finished_or_blocked()
    second.join()

    # Then the second replaced the first
    assert second.error is None, second.error
    assert _codes_of(user) == 1


def test_an_ask_racing_an_email_change_sends_no_code_to_the_old_address(user, smtp):
    # Given an ask for the account's address, looking it up while its change to another address commits
    old = user.email
    with atomic():
        User.objects.filter(pk=user.pk).update(email="new-home@example.com")
        asking = OtherConnection(_ask(old)).start()
        asking.wait_until_finished_or_blocked()
    asking.join()

    # Then nothing is sent to the address the account left, and no code exists
    assert asking.error is None, asking.error
    assert _codes_of(user) == 0
    assert [message["To"] for message in smtp.messages] == []
