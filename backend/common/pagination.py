"""Page-number pagination that rejects malformed paging input instead of guessing."""

from collections.abc import Callable
from functools import cached_property, partial
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request


def _positive_int(raw: str, name: str) -> int:
    # ASCII digits only: int() would also take "١٢", "+3" and " 3 ".
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 2**31:
        raise ValidationError({name: ["Must be a positive integer."]})
    return int(raw)


# From this offset on, a page is fetched as ids first (an index-only scan walks the skipped rows), then
# those rows by id: a plain OFFSET reads every skipped row from the table.
DEFERRED_JOIN_MIN_OFFSET = 1000


class DeferredJoinPaginator(Paginator):
    """Django's Paginator, fetching deep pages of a queryset with a deferred join (same rows, same order),
    and taking the total from ``count_source`` when given (e.g. a cached count)."""

    def __init__(self, *args: Any, count_source: Callable[[], int] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._count_source = count_source

    @cached_property
    def count(self) -> int:
        if self._count_source is not None:
            return self._count_source()
        return super().count

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        queryset = self.object_list
        if bottom < DEFERRED_JOIN_MIN_OFFSET or not isinstance(queryset, QuerySet) or not queryset.ordered:
            return super().page(number)
        top = min(bottom + self.per_page, self.count)
        ids = list(queryset.values_list("pk", flat=True)[bottom:top])
        rows = {row.pk: row for row in queryset.filter(pk__in=ids).order_by()}
        return Page([rows[pk] for pk in ids if pk in rows], number, self)


class StandardPagination(PageNumberPagination):
    """``?page=N&page_size=M`` → ``{count, next, previous, results}``.

    A non-integer or non-positive ``page``/``page_size`` is a 400; ``page_size``
    above the cap is clamped to it; a page past the end is DRF's 404.
    """

    django_paginator_class: Any = DeferredJoinPaginator
    page_size = 20

    def __init__(self, *, count: Callable[[], int] | None = None) -> None:
        """``count``: the total number of items, if the caller has a cheaper way than COUNT (a cached count)."""
        if count is not None:
            self.django_paginator_class = partial(DeferredJoinPaginator, count_source=count)

    max_page_size = 100
    page_size_query_param = "page_size"

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        return min(_positive_int(raw, self.page_size_query_param), self.max_page_size)

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> Any:
        raw_page = request.query_params.get(self.page_query_param)
        if raw_page is not None:
            _positive_int(raw_page, self.page_query_param)
        return super().paginate_queryset(queryset, request, view)
