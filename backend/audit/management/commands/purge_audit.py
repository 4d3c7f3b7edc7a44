"""Delete audit events older than AUDIT_RETENTION_DAYS. Meant for a daily CronJob; safe any time."""

from collections.abc import Callable

from django.conf import settings

from backend.audit.services import audit_purge
from backend.common.commands import BatchedDeleteCommand


class Command(BatchedDeleteCommand):
    help = "Delete audit events older than AUDIT_RETENTION_DAYS (default 365)."

    def delete(self, *, batch_size: int, on_batch: Callable[[int], None]) -> int:
        return audit_purge(batch_size=batch_size, on_batch=on_batch)

    def summary(self, deleted: int) -> str:
        return f"Purged {deleted} audit event(s) older than {settings.AUDIT_RETENTION_DAYS} day(s)."
