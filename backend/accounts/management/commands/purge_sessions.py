"""Delete expired and revoked sessions, the MFA challenges that can no longer be used, and expired Django sessions (the
admin's). Scheduled as a Kubernetes CronJob; safe to run any time."""

from collections.abc import Callable
from importlib import import_module

from django.conf import settings

from backend.accounts.services import sessions_purge
from backend.common.commands import BatchedDeleteCommand
from backend.mfa.services.challenges import challenges_purge


class Command(BatchedDeleteCommand):
    help = (
        "Delete sessions that have expired or been revoked (their tokens are already refused), spent or "
        "expired sign-in and passkey challenges, and expired Django (admin) sessions, as clearsessions does."
    )

    def delete(self, *, batch_size: int, on_batch: Callable[[int], None]) -> int:
        sessions = sessions_purge(batch_size=batch_size, on_batch=on_batch)
        self.stdout.write("  deleting spent or expired MFA challenges...")
        self.challenges_purged = challenges_purge(batch_size=batch_size, on_batch=self._challenges_progress)
        self.stdout.write(f"  deleted {self.challenges_purged} MFA challenge(s); clearing expired Django sessions...")
        self.may_have_deleted = True  # clearing Django's sessions reports no progress of its own
        self.django_sessions_note = self._clear_expired_django_sessions()
        return sessions

    def _challenges_progress(self, total: int) -> None:
        self.may_have_deleted = True  # each batch is its own statement, committed before this is called
        self.stdout.write(f"  deleted {total} MFA challenge(s) so far...")

    def summary(self, deleted: int) -> str:
        return (
            f"Purged {deleted} expired or revoked session(s) and {self.challenges_purged} spent or expired "
            f"MFA challenge(s). {self.django_sessions_note}"
        )

    def _clear_expired_django_sessions(self) -> str:
        # Each admin sign-in leaves a row (with the operator's id) in the session engine's store; Django deletes
        # expired ones only when asked (clearsessions), so without this they would stay forever. One statement: only
        # operators sign in to the admin, so there are few.
        engine = settings.SESSION_ENGINE
        try:
            import_module(engine).SessionStore.clear_expired()
        except NotImplementedError:  # an engine that cannot (clearsessions fails on it): say so, purge the rest
            return f"The session engine {engine} cannot clear expired Django (admin) sessions."
        return "Cleared expired Django (admin) sessions."
