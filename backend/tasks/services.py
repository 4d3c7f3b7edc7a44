"""Writes to tasks. Each validates before saving, keeps ``completed_at`` consistent with ``status``,
and reports the change to ``_tasks_changed`` once the transaction commits."""

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from functools import partial
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from backend.accounts.models import User
from backend.common.db import atomic
from backend.common.exceptions import PreconditionFailed

from .models import Task
from .selectors import TASK_READS, task_etag, task_locked, task_queryset

UPDATABLE_FIELDS = ("title", "description", "status", "priority", "due_date")
BULK_MAX_IDS = 100
BULK_ACTIONS = ("complete", "delete", "set_status", "set_priority")
# The bulk actions that take a ``value``, and the values each accepts.
BULK_VALUE_CHOICES = {"set_status": Task.Status.values, "set_priority": Task.Priority.values}


def _tasks_changed(owner_id: UUID) -> None:
    """Called once after each committed write to ``owner_id``'s tasks: retire their cached reads."""
    TASK_READS.invalidate(owner_id)


def _after_commit(owner_id: UUID) -> None:
    # on_commit: a rolled-back write must not invalidate, and readers must not refill a cache before the commit.
    transaction.on_commit(partial(_tasks_changed, owner_id))


def completed_at_for(*, old_status: str | None, task: Task, now: datetime) -> datetime | None:
    """``task.completed_at`` after its status moved from ``old_status``: kept while done, set on entering done,
    cleared on leaving it."""
    if task.status != Task.Status.DONE:
        return None
    if old_status == Task.Status.DONE and task.completed_at is not None:
        return task.completed_at
    return now


def task_create(
    *,
    owner: User,
    title: str,
    description: str = "",
    status: str = Task.Status.TODO,
    priority: str = Task.Priority.MEDIUM,
    due_date: date | None = None,
) -> Task:
    """Create ``owner``'s task; invalid values raise ValidationError and nothing is written."""
    task = Task(
        owner=owner,
        title=title.strip(),
        description=description,
        status=status,
        priority=priority,
        due_date=due_date,
    )
    task.completed_at = completed_at_for(old_status=None, task=task, now=timezone.now())
    # The owner is the caller's own user and the pk a fresh uuid4: checking either would only cost queries.
    task.full_clean(exclude=["owner"], validate_unique=False)
    with atomic():
        task.save(force_insert=True)
        _after_commit(task.owner_id)
    return task


def task_update(*, task: Task, data: Mapping[str, Any], if_match: Sequence[str] | None = None) -> Task:
    """Apply ``data`` (any of UPDATABLE_FIELDS) to ``task``; writes only the changed columns, and nothing when
    nothing changed. Invalid values raise ValidationError and nothing is written.

    With ``if_match`` (the ETags of an If-Match header), the task is re-read under a row lock and updated only
    if its current ETag is listed (or ``*`` is); otherwise PreconditionFailed (412), and nothing is written.
    """
    if if_match is None:
        return _task_apply(task=task, data=data)
    with atomic():
        current = task_locked(task=task)
        current_etag = task_etag(current)
        if "*" not in if_match and current_etag not in if_match:
            raise PreconditionFailed(current_etag=current_etag)
        return _task_apply(task=current, data=data)


def _task_apply(*, task: Task, data: Mapping[str, Any]) -> Task:
    unknown = set(data) - set(UPDATABLE_FIELDS)
    if unknown:
        raise ValueError(f"Fields that cannot be updated: {sorted(unknown)}")
    values = dict(data)
    if isinstance(values.get("title"), str):
        values["title"] = values["title"].strip()

    changed = [field for field in UPDATABLE_FIELDS if field in values and getattr(task, field) != values[field]]
    if not changed:
        return task

    old_status = task.status
    for field in changed:
        setattr(task, field, values[field])
    completed_at = completed_at_for(old_status=old_status, task=task, now=timezone.now())
    if completed_at != task.completed_at:
        task.completed_at = completed_at
        changed.append("completed_at")
    # The owner cannot change here and the pk is not editable: validating them would only cost queries.
    task.full_clean(exclude=["owner"], validate_unique=False)
    with atomic():
        task.save(update_fields=[*changed, "updated_at"])
        _after_commit(task.owner_id)
    return task


def task_delete(*, task: Task) -> None:
    """Delete ``task`` for good."""
    owner_id = task.owner_id
    with atomic():
        task.delete()
        _after_commit(owner_id)


def task_bulk_apply(*, owner: User, ids: Sequence[UUID], action: str, value: str | None = None) -> int:
    """Apply ``action`` to those of ``ids`` that are ``owner``'s tasks, all or nothing; returns how many tasks it
    changed. Others' and unknown ids are ignored, as are tasks that already have the target value."""
    if action not in BULK_ACTIONS:
        raise ValidationError({"action": [f"Unknown action {action!r}. Choose from: {', '.join(BULK_ACTIONS)}."]})
    unique_ids = list(dict.fromkeys(ids))
    if not unique_ids:
        raise ValidationError({"ids": ["Give at least one id."]})
    if len(unique_ids) > BULK_MAX_IDS:
        raise ValidationError({"ids": [f"Give at most {BULK_MAX_IDS} ids."]})
    _validate_bulk_value(action=action, value=value)

    if action == "complete":
        action, value = "set_status", Task.Status.DONE

    now = timezone.now()
    with atomic():
        tasks = task_queryset(owner=owner).filter(pk__in=unique_ids)
        if action == "delete":
            _, per_model = tasks.delete()
            affected = per_model.get(Task._meta.label, 0)
        elif action == "set_status":
            # Only rows whose status changes: their completed_at follows the same rule as completed_at_for().
            affected = tasks.exclude(status=value).update(
                status=value, completed_at=now if value == Task.Status.DONE else None, updated_at=now
            )
        else:
            affected = tasks.exclude(priority=value).update(priority=value, updated_at=now)
        if affected:
            _after_commit(owner.id)
    return affected


def _validate_bulk_value(*, action: str, value: str | None) -> None:
    choices = BULK_VALUE_CHOICES.get(action)
    if choices is None:
        if value is not None:
            raise ValidationError({"value": [f"The action {action!r} takes no value."]})
        return
    if value is None:
        raise ValidationError({"value": [f"The action {action!r} needs a value: one of {', '.join(choices)}."]})
    if value not in choices:
        raise ValidationError({"value": [f"Unknown value {value!r}. Choose from: {', '.join(choices)}."]})


def task_admin_save(*, task: Task, old_status: str | None) -> None:
    """Save a task an operator edited in the admin (already validated by its form), keeping completed_at right."""
    task.completed_at = completed_at_for(old_status=old_status, task=task, now=timezone.now())
    with atomic():
        task.save()
        _after_commit(task.owner_id)


def task_admin_delete_many(*, tasks: QuerySet[Task]) -> None:
    """Delete the tasks an operator selected in the admin, whoever owns them."""
    with atomic():
        owner_ids = set(tasks.values_list("owner_id", flat=True))
        tasks.delete()
        for owner_id in owner_ids:
            _after_commit(owner_id)
