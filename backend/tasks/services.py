"""Writes to tasks. Each validates before saving, keeps ``completed_at`` consistent with ``status``,
and reports the change to ``_tasks_changed`` once the transaction commits."""

from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import date, datetime
from functools import partial
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import F, QuerySet, TextField, Value
from django.db.models.functions import Cast, Replace
from django.db.models.lookups import In
from django.utils import timezone

from backend.accounts.models import User
from backend.common.batching import keyset_batches
from backend.common.db import MONGODB_VENDOR, atomic
from backend.common.db_router import replica_note_write
from backend.common.exceptions import PreconditionFailed, WriteConflict
from backend.common.ids import is_uuid_text, uuid_or_404
from backend.common.prepared_rows import NotPrepared

from .models import Task
from .row_update import task_row_update
from .selectors import TASK_READS, TASK_ROW_STATEMENTS, task_etag, task_get, task_queryset, task_row

UPDATABLE_FIELDS = ("title", "description", "status", "priority", "due_date")
# Compare-and-set rounds before a task_update gives up on a task others keep changing (409).
UPDATE_ATTEMPTS = 5
BULK_MAX_IDS = 100
BULK_ACTIONS = ("complete", "delete", "set_status", "set_priority")
# The bulk actions that take a ``value``, and the values each accepts.
BULK_VALUE_CHOICES = {"set_status": Task.Status.values, "set_priority": Task.Priority.values}


def _tasks_changed(owner_id: UUID) -> None:
    """Called once after each committed write to ``owner_id``'s tasks: retire their cached reads.

    With read replicas, the owner's reads first move to the primary for the pin window, so no refill
    under the new version is built from a replica that has not replayed this write yet."""
    replica_note_write(owner_id)  # before the bump: see backend/common/db_router.replica_read_is_cacheable
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
    if connections[DEFAULT_DB_ALIAS].vendor == MONGODB_VENDOR:
        with atomic():
            task.save(force_insert=True)
            _after_commit(task.owner_id)
        return task
    # SQL: one INSERT is atomic by itself, so no transaction of its own (BEGIN and COMMIT were two more round trips
    # per create). In autocommit the INSERT has committed when on_commit runs the callback, at once; inside the
    # caller's transaction (an Idempotency-Key's) it is part of that and the callback waits for its commit.
    try:
        TASK_ROW_STATEMENTS.insert(task)  # what save(force_insert=True) sends, from SQL written once
    except NotPrepared:
        task.save(force_insert=True)
    _after_commit(task.owner_id)
    return task


def task_update(*, task: Task, data: Mapping[str, Any], if_match: Sequence[str] | None = None) -> Task:
    """Apply ``data`` (any of UPDATABLE_FIELDS) to ``task``; writes only the changed fields, and nothing when
    nothing changed. Invalid values raise ValidationError and nothing is written.

    The write is a compare-and-set on ``version``: one conditional update, atomic on every backend, with no
    row lock or transaction. If another write got in first, the task is read again and, without
    ``if_match``, ``data`` is applied to the new state (the last writer wins, field by field). With
    ``if_match`` (the ETags of an If-Match header), the write happens only while the task's ETag is listed
    (or ``*`` is); otherwise PreconditionFailed (412) and nothing is written.
    """
    values = _update_values(data)
    for _ in range(UPDATE_ATTEMPTS):
        if if_match is not None:
            current_etag = task_etag(task)
            if "*" not in if_match and current_etag not in if_match:
                raise PreconditionFailed(current_etag=current_etag)
        changed = _apply_in_memory(task=task, values=values)
        if not changed:
            return task
        # The owner cannot change here and the pk is not editable: validating them would only cost queries.
        task.full_clean(exclude=["owner"], validate_unique=False)
        read_version, task.version, task.updated_at = task.version, task.version + 1, timezone.now()
        fields = {field: getattr(task, field) for field in [*changed, "version", "updated_at"]}
        # One conditional update is atomic by itself, on every backend: no transaction around it (BEGIN and COMMIT
        # were two more round trips per update). In autocommit it has committed when on_commit runs the callback,
        # at once; inside a caller's transaction the callback waits for that commit.
        if _update_if_at_version(task=task, version=read_version, fields=fields):
            _after_commit(task.owner_id)
            return task
        task = task_get(owner=task.owner, task_id=task.pk)  # someone else wrote first (a 404 if it was deleted)
    raise WriteConflict()


