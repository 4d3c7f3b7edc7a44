"""Bulk deletes and updates in batches, each a short statement however many rows there are."""

from collections.abc import Callable, Iterator
from typing import Any

from django.db.models import Model, Q, QuerySet


def queryset_delete_in_batches(
    queryset: QuerySet[Model], *, batch_size: int, on_batch: Callable[[int], None] | None = None
) -> int:
    """Delete the rows of ``queryset`` ``batch_size`` at a time. Returns how many were deleted.

    Each batch is its own short statement (autocommit), so a large backlog never holds long
    locks and an interrupted run keeps what it did; ``on_batch`` gets the running total.
    """
    model = queryset.model
    total = 0
    # Unordered: a model's default ordering (AuthSession's -created_at, not indexed) would make every batch sort
    # the whole backlog it matches.
    while batch := list(queryset.order_by().values_list("pk", flat=True)[:batch_size]):
        deleted, _ = model._default_manager.filter(pk__in=batch).delete()
        total += deleted
        if on_batch is not None:
            on_batch(total)
    return total


def keyset_batches(
    queryset: QuerySet[Model], *, key: tuple[str] | tuple[str, str], batch_size: int
) -> Iterator[QuerySet[Model]]:
    """Split ``queryset`` into consecutive ranges of about ``batch_size`` rows, in the order of ``key``, and yield
    each range as a queryset for the caller to delete or update (one statement) before the next one is looked for.
    Yields nothing when ``queryset`` has no row.

    ``key``: a field that is never null, then, optionally, a unique tie-break (the primary key) that makes every
    range exactly ``batch_size`` rows (the last one fewer). Without it, a range also takes every row that shares the
    value of its last one: for a field such as a time of event, where rows written at the same microsecond are few.

    For the large writes that must stay inside one transaction (an account's deletion): each range costs two
    statements that read ``batch_size`` rows and no more, its end (the row ``batch_size`` on, one OFFSET through the
    index on ``queryset``'s filter and ``key``: index-only where the index holds every field of ``key``) and the
    caller's write, bounded by it, so no ids are carried to Python and back. A LIMIT per batch instead
    (queryset_delete_in_batches) reads again, in each batch, every row the earlier batches deleted or updated in the
    same transaction: they stay in the indexes until it commits, so the batches grow longer one after the other (the
    50th of 2,000 rows walked 98,000 index entries first). Every range is bounded on both sides, the first and the
    last by the first and last rows (two more statements of one row each): bounded on one side only, a range of an
    account's newest rows, in a table of older ones, looked like most of the table to PostgreSQL's estimates, which
    then read all of the account's rows for it (0.4 s of 100,000 tasks, for 10,000).

    Give the index every field of ``key``: an end read from the table, through another index ordered by the first
    field alone, can make PostgreSQL walk that index from its start (2 s on 2.7 million audit rows).
    Rows written into an already walked range meanwhile are missed: the caller holds the lock that prevents them.
    """
    ordered = queryset.order_by(*key)
    first = ordered.values_list(*key).first()
    last = ordered.reverse().values_list(*key).first() if first is not None else None
    if first is None or last is None:
        return
    rest = ordered.filter(**{f"{key[0]}__gte": first[0]})  # no row comes before the first: its first field will do
    while True:
        # This range's last row and the one after it; no row after it, and this range is the last one.
        ends = list(rest.values_list(*key)[batch_size - 1 : batch_size + 1])
        if len(ends) < 2:
            yield rest.filter(_key_up_to(key, last))
            return
        yield rest.filter(_key_up_to(key, ends[0]))
        rest = ordered.filter(_key_after(key, ends[0]))


def _key_up_to(key: tuple[str, ...], values: tuple[Any, ...]) -> Q:
    """``key <= values``, a pair compared as a pair (a row comparison, which the ORM does not write): the condition
    on the first field alone is the index scan's bound, the rest only sorts out the rows that share its value."""
    if len(key) == 1:
        return Q(**{f"{key[0]}__lte": values[0]})
    return Q(**{f"{key[0]}__lte": values[0]}) & (Q(**{f"{key[0]}__lt": values[0]}) | Q(**{f"{key[1]}__lte": values[1]}))


def _key_after(key: tuple[str, ...], values: tuple[Any, ...]) -> Q:
    """``key > values``, as _key_up_to compares."""
    if len(key) == 1:
        return Q(**{f"{key[0]}__gt": values[0]})
    return Q(**{f"{key[0]}__gte": values[0]}) & (Q(**{f"{key[0]}__gt": values[0]}) | Q(**{f"{key[1]}__gt": values[1]}))
