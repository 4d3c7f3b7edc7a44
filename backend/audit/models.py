"""The audit trail: one append-only row per authentication event."""

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone


class AppendOnlyError(RuntimeError):
    """Audit rows are written once and never changed (only purged after the retention period)."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        # The one update allowed: Django's on_delete=SET_NULL when a user is deleted.
        if set(kwargs) - {"user", "actor"} or any(value is not None for value in kwargs.values()):
            raise AppendOnlyError("Audit events cannot be changed.")
        return super().update(**kwargs)


class AuditEvent(models.Model):
    class Event(models.TextChoices):
        REGISTER = "register", "Registered"
        LOGIN_SUCCEEDED = "login_succeeded", "Signed in"
        LOGIN_FAILED = "login_failed", "Sign-in failed"
        REFRESH_REUSED = "refresh_reused", "Refresh token reused (session revoked)"
        LOGOUT = "logout", "Signed out"
        LOGOUT_ALL = "logout_all", "Signed out everywhere"
        PASSWORD_CHANGED = "password_changed", "Password changed"
        PASSWORD_RESET = "password_reset", "Password reset"
        SESSION_REVOKED = "session_revoked", "Session revoked by its user"
        ADMIN_SESSIONS_REVOKED = "admin_sessions_revoked", "Sessions revoked by an admin"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    event = models.CharField(max_length=32, choices=Event.choices, db_index=True)
    # Whose account the event is about; kept (as null) when the account is deleted.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_events"
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
        ordering = ["-occurred_at"]
        indexes = [models.Index(fields=["user", "-occurred_at"], name="audit_user_time_idx")]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.event}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("Audit events are only deleted by purge_audit after the retention period.")