def task_update_by_id(*, owner: User, task_id: Any, data: Mapping[str, Any]) -> Task:
    """``task_update(task=task_get(owner=owner, task_id=task_id), data=data)`` (no If-Match): the same task and write,
    in one statement where the database can (row_update.py) instead of a read of the row and then a write, so one
    round trip to the database instead of two (two when nothing changes: the statement, then the read).

    Errors: a 404 first for another user's task, as task_update after task_get. The given values are validated
    (full_clean's checks of those fields) before anything is sent, even values the row already holds; the row's
    other fields are not validated again (the API wrote them valid; task_update re-checked them on any change)."""
    values = _update_values(data)
    pk = uuid_or_404(task_id)
    if not values:
        return task_get(owner=owner, task_id=pk)
    try:
        # The given values, validated as full_clean() validates them; the row's others are valid already.
        Task(**values).clean_fields(exclude=[name for name in _CLEANED_FIELDS if name not in values])
    except ValidationError:
        task_get(owner=owner, task_id=pk)  # another user's task is a 404, whatever the body holds
        raise
    try:
        task = task_row_update(owner_id=owner.pk, pk=pk, values=values, now=timezone.now())
    except NotPrepared:
        return task_update(task=task_get(owner=owner, task_id=pk), data=data)
    if task is None:
        return task_get(owner=owner, task_id=pk)  # nothing to change (or a 404: no such task of the owner's)
    _after_commit(task.owner_id)
    return task


_CLEANED_FIELDS = [field.name for field in Task._meta.concrete_fields]


def _update_if_at_version(*, task: Task, version: int, fields: Mapping[str, Any]) -> int:
    """Write ``fields`` to the task's row while it is at ``version``; how many rows changed (0 or 1)."""
    try:
        where = {"owner_id": task.owner_id, "pk": task.pk, "version": version}
        return TASK_ROW_STATEMENTS.update(where=where, values=fields)  # task_row(...).update(), from SQL written once
    except NotPrepared:
        return task_row(task=task, version=version).update(**fields)


