"""Send the queued emails that are due now (the outbox, backend/common/mail.py), for operators: after a relay outage,
or where no gunicorn worker sweeps (EMAIL_OUTBOX_SWEEP_SECONDS=0). Safe to run any time, beside the workers: each
row's claim lets exactly one sender have it. Exits non-zero when an email was given up (docs/operations.md)."""

from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backend.common.commands import OperatorCommandMixin
from backend.common.mail import GIVEN_UP, RETRYING, SENT, SKIPPED
from backend.common.mail_sweep import emails_due_send


class Command(OperatorCommandMixin, BaseCommand):
    help = (
        "Send the queued emails whose attempt is due and which no sender holds; an email still failing is left for "
        "its next attempt, one out of attempts or refused for good is given up (and makes the exit status 1)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=100, help="Rows read per batch (default 100).")

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        outcomes = emails_due_send(batch_size=batch_size, on_batch=self._progress)
        self.stdout.write(_summary(outcomes))
        if outcomes[GIVEN_UP]:
            raise CommandError(f"{outcomes[GIVEN_UP]} email(s) given up: see the email_failed lines logged above.")
        self.stdout.write(self.style.SUCCESS("Done."))

    def work_kept(self) -> str:
        return "The emails sent so far are not sent again; the rest stay queued, for the next run or a worker's sweep."

    def _progress(self, so_far: Counter[str]) -> None:
        self.stdout.write(f"  so far: {_summary(so_far)}")


def _summary(outcomes: Counter[str]) -> str:
    return (
        f"sent {outcomes[SENT]}, to be retried {outcomes[RETRYING]}, given up {outcomes[GIVEN_UP]}, "
        f"taken by another sender {outcomes[SKIPPED]}"
    )
