"""The audit trail: one append-only row per authentication event."""

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from backend.common.batching import keyset_batches


class AppendOnlyError(RuntimeError):
    """Audit rows are written once and never changed (only purged after the retention period)."""


# Rows per UPDATE when a deleted account's rows are unlinked from it (AuditEventQuerySet.update).
UNLINK_BATCH_SIZE = 5000

# True only inside AuditEventQuerySet.purge_older_than: the one path allowed to delete rows.
_purging: ContextVar[bool] = ContextVar("audit_purging", default=False)


@contextmanager
def _purge_allowed() -> Iterator[None]:
    token = _purging.set(True)
    try:
        yield
    finally:
        _purging.reset(token)


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    """Bulk writes are refused, except the two Django and the retention purge need.

    Enforced in the ORM only: a PostgreSQL trigger would also have to let the SET_NULL and
    the purge through, and the project must stay portable to SQLite and MongoDB (docs/mongodb.md).
    """

    def update(self, **kwargs: Any) -> int:
        # The one update allowed: Django's on_delete=SET_NULL when a user is deleted.
        if not kwargs or set(kwargs) - {"user", "actor"} or any(value is not None for value in kwargs.values()):
            raise AppendOnlyError("Audit events cannot be changed.")
        return self._unlink_in_batches(**kwargs)

    def _unlink_in_batches(self, **kwargs: Any) -> int:
        """The SET_NULL, ``UNLINK_BATCH_SIZE`` rows per UPDATE: an account's rows can number hundreds of thousands
        (every failed sign-in against it is one), and one UPDATE of them all outlasts DB_STATEMENT_TIMEOUT (4 to 11 s
        per 100,000 rows), so that account could never be deleted. Still within the deletion's transaction.

        Each batch is a range of the rows in time order (backend.common.batching.keyset_batches), its end read from
        audit_user_time_idx alone, not a list of ids: rows already updated in this (still uncommitted) transaction
        stay in the indexes, and the next range is looked for past them, not through them again; no id travels to
        Python and back (reading them all, then sending 5,000 per UPDATE, cost a second of Python per 100,000 rows).
        Rows that share a microsecond go in one batch. By time only, not time and id: the index holds no id, and
        a range's end read from the table made PostgreSQL walk the ``occurred_at`` index from the oldest row of all
        (1.5 to 2 s on 2.7 million rows). The rows an account acted on (``actor``: its own signed-in requests, few)
        have no such index and are sorted whole."""
        updated = 0
        for batch in keyset_batches(self, key=("occurred_at",), batch_size=UNLINK_BATCH_SIZE):
            updated += models.QuerySet.update(batch, **kwargs)
        return updated

    def delete(self) -> tuple[int, dict[str, int]]:
        if not _purging.get():
            raise AppendOnlyError("Audit events are only deleted by purge_audit after the retention period.")
        return super().delete()

    def purge_older_than(
        self, cutoff: datetime, *, batch_size: int = 5000, on_batch: Callable[[int], None] | None = None
    ) -> int:
        """Delete the rows that occurred before ``cutoff``, in batches, oldest first. Returns how many.

        Each batch's ids are read in ``occurred_at`` order, through its index, not unordered as
        queryset_delete_in_batches reads them: with a large share of the table to purge, PostgreSQL reads an
        unordered LIMIT by scanning the table from its start, and where the old rows are not at the start (the
        space of purged rows is reused by new ones) every batch reads most of the table (285 ms per batch of
        5,000 on 1,000,000 rows, against 7 ms through the index)."""
        expired = self.filter(occurred_at__lt=cutoff).order_by("occurred_at")
        deleted = 0
        with _purge_allowed():
            while batch := list(expired.values_list("pk", flat=True)[:batch_size]):
                deleted += self.model._base_manager.filter(pk__in=batch).delete()[0]
                if on_batch is not None:
                    on_batch(deleted)
        return deleted


