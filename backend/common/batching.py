"""Bulk deletes that never hold long locks."""

from collections.abc import Callable

from django.db.models import Model, QuerySet


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
