"""Delete expired and revoked sessions. Scheduled as a Kubernetes CronJob; safe to run any time."""

from typing import Any

from django.core.management.base import BaseCommand

from backend.accounts.services import sessions_purge


class Command(BaseCommand):
    help = "Delete sessions that have expired or been revoked (their tokens are already refused)."

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = sessions_purge()
        self.stdout.write(self.style.SUCCESS(f"Purged {deleted} expired or revoked session(s)."))
