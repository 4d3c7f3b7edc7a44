"""Audit rows are append-only."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from backend.audit.models import AppendOnlyError, AuditEvent
from backend.audit.services import audit_record
from tests.factories import UserFactory

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


def test_deleting_a_user_keeps_their_rows_without_the_link():
    user = UserFactory(email="alice@example.com")
    audit_record(event=AuditEvent.Event.LOGIN_FAILED, user_id=user.pk, email=user.email)

    user.delete()

    row = AuditEvent.objects.get()
    assert (row.user_id, row.email, row.event) == (None, "alice@example.com", "login_failed")


def test_deleting_an_operator_keeps_the_rows_they_acted_in(user):
    operator = UserFactory(email="ops@example.com")
    audit_record(event=AuditEvent.Event.ADMIN_SESSIONS_REVOKED, user_id=user.pk)
    AuditEvent.objects.bulk_create([AuditEvent(event=AuditEvent.Event.LOGOUT, user=user, actor=operator)])

    operator.delete()

    assert sorted(AuditEvent.objects.values_list("event", "user_id", "actor_id")) == [
        ("admin_sessions_revoked", user.pk, None),
        ("logout", user.pk, None),
    ]


@pytest.mark.parametrize(
    "delete",
    [
        lambda: AuditEvent.objects.all().delete(),
        lambda: AuditEvent.objects.filter(event="logout").delete(),
        lambda: AuditEvent._base_manager.all().delete(),
    ],
    ids=["all", "filtered", "base_manager"],
)
def test_bulk_deletes_are_refused(user, delete):
    audit_record(event=AuditEvent.Event.LOGOUT, user_id=user.pk)

    with pytest.raises(AppendOnlyError, match="purge_audit"):
        delete()

    assert AuditEvent.objects.count() == 1


@pytest.mark.parametrize(
    "update",
    [
        lambda: AuditEvent._base_manager.update(event="register"),
        lambda: AuditEvent._base_manager.filter(event="logout").update(user=None, email=""),
        lambda: AuditEvent.objects.bulk_update(list(AuditEvent.objects.all()), ["event"]),
    ],
    ids=["base_manager", "base_manager_with_user", "bulk_update"],
)
def test_updates_through_any_manager_are_refused(user, update):
    audit_record(event=AuditEvent.Event.LOGOUT, user_id=user.pk)

    with pytest.raises(AppendOnlyError, match="cannot be changed"), transaction.atomic():
        update()

    assert AuditEvent.objects.values_list("event", "user_id").get() == ("logout", user.pk)


def test_the_retention_purge_is_the_one_way_to_delete(user):
    old = AuditEvent(event=AuditEvent.Event.LOGOUT, user=user, occurred_at=timezone.now() - timedelta(days=10))
    AuditEvent.objects.bulk_create([old])
    recent = audit_record(event=AuditEvent.Event.LOGIN_SUCCEEDED, user_id=user.pk)

    deleted = AuditEvent.objects.purge_older_than(timezone.now() - timedelta(days=1), batch_size=1)

    assert deleted == 1
    assert list(AuditEvent.objects.values_list("pk", flat=True)) == [recent.pk]
    with pytest.raises(AppendOnlyError):  # and the permission ends with the purge
        AuditEvent.objects.all().delete()
