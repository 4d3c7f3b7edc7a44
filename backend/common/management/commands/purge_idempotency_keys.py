"""Delete expired Idempotency-Key records. Scheduled as a Kubernetes CronJob; safe to run any time."""

from collections.abc import Callable

from django.utils import timezone

from backend.common.commands import BatchedDeleteCommand
from backend.common.idempotency import idempotency_keys_purge


class Command(BatchedDeleteCommand):
    help = "Delete Idempotency-Key records older than IDEMPOTENCY_KEY_TTL_SECONDS (no retry can use them any more)."

    def delete(self, *, batch_size: int, on_batch: Callable[[int], None]) -> int:
        return idempotency_keys_purge(now=timezone.now(), batch_size=batch_size, on_batch=on_batch)

    def summary(self, deleted: int) -> str:
        return f"Purged {deleted} expired idempotency key(s)."
