"""Startup checks: a retention of zero days or less would make purge_audit delete the whole trail."""

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from config.startup_checks import SETTINGS_TAG


@register(SETTINGS_TAG)
def audit_retention_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if settings.AUDIT_RETENTION_DAYS > 0:
        return []
    return [
        Error(
            f"AUDIT_RETENTION_DAYS is {settings.AUDIT_RETENTION_DAYS}; it must be at least 1.",
            hint="purge_audit deletes events older than this many days.",
            id="audit.E001",
        )
    ]
