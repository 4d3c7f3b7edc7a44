"""Audit rows are append-only."""

import pytest

from backend.audit.models import AppendOnlyError, AuditEvent
from backend.audit.services import audit_record

pytestmark = pytest.mark.django_db


def test_an_existing_row_cannot_be_saved_again(user):
    row = audit_record(event=AuditEvent.Event.LOGOUT, user_id=user.pk)
    row.event = AuditEvent.Event.LOGIN_SUCCEEDED

    with pytest.raises(AppendOnlyError, match="cannot be changed"):
        row.save()

    assert AuditEvent.objects.get().event == "logout"


def test_a_row_cannot_be_deleted_one_by_one(user):
    row = audit_record(event=AuditEvent.Event.LOGOUT, user_id=user.pk)

    with pytest.raises(AppendOnlyError, match="purge_audit"):
        row.delete()

    assert AuditEvent.objects.count() == 1


@pytest.mark.parametrize("changes", [{"event": "register"}, {"ip_address": "10.0.0.1"}, {"user": None, "email": ""}])
def test_bulk_updates_are_refused(user, changes):
    audit_record(event=AuditEvent.Event.LOGOUT, user_id=user.pk)

    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.update(**changes)


def test_deleting_a_user_keeps_their_rows_without_the_link(user):
    audit_record(event=AuditEvent.Event.LOGIN_FAILED, user_id=user.pk, email=user.email)

    user.delete()

    row = AuditEvent.objects.get()
    assert (row.user_id, row.email, row.event) == (None, row.email, "login_failed")
    assert row.email
