"""Deleting an account with many tasks, audit rows and admin history rows (services.user_delete): its statements are
set by the number of batches, not of rows, and address each batch by the two ends of its range, never by a list of
ids (backend.common.batching.keyset_batches). An account with 100,000 tasks took 9 to 22 s while ids were read
into Python and sent back; the shapes of the statements are what is pinned here, not times."""

import re
import uuid
from datetime import timedelta

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backend.accounts.models import User
from backend.accounts.services import user_delete
from backend.audit import models as audit_models
from backend.audit.models import AuditEvent
from backend.tasks import services as task_services
from backend.tasks.models import Task
from tests.dbvendor import skip_on_mongodb
from tests.factories import TaskFactory, UserFactory

pytestmark = [
    pytest.mark.django_db,
    skip_on_mongodb("the SQL statements are compared; tests/backend/tasks/test_owner_deletion.py has MongoDB's"),
]


def _account(*, tasks: int, operator: User) -> User:
    """An account with ``tasks`` tasks, each edited once in the admin by ``operator``, and as many failed
    sign-ins against it, a second apart (audit rows that share a time go in one batch)."""
    user = UserFactory()
    owned = TaskFactory.create_batch(tasks, owner=user)
    task_type = ContentType.objects.get_for_model(Task, for_concrete_model=False)
    LogEntry.objects.bulk_create(
        LogEntry(
            user=operator, content_type=task_type, object_id=str(task.pk), object_repr=task.title, action_flag=CHANGE
        )
        for task in owned
    )
    start = timezone.now()
    AuditEvent.objects.bulk_create(
        AuditEvent(
            user=user, event=AuditEvent.Event.LOGIN_FAILED, email=user.email, occurred_at=start - timedelta(seconds=n)
        )
        for n in range(tasks)
    )
    return user


def _statements_deleting(user: User) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        user_delete(user=user)
    return [query["sql"] for query in queries.captured_queries]


def _shape(sql: str) -> str:
    """The statement with its values (quoted literals) and savepoint names left out."""
    return re.sub(r'"s\d+_x\d+"', '"savepoint"', re.sub(r"'[^']*'", "?", sql))


def _ids_named(sql: str, ids: list[uuid.UUID]) -> int:
    """How many of ``ids`` ``sql`` names (PostgreSQL writes a uuid with its dashes, SQLite as 32 hex digits)."""
    return sum(str(pk) in sql or pk.hex in sql for pk in ids)


def _rows_of(user_id: uuid.UUID) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    tasks = list(Task.objects.filter(owner_id=user_id).order_by("pk").values_list("pk", flat=True))
    audit = list(AuditEvent.objects.filter(user_id=user_id).order_by("pk").values_list("pk", flat=True))
    return tasks, audit


def test_given_a_failure_after_the_first_batch_then_the_whole_deletion_is_rolled_back(monkeypatch):
    # Given batches of 3, and an account with 7 tasks, each in the admin's history, and 7 audit rows
    monkeypatch.setattr(task_services, "TASKS_DELETE_BATCH_SIZE", 3)
    monkeypatch.setattr(audit_models, "UNLINK_BATCH_SIZE", 3)
    operator = UserFactory(is_staff=True)
    user = _account(tasks=7, operator=operator)
    history = set(LogEntry.objects.values_list("pk", "object_id", "object_repr"))
    deletes: list[str] = []

    def second_batch_times_out(execute, sql, params, many, context):
        if sql.startswith('DELETE FROM "tasks_task"'):
            deletes.append(sql)
            if len(deletes) == 2:
                raise OperationalError("canceling statement due to statement timeout")
        return execute(sql, params, many, context)

    # When the second batch of tasks fails, after the first was deleted
    with connection.execute_wrapper(second_batch_times_out), pytest.raises(OperationalError):
        user_delete(user=user)

    # Then nothing is deleted or unlinked: the tasks, the audit rows' link and the history are all in place
    assert len(deletes) == 2
    assert User.objects.filter(pk=user.pk).exists()
    assert Task.objects.filter(owner=user).count() == 7
    assert AuditEvent.objects.filter(user=user).count() == 7
    assert set(LogEntry.objects.values_list("pk", "object_id", "object_repr")) == history


