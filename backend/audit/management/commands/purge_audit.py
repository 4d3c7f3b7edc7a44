"""Delete audit events older than AUDIT_RETENTION_DAYS. Meant for a daily CronJob; safe any time."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from backend.audit.services import audit_purge


class Command(BaseCommand):
    help = "Delete audit events older than AUDIT_RETENTION_DAYS (default 365)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=5000, help="Rows deleted per statement (default 5000).")

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        if batch_size < 1:
            self.stderr.write("--batch-size must be at least 1.")
            raise SystemExit(2)
        deleted = audit_purge(
            batch_size=batch_size, on_batch=lambda total: self.stdout.write(f"  deleted {total} so far...")
        )
        days = settings.AUDIT_RETENTION_DAYS
        self.stdout.write(self.style.SUCCESS(f"Purged {deleted} audit event(s) older than {days} day(s)."))
