"""The email outbox's sweep: sends the queued emails whose attempt is due and which no live claim holds, those a
killed process left behind (before it sent them, mid-attempt once its lease ran out, or while they waited for their
retry). backend/common/mail.py sends everything else as soon as it is queued.

Two ways in. Each gunicorn worker sweeps every EMAIL_OUTBOX_SWEEP_SECONDS on its background pool's timer
(``email_outbox_sweep_start``, called by config/gunicorn.conf.py's ``post_worker_init`` hook: only a serving process
sweeps, not a management command, a test or the shell, and the timer runs in the worker, where a thread started
before the fork would not be). And ``manage.py send_queued_emails`` sends what is due now, for operators
(``emails_due_send``). Several workers and pods sweep the same table: each row's claim lets exactly one send it.
"""

import random
import threading
from collections import Counter
from collections.abc import Callable
from uuid import UUID

from django.conf import settings
from django.db import DatabaseError, connections
from django.utils import timezone

from backend.observability.metrics import emails_init

from .background import run_in_background, run_in_background_later
from .mail import EmailAttempt, logger
from .outbox import outbox_due

# Rows the periodic sweeps of one process have in its pool at once; more wait for a later sweep (or the command), so
# a backlog of thousands (a relay down for hours) is not all in one worker's memory, nor ahead of every new email.
SWEEP_BATCH = 200

# The rows this process's sweeps handed to its pool whose attempt has not ended yet. A row waiting there is still due
# and unclaimed, so without this each sweep would hand it again: with a slow relay (each attempt up to EMAIL_TIMEOUT
# per step, two pool threads) the pool's queue would grow by a batch a minute, and new emails wait behind it all.
_handed: set[UUID] = set()
_handed_lock = threading.Lock()


class _SweptAttempt(EmailAttempt):
    """A swept row's attempt: once it ends (or the exiting process drops it), a later sweep may hand the row again."""

    def __call__(self) -> None:
        try:
            super().__call__()
        finally:
            _handed_release(self.queued.pk)

    def on_dropped(self) -> None:
        try:
            super().on_dropped()
        finally:
            _handed_release(self.queued.pk)


def _handed_release(pk: UUID) -> None:
    with _handed_lock:
        _handed.discard(pk)


class _Sweep:
    """The periodic job: it puts off its next run first, then hands the due rows to the pool."""

    def __init__(self, every: float) -> None:
        self.every = every

    def __repr__(self) -> str:
        return "email outbox sweep"

    def __call__(self) -> None:
        if not run_in_background_later(self.every, self):
            return  # the process is exiting (background.py gives every waiting job a last run): no new sweep now
        try:
            emails_due_hand_over()
        except DatabaseError as error:  # the database is down: the next sweep tries again, one line a minute
            logger.warning("email_outbox_sweep_failed", error=f"{type(error).__name__}: {error}")
        finally:
            connections.close_all()  # this pool thread's connection goes back between jobs


def email_outbox_sweep_start() -> bool:
    """Sweep every EMAIL_OUTBOX_SWEEP_SECONDS from now on in this process (0: never); True when started. The first
    sweep comes at a random point of the first interval, so the workers of a pod started together do not all sweep
    at the same moment."""
    every = float(settings.EMAIL_OUTBOX_SWEEP_SECONDS)
    if every <= 0:
        return False
    return run_in_background_later(random.uniform(0, every), _Sweep(every))  # noqa: S311 (spreading, not secrecy)


def emails_due_hand_over() -> int:
    """Hand due rows to the background pool, but none an earlier sweep of this process handed that is still there,
    and no more than SWEEP_BATCH there at once; how many. A row handed twice anyway (by another process's sweep, or
    along with its on-commit job or retry) is sent once: the second job's claim matches nothing."""
    with _handed_lock:
        handed = frozenset(_handed)
    room = SWEEP_BATCH - len(handed)
    if room <= 0:
        return 0
    due = outbox_due(now=timezone.now(), limit=room, exclude=handed)
    for queued in due:
        emails_init(queued.kind)
        with _handed_lock:
            _handed.add(queued.pk)
        run_in_background(_SweptAttempt(queued))
    return len(due)


def emails_due_send(*, batch_size: int = 100, on_batch: Callable[[Counter[str]], None] | None = None) -> Counter[str]:
    """Send every row due now, here and one at a time, each at most once in this run (one due again at once, with a
    zero delay, waits for the next run); the attempts' outcomes, counted (mail.SENT, RETRYING, GIVEN_UP, SKIPPED).
    A temporary failure is left to the sweep or the next run, not retried in memory: this process is about to end."""
    outcomes: Counter[str] = Counter()
    tried: set = set()
    while batch := outbox_due(now=timezone.now(), limit=batch_size, exclude=tried):
        for queued in batch:
            tried.add(queued.pk)
            emails_init(queued.kind)
            outcomes[EmailAttempt(queued, retry_in_memory=False).send()] += 1
        if on_batch is not None:
            on_batch(outcomes)
    return outcomes
