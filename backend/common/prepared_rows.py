"""One model's single-row reads and writes from SQL written once per process (PostgreSQL), not by the ORM.

A task's detail read, create and update are each one short statement, and the ORM's building and compiling of
it was about a tenth of such a request's CPU (docs/performance.md), the same work every time for the same SQL.
``RowStatements`` writes that SQL once per database alias and set of columns, and runs it through the
connection's ordinary cursor (query counting, broken-read retry, the replica router and transactions all
apply), with each value prepared by its field exactly as the ORM prepares it (``get_db_prep_value`` and
``get_db_prep_save``).

What it runs is what the ORM would send for these calls (tests/backend/common/test_prepared_rows.py compares
rows and results), and only where nothing else could differ:

- PostgreSQL (``PREPARED_VENDORS``), whose driver returns every column as its Python value, with no converters;
- models with no generated or database-returned columns (a primary key set in Python, e.g. a UUID);
- no ``pre_save`` or ``post_save`` receivers for the model, and no ``save()`` of its own, when inserting.

Anywhere else each method answers ``NotPrepared`` and the caller runs the ORM as before (SQLite, MongoDB).
"""

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connections, router, transaction
from django.db.models import Model, signals

from .prepared_sql import PREPARED_VENDORS


class NotPrepared(Exception):
    """The ORM must run this one: another database, or a model or call this module does not cover."""