def _update_values(data: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(data) - set(UPDATABLE_FIELDS)
    if unknown:
        raise ValueError(f"Fields that cannot be updated: {sorted(unknown)}")
    values = dict(data)
    if isinstance(values.get("title"), str):
        values["title"] = values["title"].strip()
    return values


def _apply_in_memory(*, task: Task, values: Mapping[str, Any]) -> list[str]:
    """Set ``values`` on ``task`` and keep completed_at right; the names of the fields that changed."""
    changed = [field for field in UPDATABLE_FIELDS if field in values and getattr(task, field) != values[field]]
    if not changed:
        return []
    old_status = task.status
    for field in changed:
        setattr(task, field, values[field])
    completed_at = completed_at_for(old_status=old_status, task=task, now=timezone.now())
    if completed_at != task.completed_at:
        task.completed_at = completed_at
        changed.append("completed_at")
    return changed


def task_delete(*, task: Task, if_match: Sequence[str] | None = None) -> None:
    """Delete ``task`` for good. With ``if_match`` (the ETags of an If-Match header), only while the task's ETag is
    listed (or ``*`` is), else PreconditionFailed (412) and nothing is deleted: a compare-and-set on the version
    read, so a write that got in since fails it too."""
    checked = if_match is not None and "*" not in if_match
    if checked and task_etag(task) not in (if_match or ()):
        raise PreconditionFailed(current_etag=task_etag(task))
    with atomic():
        deleted, _ = task_row(task=task, version=task.version if checked else None).delete()
        if deleted:
            _after_commit(task.owner_id)
    if checked and not deleted:
        current = task_get(owner=task.owner, task_id=task.pk)  # changed since it was read (a 404 if deleted)
        raise PreconditionFailed(current_etag=task_etag(current))


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
        if connections[DEFAULT_DB_ALIAS].features.has_select_for_update:
            # Lock the rows in one order (by id) first: an UPDATE or DELETE locks them in the order its scan meets
            # them, which differs between statements, so two overlapping bulk actions could deadlock (one aborted).
            list(tasks.order_by("pk").select_for_update().values_list("pk", flat=True))
        if action == "delete":
            _, per_model = tasks.delete()
            affected = per_model.get(Task._meta.label, 0)
        elif action == "set_status":
            # Only rows whose status changes: their completed_at follows the same rule as completed_at_for().
            affected = tasks.exclude(status=value).update(
                status=value,
                completed_at=now if value == Task.Status.DONE else None,
                updated_at=now,
                version=F("version") + 1,
            )
        else:
            affected = tasks.exclude(priority=value).update(priority=value, updated_at=now, version=F("version") + 1)
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


# What an operator can change in the admin: the API's fields, and the owner.
ADMIN_EDITABLE_FIELDS = ("owner", *UPDATABLE_FIELDS)


def task_admin_save(
    *, task: Task, changed_fields: Collection[str], old_status: str | None, old_owner_id: UUID | None = None
) -> None:
    """Save a task an operator edited in the admin (already validated by its form), keeping completed_at right.

    ``changed_fields``: the fields the operator changed (the form's changed_data; any of ADMIN_EDITABLE_FIELDS).
    An existing task gets only those written (with completed_at if it follows, the version and updated_at), so the
    save cannot revert what the owner or another operator wrote to the other fields meanwhile; with none, nothing
    is written (no new version, nothing for cached reads to drop). A new task is inserted whole.
    ``old_owner_id``: the owner before the edit, whose cached reads must drop the task too if it moved."""
    unknown = set(changed_fields) - set(ADMIN_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Fields the admin cannot change: {sorted(unknown)}")
    adding = task._state.adding
    update_fields = list(dict.fromkeys(changed_fields))
    completed_at = completed_at_for(old_status=old_status, task=task, now=timezone.now())
    if completed_at != task.completed_at:
        task.completed_at = completed_at
        update_fields.append("completed_at")
    if not adding:
        if not update_fields:
            return
        task.version = F("version") + 1  # type: ignore[assignment]  # an operator's save races API writes too
        update_fields += ["version", "updated_at"]  # updated_at: auto_now sets it, update_fields must name it
    with atomic():
        task.save(update_fields=None if adding else update_fields)
        _after_commit(task.owner_id)
        if old_owner_id is not None and old_owner_id != task.owner_id:
            _after_commit(old_owner_id)
    task.refresh_from_db(fields=["version"])


# Tasks per DELETE when an account is deleted (tasks_delete_for_owner): 10,000 take 10 to 50 ms on PostgreSQL, far
# below DB_STATEMENT_TIMEOUT even with every row's page read from disk, and 100,000 tasks go in 10 statements.
TASKS_DELETE_BATCH_SIZE = 10_000


DELETED_TASK_REPR = "deleted task"  # what the admin's history shows for a task of a deleted account


def task_admin_history_unlink(*, owner: User) -> int:
    """Take ``owner``'s tasks out of the admin's history (LogEntry rows of operators' edits), before the account
    and its tasks are deleted: each row names its task by ``object_repr``, the title, which is the user's own words.
    Scrubbed, not deleted, as accounts.services.user_delete explains for the account's own rows. Returns how many.

    SQL: one UPDATE, which matches the rows with the owner's tasks itself (a hash of their ids, read through the
    owner's index). ``object_id`` is text, the id as str() writes it, with dashes; the ids are compared as 32 hex
    digits, the form SQLite stores them in (PostgreSQL's text form of a uuid has the dashes). Reading the task rows
    of the whole history into Python and sending the matches back (as MongoDB still does) took a statement with a
    parameter for every operator's edit of anyone's task, growing with the history: 0.4 to 0.9 s for 20,000.
    A row whose ``object_id`` is no id at all matches nothing (no cast of it can fail)."""
    from django.contrib.admin.models import LogEntry  # the admin's model: not imported where tasks are only served
    from django.contrib.contenttypes.models import ContentType

    content_type = ContentType.objects.get_for_model(Task, for_concrete_model=False)
    entries = LogEntry.objects.filter(content_type=content_type)
    if connections[DEFAULT_DB_ALIAS].vendor == MONGODB_VENDOR:
        return _task_admin_history_unlink_in_python(owner=owner, entries=entries)
    owned = task_queryset(owner=owner).order_by().values_list(_as_hex_digits("pk"))
    return entries.filter(In(_as_hex_digits("object_id"), owned)).update(object_id=None, object_repr=DELETED_TASK_REPR)


def _as_hex_digits(field: str) -> Replace:
    """The id in ``field`` (a uuid, or the text of one) as text without dashes, on every SQL backend."""
    return Replace(Cast(field, output_field=TextField()), Value("-"), Value(""), output_field=TextField())


def _task_admin_history_unlink_in_python(*, owner: User, entries: QuerySet[Any]) -> int:
    """task_admin_history_unlink on MongoDB, whose update_many filter has no place for the subquery's $lookup stage
    (django-mongodb-backend leaves a reference to a field no stage made): the task rows of the history are read
    whole and matched against the owner's tasks in Python."""
    rows = list(entries.values_list("pk", "object_id"))
    ids = {object_id for _, object_id in rows if object_id and is_uuid_text(object_id)}
    owned = {str(pk) for pk in task_queryset(owner=owner).filter(pk__in=ids).values_list("pk", flat=True)}
    return entries.filter(pk__in=[pk for pk, object_id in rows if object_id in owned]).update(
        object_id=None, object_repr=DELETED_TASK_REPR
    )


def tasks_delete_for_owner(*, owner: User, batch_size: int | None = None) -> int:
    """Delete every task of ``owner`` (the account is being deleted); returns how many.

    ``batch_size`` (default TASKS_DELETE_BATCH_SIZE) rows per DELETE, each batch a range of the owner's tasks in
    creation order, found through their index (backend.common.batching.keyset_batches): no statement reads or locks
    more than ``batch_size`` rows, and the ids never travel to Python and back. Run it inside the caller's
    transaction (accounts.services.user_delete) to make the whole deletion all or nothing; the owner's cached reads
    are retired once that commits."""
    deleted = 0
    with atomic():
        batches = keyset_batches(
            task_queryset(owner=owner), key=("created_at", "id"), batch_size=batch_size or TASKS_DELETE_BATCH_SIZE
        )
        for batch in batches:
            count, _ = batch.delete()
            deleted += count
        _after_commit(owner.pk)
    return deleted


# Tasks per transaction when an operator deletes a selection in the admin (task_admin_delete_many): each batch also
# writes the admin's history of its tasks, whose titles are read into Python for it.
TASKS_ADMIN_DELETE_BATCH_SIZE = 2_000


def task_admin_delete_many(
    *,
    tasks: QuerySet[Task],
    batch_size: int | None = None,
    on_batch: Callable[[list[tuple[UUID, str]]], None] | None = None,
) -> int:
    """Delete the tasks an operator selected in the admin, whoever owns them (every task the list's filters match,
    200,000 or more, with "select all"); returns how many.

    ``batch_size`` (default TASKS_ADMIN_DELETE_BATCH_SIZE) tasks per transaction, each batch a range of the
    selection in the order of owner, then id (backend.common.batching.keyset_batches): no statement grows with the
    selection (one DELETE of every task could outlast DB_STATEMENT_TIMEOUT), nor does the memory, and the rows of
    a batch are locked only while it runs. A batch that committed stays deleted if a later one fails, as in the
    purges. Each batch's owners' cached reads are retired once it commits: by owner, an owner's tasks fall in one
    batch or two, so each is retired about once (in the order of ids, 2,000 owners' tasks were spread over every
    batch, and 66,000 tasks took 38,000 retirements). ``on_batch`` gets each batch's ``(id, title)`` pairs,
    inside its transaction (the admin writes its history of them there). Tasks added to a range already deleted
    meanwhile stay."""
    deleted = 0
    for batch in keyset_batches(tasks, key=("owner_id", "id"), batch_size=batch_size or TASKS_ADMIN_DELETE_BATCH_SIZE):
        with atomic():
            rows = list(batch.values_list("pk", "owner_id", "title"))
            # The range bounds the DELETE's scan (an id list alone made PostgreSQL scan the table for each batch), the
            # ids read keep a task added meanwhile out of it: every task deleted is one on_batch was given.
            count, _ = batch.filter(pk__in=[pk for pk, _, _ in rows]).delete()
            if on_batch is not None:
                on_batch([(pk, title) for pk, _, title in rows])
            for owner_id in {owner_id for _, owner_id, _ in rows}:
                _after_commit(owner_id)
        deleted += count
    return deleted
