"""Delete expired and revoked sessions. Scheduled as a Kubernetes CronJob; safe to run any time."""

from collections.abc import Callable

from backend.accounts.services import sessions_purge
from backend.common.commands import BatchedDeleteCommand


class Command(BatchedDeleteCommand):
    help = "Delete sessions that have expired or been revoked (their tokens are already refused)."

    def delete(self, *, batch_size: int, on_batch: Callable[[int], None]) -> int:
        return sessions_purge(batch_size=batch_size, on_batch=on_batch)

    def summary(self, deleted: int) -> str:
        return f"Purged {deleted} expired or revoked session(s)."