class RowStatements:
    """``get``, ``insert`` and ``update`` of single rows of ``model``, by equality on the given columns."""

    def __init__(self, model: type[Model]) -> None:
        self.model = model
        meta = model._meta
        self._fields = list(meta.local_concrete_fields)
        self._by_name = {field.name: field for field in self._fields} | {field.attname: field for field in self._fields}
        self._by_name["pk"] = meta.pk
        self._sql: dict[tuple[Any, ...], str] = {}
        self._covered: dict[tuple[str, str], bool] = {}

    # Reads -----------------------------------------------------------------------------------------------
    def get(self, **where: Any) -> Model | None:
        """The row where every column equals its value, as a model instance (None: no such row); at most one
        row may match (filter on the primary key)."""
        alias = router.db_for_read(self.model)
        connection = self.connection(alias)
        names = tuple(where)
        sql = self._sql.get(("get", alias, names))
        if sql is None:
            columns = self.columns(connection)
            sql = self._sql[("get", alias, names)] = (
                f"SELECT {columns} FROM {self.table(connection)} WHERE {self._where(names, connection)} LIMIT 2"  # noqa: S608
            )
        with connection.cursor() as cursor:
            cursor.execute(sql, self._where_params(where, connection))
            rows = cursor.fetchall()
        if len(rows) > 1:
            raise self.model.MultipleObjectsReturned(f"{len(rows)} rows match {sorted(where)}")  # type: ignore[attr-defined]
        if not rows:
            return None
        return self.instance(alias, rows[0])

    def instance(self, alias: str, row: Sequence[Any]) -> Model:
        """The model instance of a row of ``columns()``, as loaded from ``alias``."""
        return self.model.from_db(alias, [field.attname for field in self._fields], row)

    def columns(self, connection: Any, *, table: str | None = None) -> str:
        """Every concrete column, quoted and in the model's order (what ``instance`` reads), optionally qualified by
        ``table`` (an alias in the statement)."""
        prefix = f"{table}." if table else ""
        return ", ".join(prefix + self._column(field.column, connection) for field in self._fields)

    # Writes ----------------------------------------------------------------------------------------------
    def insert(self, instance: Model) -> None:
        """``instance.save(force_insert=True)``: every concrete column, timestamps set by their fields."""
        if signals.pre_save.has_listeners(self.model) or signals.post_save.has_listeners(self.model):
            raise NotPrepared("save() sends pre_save and post_save to their receivers")
        if instance.pk is None:
            raise NotPrepared("save() fills a missing primary key from its field's default")
        alias = router.db_for_write(self.model, instance=instance)
        connection = self.connection(alias)
        sql = self._sql.get(("insert", alias))
        if sql is None:
            columns = self.columns(connection)
            placeholders = ", ".join(["%s"] * len(self._fields))
            sql = self._sql[("insert", alias)] = (
                f"INSERT INTO {self.table(connection)} ({columns}) VALUES ({placeholders})"  # noqa: S608
            )
        params = [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in self._fields]
        with transaction.mark_for_rollback_on_error(using=alias), connection.cursor() as cursor:
            cursor.execute(sql, params)
        instance._state.adding = False
        instance._state.db = alias

    def update(self, *, where: Mapping[str, Any], values: Mapping[str, Any]) -> int:
        """``Model.objects.filter(**where).update(**values)`` with plain values; the number of rows changed."""
        alias = router.db_for_write(self.model)
        connection = self.connection(alias)
        key = ("update", alias, tuple(values), tuple(where))
        sql = self._sql.get(key)
        if sql is None:
            assignments = ", ".join(f"{self._column(self.field(name).column, connection)} = %s" for name in values)
            sql = self._sql[key] = (
                f"UPDATE {self.table(connection)} SET {assignments} WHERE {self._where(tuple(where), connection)}"  # noqa: S608
            )
        # Every NotPrepared is raised before the statement: the caller's fallback must find its transaction usable.
        params = [self.field(name).get_db_prep_save(value, connection) for name, value in values.items()]
        params += self._where_params(where, connection)
        with transaction.mark_for_rollback_on_error(using=alias), connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount

    # SQL -------------------------------------------------------------------------------------------------
    # Only quoted names of the model's own table and columns go into the SQL (a name that is not a column
    # raises NotPrepared); every value is a parameter.
    def connection(self, alias: str) -> Any:
        """The connection of ``alias`` if plain SQL does here what the ORM does for this model, else NotPrepared."""
        connection = connections[alias]
        # By alias and vendor: the answer holds for the process, unless a test swaps in another backend.
        key = (alias, connection.vendor)
        covered = self._covered.get(key)
        if covered is None:
            covered = self._covered[key] = self._covers(connection)
        if not covered:
            raise NotPrepared(f"{connection.vendor} / {self.model._meta.label}: the ORM runs it")
        return connection

    def _covers(self, connection: Any) -> bool:
        """Whether plain SQL does what the ORM does for this model here: no column only the database fills, no
        parent table, and no field that converts its values or writes its own placeholder. A column with a database
        default beside its Python one (``db_default`` kept for the previous release's inserts during a rollout) is
        written from the Python default, so the ORM's RETURNING of it only reads back the value written."""
        meta = self.model._meta
        if connection.vendor not in PREPARED_VENDORS or meta.parents:
            return False
        if any(not field.has_default() for field in meta.db_returning_fields):
            return False
        if self.model.save is not Model.save or self.model.save_base is not Model.save_base:
            return False  # a model's own save() may do more than write its row
        for field in self._fields:
            column = field.get_col(meta.db_table)
            if getattr(field, "generated", False) or hasattr(field, "get_placeholder"):
                return False
            if connection.ops.get_db_converters(column) or column.get_db_converters(connection):
                return False
        return True

    def field(self, name: str) -> Any:
        """The model's concrete field called ``name`` (its name, attname, or "pk"); NotPrepared for any other name."""
        field = self._by_name.get(name)
        if field is None:
            raise NotPrepared(f"{name!r} is not a column of {self.model._meta.label}")
        return field

    def table(self, connection: Any) -> str:
        return str(connection.ops.quote_name(self.model._meta.db_table))

    @staticmethod
    def _column(column: str | None, connection: Any) -> str:
        return str(connection.ops.quote_name(column))

    def _where(self, names: tuple[str, ...], connection: Any) -> str:
        if not names:
            raise NotPrepared("a row is addressed by at least one column")
        return " AND ".join(f"{self._column(self.field(name).column, connection)} = %s" for name in names)

    def _where_params(self, where: Mapping[str, Any], connection: Any) -> list[Any]:
        params = []
        for name, value in where.items():
            if value is None:
                raise NotPrepared("= NULL matches nothing; the ORM writes IS NULL")
            params.append(self.field(name).get_db_prep_value(value, connection, prepared=False))
        return params
