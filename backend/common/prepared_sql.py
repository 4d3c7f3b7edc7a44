"""Pages of a hot read from SQL compiled once per process instead of by the ORM on every request.

The ORM builds and compiles the statement of a queryset each time it runs: for a list page that is about a
fifth of an uncached request's CPU (docs/performance.md), although the SQL is the same for every caller and
only the parameters (the owner; a deep page's anchor) change. ``PageStatement`` compiles a queryset's SQL once
per database alias, with the varying values as its parameters, and runs pages of it with ``LIMIT`` and
``OFFSET`` parameters through the connection's ordinary cursor (so query counting, broken-read retry and the
replica router apply). It returns the same named rows as ``values_list(..., named=True)``.

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
    """The SQL of ``build(*values)`` (a values_list(named=True) queryset) compiled once per alias, run per page."""

    def __init__(self, build: Callable[..., QuerySet[Any]], *, model: type[Model], markers: tuple[Any, ...]) -> None:
        """``model``: the queryset's, for the router's choice of database; ``markers``: one value per parameter
        of ``build``, of its type (e.g. a UUID) and distinct from each other: the compiled SQL's parameters
        are matched to ``build``'s by them. They are never queried."""
        self._build = build
        self._model = model
        self._markers = markers
        self._compiled: dict[tuple[str, str], _Compiled | None] = {}

    def rows_for(self, *values: Any) -> "PreparedRows | QuerySet[Any]":
        """``build(*values)`` as something the paginator slices: PreparedRows where the SQL could be prepared."""
        alias = router.db_for_read(self._model)  # what the queryset's ``db`` would be: it has no hints
        # By alias and vendor: the answer holds for the process, unless a test swaps in another backend.
        key = (alias, connections[alias].vendor)
        if key not in self._compiled:
            self._compiled[key] = self._compile(alias)
        compiled = self._compiled[key]
        if compiled is None:
            return self._build(*values)
        # The queryset is built only if needed (a count that is not cached, a deep page): building it is about
        # a tenth of an uncached page's CPU.
        return PreparedRows(alias=alias, compiled=compiled, values=values, build=self._build)

    def _compile(self, alias: str) -> "_Compiled | None":
        """The SELECT with LIMIT/OFFSET parameters added; None when it cannot run as plain SQL."""
        if connections[alias].vendor not in PREPARED_VENDORS:
            return None
        query = self._build(*self._markers).query
        compiler = query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        converters = compiler.get_converters([column for column, _, _ in compiler.select])
        if converters or query.extra_select or query.annotation_select:
            return None  # rows the ORM would convert: it knows best
        # Which of build's values each parameter is (a value may be used more than once).
        positions = []
        for param in params:
            matches = [
                index for index, marker in enumerate(self._markers) if type(param) is type(marker) and param == marker
            ]
            if len(matches) != 1:
                return None  # a parameter that is not one of build's values, as given: another shape
            positions.append(matches[0])
        # The class Django's values_list(named=True) gives these rows (it is cached per set of names).
        return _Compiled(f"{sql} LIMIT %s OFFSET %s", tuple(positions), create_namedtuple_class(*query.values_select))


class _Compiled(NamedTuple):
    sql: str
    positions: tuple[int, ...]  # for each parameter of ``sql`` but LIMIT and OFFSET, the index of its value
    row: type


class PreparedRows:
    """A queryset's rows as the paginator needs them: slices run the prepared SQL; ``count()`` and deep pages
    (``queryset``, see common/pagination.py) are the queryset's own."""

    ordered = True

    def __init__(
        self, *, alias: str, compiled: _Compiled, values: tuple[Any, ...], build: Callable[..., QuerySet[Any]]
    ) -> None:
        self._alias = alias
        self._compiled = compiled
        self._values = values
        self._build = build

    @cached_property
    def queryset(self) -> QuerySet[Any]:
        return self._build(*self._values)

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
        sql, positions, row = self._compiled
        params = [self._values[index] for index in positions]
        with connections[self._alias].cursor() as cursor:
            cursor.execute(sql, [*params, window.stop - start, start])
            return [row(*values) for values in cursor.fetchall()]