class AuditEvent(models.Model):
    class Event(models.TextChoices):
        REGISTER = "register", "Registered"
        LOGIN_SUCCEEDED = "login_succeeded", "Signed in"
        LOGIN_FAILED = "login_failed", "Sign-in failed"
        LOGIN_LOCKED = "login_locked", "Sign-in locked out after failures"
        REFRESH_REUSED = "refresh_reused", "Refresh token reused (session revoked)"
        LOGOUT = "logout", "Signed out"
        LOGOUT_ALL = "logout_all", "Signed out everywhere"
        PASSWORD_CHANGED = "password_changed", "Password changed"
        PASSWORD_CHECK_FAILED = "password_check_failed", "Wrong current password given"
        PASSWORD_GUESSES_REVOKED = "password_guesses_revoked", "Session revoked after wrong current passwords"
        PASSWORD_RESET = "password_reset", "Password reset"
        SESSION_REVOKED = "session_revoked", "Session revoked by its user"
        ADMIN_SESSIONS_REVOKED = "admin_sessions_revoked", "Sessions revoked by an admin"
        EMAIL_VERIFIED = "email_verified", "Email address verified"
        EMAIL_CHANGE_REQUESTED = "email_change_requested", "Email change requested"
        EMAIL_CHANGE_CANCELLED = "email_change_cancelled", "Email change cancelled"
        EMAIL_CHANGED = "email_changed", "Email address changed"
        DATA_EXPORTED = "data_exported", "Account data exported"
        ACCOUNT_DELETED = "account_deleted", "Account deleted"
        REAUTHENTICATED = "reauthenticated", "Re-authenticated for a sensitive action"
        MFA_FAILED = "mfa_failed", "Wrong second-factor code or passkey"
        TOTP_ENABLED = "totp_enabled", "Authenticator app enabled"
        TOTP_DISABLED = "totp_disabled", "Authenticator app disabled"
        RECOVERY_CODES_GENERATED = "recovery_codes_generated", "Recovery codes generated"
        RECOVERY_CODE_USED = "recovery_code_used", "Recovery code used"
        PASSKEY_ADDED = "passkey_added", "Passkey added"
        PASSKEY_REMOVED = "passkey_removed", "Passkey removed"
        MFA_RESET = "mfa_reset", "Second factors reset by an admin"
        MFA_RESET_BY_PASSWORD_RESET = (
            "mfa_reset_by_password_reset",
            "Second factors removed by a password reset of an unconfirmed address",
        )
        OIDC_CONNECTED = "oidc_connected", "Sign-in provider connected"
        OIDC_DISCONNECTED = "oidc_disconnected", "Sign-in provider disconnected"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    event = models.CharField(max_length=32, choices=Event.choices, db_index=True)
    # Whose account the event is about; kept (as null) when the account is deleted. No index of its own:
    # audit_user_time_idx starts with it and serves every lookup by user (the SET_NULL on deletion among them), and a
    # second index would only be written on every event.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events",
        db_index=False,
    )
    # Who made the request, when signed in (an operator, for admin actions).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The email typed into a failed sign-in (there may be no such user).
    email = models.CharField(max_length=254, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)
    # Not a foreign key: sessions are purged long before their audit rows.
    session_id = models.UUIDField(null=True, blank=True)
    request_id = models.CharField(max_length=128, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        # Django's own bulk paths (related lookups, the SET_NULL cascade) use this manager too.
        base_manager_name = "objects"
        ordering = ["-occurred_at"]
        indexes = [
            models.Index(fields=["user", "-occurred_at"], name="audit_user_time_idx"),
            # The admin's search (selectors.audit_search_filter) matches these exactly, through these indexes. Not
            # request_id: its random values made each index insert land on another page, so a deleted account's
            # rows took twice as long to unlink (the UPDATE writes every index), for a search rarely made.
            models.Index(fields=["email"], name="audit_email_idx"),
            models.Index(fields=["ip_address"], name="audit_ip_address_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.event}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("Audit events are only deleted by purge_audit after the retention period.")
