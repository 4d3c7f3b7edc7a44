from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "backend.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from backend.observability.metrics import auth_events_init

        from . import checks  # noqa: F401 (registers itself)
        from .models import AuditEvent
        from .receivers import on_user_logged_in, on_user_login_failed

        auth_events_init([str(value) for value in AuditEvent.Event.values])
        user_logged_in.connect(on_user_logged_in, dispatch_uid="audit.user_logged_in")
        user_login_failed.connect(on_user_login_failed, dispatch_uid="audit.user_login_failed")
