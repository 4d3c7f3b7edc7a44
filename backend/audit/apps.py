from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "backend.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from backend.observability.metrics import auth_events_init

        from .models import AuditEvent

        auth_events_init([str(value) for value in AuditEvent.Event.values])
