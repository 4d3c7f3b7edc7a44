"""A retention of zero days or less is refused at start and by the purge itself."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from backend.audit.checks import audit_retention_check
from backend.audit.models import AuditEvent
from backend.audit.services import audit_purge, audit_record


@pytest.mark.parametrize("days", [0, -1])
def test_a_retention_below_one_day_is_a_startup_error(settings, days):
    settings.AUDIT_RETENTION_DAYS = days

    [error] = audit_retention_check()

    assert (error.id, error.msg) == ("audit.E001", f"AUDIT_RETENTION_DAYS is {days}; it must be at least 1.")


@pytest.mark.django_db
def test_the_purge_refuses_to_delete_everything(settings, user):
    audit_record(event=AuditEvent.Event.LOGOUT, user_id=user.pk)
    settings.AUDIT_RETENTION_DAYS = 0

    with pytest.raises(ImproperlyConfigured, match="AUDIT_RETENTION_DAYS"):
        audit_purge()

    assert AuditEvent.objects.count() == 1


def test_a_positive_retention_passes(settings):
    settings.AUDIT_RETENTION_DAYS = 1

    assert audit_retention_check() == []