def test_an_account_with_many_tasks_is_deleted_with_the_statements_of_one_with_a_few():
    # Given an account with 2 tasks (and their history and audit rows) and one with 25, each within one batch
    operator = UserFactory(is_staff=True)
    few, many = _account(tasks=2, operator=operator), _account(tasks=25, operator=operator)
    for model in (User, Task):  # the content types are cached once, by whichever deletion comes first
        ContentType.objects.get_for_model(model, for_concrete_model=False)

    # When each is deleted
    for_few, for_many = _statements_deleting(few), _statements_deleting(many)

    # Then the statements are the same ones, values aside: no list of ids grows with the rows
    assert [_shape(sql) for sql in for_many] == [_shape(sql) for sql in for_few]
    assert not Task.objects.filter(owner_id__in=[few.pk, many.pk]).exists()
    assert not AuditEvent.objects.exclude(user=None).exclude(user=operator).exists()
    assert set(LogEntry.objects.values_list("object_id", "object_repr")) == {(None, "deleted task")}


def test_each_batch_is_one_statement_naming_the_two_ends_of_its_range_not_its_rows(monkeypatch):
    # Given batches of 3, an account with 7 tasks and 7 audit rows, and another account's
    monkeypatch.setattr(task_services, "TASKS_DELETE_BATCH_SIZE", 3)
    monkeypatch.setattr(audit_models, "UNLINK_BATCH_SIZE", 3)
    operator = UserFactory(is_staff=True)
    user, bystander = _account(tasks=7, operator=operator), _account(tasks=2, operator=operator)
    user_id = user.pk
    task_ids, audit_ids = _rows_of(user_id)
    kept = _rows_of(bystander.pk)

    # When the account is deleted
    statements = _statements_deleting(user)

    # Then its tasks go in 3 DELETEs and its audit rows are unlinked in 3 UPDATEs, one per batch of 3
    task_deletes = [sql for sql in statements if sql.startswith('DELETE FROM "tasks_task"')]
    unlinks = [sql for sql in statements if sql.startswith('UPDATE "audit_auditevent" SET "user_id" = NULL')]
    assert len(task_deletes) == 3 + 1  # and the user row's own cascade, which finds none left
    assert len(unlinks) == 3
    # And no statement lists the rows: each names at most the two rows that bound its range
    assert max(_ids_named(sql, task_ids) for sql in statements) <= 2
    assert max(_ids_named(sql, audit_ids) for sql in statements) <= 2
    # And everything of the account went, and nothing of the other's
    assert _rows_of(user_id) == ([], [])
    assert AuditEvent.objects.filter(pk__in=audit_ids, user=None).count() == 7
    assert _rows_of(bystander.pk) == kept
    assert LogEntry.objects.filter(object_id__in=[str(pk) for pk in kept[0]]).count() == 2


def test_given_rows_that_share_one_timestamp_then_the_tasks_are_split_by_id_and_no_row_is_missed(monkeypatch):
    # Given batches of 3 and an account whose 8 tasks were created, and 8 audit rows written, at the same moment
    monkeypatch.setattr(task_services, "TASKS_DELETE_BATCH_SIZE", 3)
    monkeypatch.setattr(audit_models, "UNLINK_BATCH_SIZE", 3)
    user, moment = UserFactory(), timezone.now()
    TaskFactory.create_batch(8, owner=user)
    bystander_task = TaskFactory(owner=UserFactory())
    Task.objects.update(created_at=moment)
    AuditEvent.objects.bulk_create(
        AuditEvent(user=user, event=AuditEvent.Event.LOGIN_FAILED, occurred_at=moment) for _ in range(8)
    )
    user_id = user.pk
    _, audit_ids = _rows_of(user_id)

    # When the account is deleted
    statements = _statements_deleting(user)

    # Then the tasks go in 3 batches (the audit rows of one time in one), none is missed, the other's task stays
    assert len([sql for sql in statements if sql.startswith('DELETE FROM "tasks_task"')]) == 3 + 1
    assert not Task.objects.filter(owner_id=user_id).exists()
    assert AuditEvent.objects.filter(pk__in=audit_ids, user=None).count() == 8
    assert Task.objects.filter(pk=bystander_task.pk).exists()
