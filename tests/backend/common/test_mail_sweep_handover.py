"""The periodic sweep (backend/common/mail_sweep.py) hands a due row to its process's pool once, not again at every
sweep while the row still waits there: with a slow relay the pool's queue would otherwise grow by a batch each
sweep, and every new email would wait behind it."""

import threading

import pytest

from backend.common import background
from backend.common.background import run_in_background, wait_for_background_jobs
from backend.common.mail_sweep import emails_due_hand_over
from backend.common.models import OutgoingEmail
from backend.common.outbox import outbox_add
from tests.support.smtp import SmtpServer


@pytest.fixture
def relay(settings):
    with SmtpServer() as server:
        settings.EMAIL_HOST, settings.EMAIL_PORT = server.host, server.port
        yield server
        server.gate.set()


def _email_jobs_in_the_pool() -> int:
    with background._state:
        return sum(repr(job).startswith("email ") for job in background._pending.values())


@pytest.mark.django_db(transaction=True)
def test_a_row_still_waiting_in_the_pool_is_not_handed_again_by_the_next_sweep(relay):
    outbox_add(kind="password_reset", to="swept@example.com", subject="Hi", body="Body\n", user_id=None, request_id="")
    busy = threading.Event()
    for _ in range(background._executor._max_workers):  # every pool thread busy: the swept job waits in the queue
        run_in_background(busy.wait, 60)
    try:
        first = emails_due_hand_over()
        second = emails_due_hand_over()
        in_the_pool = _email_jobs_in_the_pool()
    finally:
        busy.set()
    assert wait_for_background_jobs(60)

    assert (first, second, in_the_pool) == (1, 0, 1)
    assert len(relay.wait_for(to="swept@example.com")) == 1
    assert OutgoingEmail.objects.count() == 0
    assert emails_due_hand_over() == 0  # nothing left, and nothing held back by the ended attempt
