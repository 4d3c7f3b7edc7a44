"""Delete expired and revoked sessions. Scheduled as a Kubernetes CronJob; safe to run any time."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from backend.accounts.services import sessions_purge


class Command(BaseCommand):
    help = "Delete sessions that have expired or been revoked (their tokens are already refused)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=5000, help="Rows deleted per transaction (default 5000).")

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        if batch_size < 1:
            self.stderr.write("--batch-size must be at least 1.")
            raise SystemExit(2)
        deleted = sessions_purge(
            batch_size=batch_size, on_batch=lambda total: self.stdout.write(f"  deleted {total} so far...")
        )
        self.stdout.write(self.style.SUCCESS(f"Purged {deleted} expired or revoked session(s)."))
