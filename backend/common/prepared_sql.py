"""Pages of a hot read from SQL compiled once per process instead of by the ORM on every request.

The ORM builds and compiles the statement of a queryset each time it runs: for a list page that is about a
fifth of an uncached request's CPU (docs/performance.md), although the SQL is the same for every caller and
only a parameter (the owner) changes. ``PageStatement`` compiles a queryset's SQL once per database alias,
with the varying value as its parameter, and runs pages of it with ``LIMIT``/``OFFSET`` parameters through
the connection's ordinary cursor (so query counting, broken-read retry and the replica router apply). It
returns the same named rows as ``values_list(..., named=True)``.

Only where the rows need no conversion by the ORM (PostgreSQL: uuid, text, date and timestamptz come out of
psycopg as Python values already). Elsewhere (SQLite, MongoDB) the queryset runs as before.
"""

from collections.abc import Callable
from functools import cached_property
from typing import Any, NamedTuple

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.utils import create_namedtuple_class

PREPARED_VENDORS = frozenset({"postgresql"})


class PageStatement:
    """The SQL of ``build(value)`` (a values_list(named=True) queryset) compiled once per alias, run per page."""

    def __init__(self, build: Callable[[Any], QuerySet[Any]], *, model: type[Model], marker: Any) -> None:
        """``model``: the queryset's, for the router's choice of database; ``marker``: a value of the
        parameter's type (e.g. a UUID) that the compiled parameters are searched for; it is never queried."""
        self._build = build
        self._model = model
        self._marker = marker
        self._compiled: dict[tuple[str, str], _Compiled | None] = {}

    def rows_for(self, value: Any) -> "PreparedRows | QuerySet[Any]":
        """``build(value)`` as something the paginator slices: PreparedRows where the SQL could be prepared."""
        alias = router.db_for_read(self._model)  # what the queryset's ``db`` would be: it has no hints
        # By alias and vendor: the answer holds for the process, unless a test swaps in another backend.
        key = (alias, connections[alias].vendor)
        if key not in self._compiled:
            self._compiled[key] = self._compile(alias)
        compiled = self._compiled[key]
        if compiled is None:
            return self._build(value)
        # The queryset is built only if needed (a count that is not cached, a deep page): building it is about
        # a tenth of an uncached page's CPU.
        return PreparedRows(alias=alias, compiled=compiled, value=value, build=self._build)

    def _compile(self, alias: str) -> "_Compiled | None":
        """The SELECT with its one parameter and LIMIT/OFFSET ones; None when it cannot run as plain SQL."""
        if connections[alias].vendor not in PREPARED_VENDORS:
            return None
        query = self._build(self._marker).query
        compiler = query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        converters = compiler.get_converters([column for column, _, _ in compiler.select])
        if list(params) != [self._marker] or converters or query.extra_select or query.annotation_select:
            return None  # another shape than the one assumed here: the ORM knows best
        # The class Django's values_list(named=True) gives these rows (it is cached per set of names).
        return _Compiled(f"{sql} LIMIT %s OFFSET %s", create_namedtuple_class(*query.values_select))


class _Compiled(NamedTuple):
    sql: str
    row: type


class PreparedRows:
    """A queryset's rows as the paginator needs them: slices run the prepared SQL; ``count()`` and deep pages
    (``queryset``, see common/pagination.py) are the queryset's own."""

    ordered = True

    def __init__(self, *, alias: str, compiled: _Compiled, value: Any, build: Callable[[Any], QuerySet[Any]]) -> None:
        self._alias = alias
        self._compiled = compiled
        self._value = value
        self._build = build

    @cached_property
    def queryset(self) -> QuerySet[Any]:
        return self._build(self._value)

    def count(self) -> int:
        return self.queryset.count()

    def __getitem__(self, window: slice) -> list[Any]:
        if not isinstance(window, slice) or window.step is not None or window.stop is None:
            raise TypeError("PreparedRows are read a page at a time: rows[start:stop]")
        start = window.start or 0
        if start < 0 or window.stop < start:
            raise TypeError("PreparedRows take a non-negative slice: rows[start:stop]")
        if window.stop == start:
            return []
        sql, row = self._compiled
        with connections[self._alias].cursor() as cursor:
            cursor.execute(sql, [self._value, window.stop - start, start])
            return [row(*values) for values in cursor.fetchall()]
