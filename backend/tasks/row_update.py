"""A task's update without If-Match as one statement (PostgreSQL): ``UPDATE ... RETURNING`` of the row as it is.

``services.task_update`` reads the task, applies the changes in Python and writes them back by a compare-and-set
on ``version``: two round trips to the database, and a retry when another write got in between. Without an
If-Match nothing of that needs the row in Python: which fields change, ``completed_at``'s rule and the version's
bump can all be worked out by the database from the row as it is when the statement runs. So one statement does
the same write, atomically, and returns the row (``services.task_update_by_id`` uses it, the ORM's path
elsewhere; tests/backend/tasks/test_row_update.py compares the two on every kind of change):

- only the given fields that differ from the row count as changes (``IS DISTINCT FROM``); when none do, no row
  is written, as task_update writes nothing when nothing changed;
- ``completed_at`` follows ``services.completed_at_for``: kept while the task stays done, set on entering done,
  cleared on leaving it;
- ``version`` moves on by one and ``updated_at`` is now.

Values are prepared by their fields exactly as the ORM prepares them, and only quoted names of the task table's
own columns go into the SQL: every value is a parameter.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db import router, transaction
from django.db.models import CharField

from .models import Task
from .selectors import TASK_ROW_STATEMENTS

# The SQL per database alias and tuple of given fields.
_STATEMENTS: dict[tuple[str, tuple[str, ...]], str] = {}


def task_row_update(*, owner_id: UUID, pk: UUID, values: Mapping[str, Any], now: datetime) -> Task | None:
    """Apply ``values`` (validated; some of services.UPDATABLE_FIELDS) to the owner's task ``pk`` as of now; the
    updated task, or None when no row changed (no such task of the owner's, or nothing to change).

    NotPrepared (before anything is sent) where the database is not one this statement is written for."""
    statements = TASK_ROW_STATEMENTS
    alias = router.db_for_write(Task)
    connection = statements.connection(alias)  # NotPrepared on SQLite and MongoDB
    names = tuple(values)
    sql = _STATEMENTS.get((alias, names))
    if sql is None:
        sql = _STATEMENTS[(alias, names)] = _update_sql(connection, names)
    params = [statements.field(name).get_db_prep_save(value, connection) for name, value in values.items()]
    params += [
        statements.field("updated_at").get_db_prep_save(now, connection),
        Task.Status.DONE.value,
        statements.field("owner").get_db_prep_value(owner_id, connection),
        statements.field("pk").get_db_prep_value(pk, connection),
    ]
    with transaction.mark_for_rollback_on_error(using=alias), connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return None if row is None else statements.instance(alias, row)  # type: ignore[return-value]


def _update_sql(connection: Any, names: tuple[str, ...]) -> str:
    """UPDATE ... FROM (the new values, each once) WHERE owner, id and a change ... RETURNING every column."""
    statements, quote = TASK_ROW_STATEMENTS, connection.ops.quote_name

    def column(name: str) -> str:
        return str(quote(statements.field(name).column))

    def old(name: str) -> str:
        return f"t.{column(name)}"

    def new(name: str) -> str:
        return f"new.{column(name)}"

    # Typed parameters: a bare one would be of unknown type in the comparisons below. Never a length (varchar(200)):
    # an explicit cast to one truncates silently, where the column itself refuses a value too long.
    given = [f"%s::{_cast_type(statements.field(name), connection)} AS {column(name)}" for name in names]
    given += ["%s::timestamptz AS now", "%s::text AS done"]
    status = new("status") if "status" in names else old("status")
    completed_at = (
        f"CASE WHEN {status} = new.done THEN"
        f" CASE WHEN {old('status')} = new.done AND {old('completed_at')} IS NOT NULL"
        f" THEN {old('completed_at')} ELSE new.now END"
        " ELSE NULL END"
    )
    assignments = [f"{column(name)} = {new(name)}" for name in names]
    assignments += [
        f"{column('completed_at')} = {completed_at}",
        f"{column('version')} = {old('version')} + 1",
        f"{column('updated_at')} = new.now",
    ]
    changed = " OR ".join(f"{old(name)} IS DISTINCT FROM {new(name)}" for name in names)
    return (
        f"UPDATE {statements.table(connection)} AS t SET {', '.join(assignments)}"  # noqa: S608
        f" FROM (SELECT {', '.join(given)}) AS new"
        f" WHERE {old('owner')} = %s AND {old('pk')} = %s AND ({changed})"
        f" RETURNING {statements.columns(connection, table='t')}"
    )


def _cast_type(field: Any, connection: Any) -> str:
    if isinstance(field, CharField):
        return str(connection.ops.cast_char_field_without_max_length)
    return str(field.cast_db_type(connection))
