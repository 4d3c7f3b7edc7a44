"""Delete expired and revoked sessions, and the MFA challenges that can no longer be used. Scheduled as a Kubernetes
CronJob; safe to run any time."""

from collections.abc import Callable

from backend.accounts.services import sessions_purge
from backend.common.commands import BatchedDeleteCommand
from backend.mfa.services.challenges import challenges_purge


class Command(BatchedDeleteCommand):
    help = (
        "Delete sessions that have expired or been revoked (their tokens are already refused), and spent or "
        "expired sign-in and passkey challenges."
    )

    def delete(self, *, batch_size: int, on_batch: Callable[[int], None]) -> int:
        sessions = sessions_purge(batch_size=batch_size, on_batch=on_batch)
        self.challenges_purged = challenges_purge(batch_size=batch_size)
        return sessions

    def summary(self, deleted: int) -> str:
        return (
            f"Purged {deleted} expired or revoked session(s) and {self.challenges_purged} spent or expired "
            "MFA challenge(s)."
        )
