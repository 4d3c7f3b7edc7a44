"""purge_audit deletes rows past AUDIT_RETENTION_DAYS, in batches, and keeps the rest."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from backend.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def _row(age: timedelta) -> AuditEvent:
    row = AuditEvent(event=AuditEvent.Event.LOGOUT, occurred_at=timezone.now() - age)
    row.save()
    return row


def test_a_non_positive_batch_size_is_refused():
    err = StringIO()

    with pytest.raises(SystemExit) as exit_info:
        call_command("purge_audit", "--batch-size", "0", stderr=err)

    assert exit_info.value.code == 2
    assert "--batch-size must be at least 1." in err.getvalue()


def test_rows_older_than_the_retention_are_deleted_and_newer_ones_kept(settings):
    settings.AUDIT_RETENTION_DAYS = 30
    kept = [_row(timedelta(days=29, hours=23)), _row(timedelta(0))]
    for _ in range(2):
        _row(timedelta(days=30, minutes=1))
    out = StringIO()

    call_command("purge_audit", stdout=out)

    assert sorted(AuditEvent.objects.values_list("pk", flat=True)) == sorted(row.pk for row in kept)
    assert out.getvalue().splitlines()[-1] == "Purged 2 audit event(s) older than 30 day(s)."


def test_the_default_retention_is_a_year(settings):
    assert settings.AUDIT_RETENTION_DAYS == 365
    _row(timedelta(days=364))
    _row(timedelta(days=366))

    call_command("purge_audit", stdout=StringIO())

    assert AuditEvent.objects.count() == 1


def test_purging_works_in_batches_and_reports_progress(settings):
    settings.AUDIT_RETENTION_DAYS = 1
    for _ in range(5):
        _row(timedelta(days=2))
    out = StringIO()

    call_command("purge_audit", "--batch-size", "2", stdout=out)

    assert not AuditEvent.objects.exists()
    lines = [line.strip() for line in out.getvalue().splitlines()]
    assert lines == [
        "deleted 2 so far...",
        "deleted 4 so far...",
        "deleted 5 so far...",
        "Purged 5 audit event(s) older than 1 day(s).",
    ]
