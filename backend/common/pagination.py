"""Page-number pagination that rejects malformed paging input instead of guessing."""

from collections.abc import Callable, Iterator
from functools import cached_property, partial
from typing import Any, Protocol, cast

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from .prepared_sql import PreparedRows

# The largest page number or size accepted (documented as the schema's maximum).
MAX_PAGE_PARAMETER = 2**31


def _positive_int(raw: str, name: str) -> int:
    # ASCII digits only: int() would also take "١٢", "+3" and " 3 ". The length bound comes first: int() of
    # more than 4,300 digits raises (a 500), and no valid value has more than 10.
    if not (len(raw) <= 10 and raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_PAGE_PARAMETER:
        raise ValidationError({name: ["Must be a positive integer."]})
    return int(raw)


# From this offset on, a page is read from its remembered anchor (PageAnchors) when there is one; else as
# ids first, then those rows by id (the skipped rows are walked in the index, an index-only scan once the
# visibility map is set), remembering the anchor for next time.
DEFERRED_JOIN_MIN_OFFSET = 1000


class PageAnchors(Protocol):
    """Where deep pages start, remembered while the data is unchanged (e.g. per owner version): a page found
    once is then read by seeking to its first row's sort key, not by skipping every row before it."""

    def get(self, number: int, per_page: int) -> Any | None: ...

    def put(self, number: int, per_page: int, first_row: Any) -> None: ...

    def seek(self, rows: Any, anchor: Any) -> Any: ...


class DeferredJoinPaginator(Paginator):
    """Django's Paginator, fetching deep pages of a queryset from a remembered anchor (``anchors``) or else
    with a deferred join (same rows, same order), and taking the total from ``count_source`` when given."""

    def __init__(
        self,
        *args: Any,
        count_source: Callable[[], int] | None = None,
        anchors: PageAnchors | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._count_source = count_source
        self._anchors = anchors

    def _get_page(self, *args: Any, **kwargs: Any) -> Page:
        return _ListPage(*args, **kwargs)

    @cached_property
    def count(self) -> int:
        if self._count_source is not None:
            return self._count_source()
        return super().count

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = self.object_list
        # Rows from prepared SQL (common/prepared_sql.py) build their queryset only for the deferred join below.
        if bottom < DEFERRED_JOIN_MIN_OFFSET or not isinstance(rows, QuerySet | PreparedRows) or not rows.ordered:
            return super().page(number)
        top = min(bottom + self.per_page, self.count)
        anchors = self._anchors
        anchor = anchors.get(number, self.per_page) if anchors is not None else None
        if anchors is not None and anchor is not None:
            return self._get_page(list(anchors.seek(rows, anchor)[: top - bottom]), number, self)
        queryset = rows.queryset if isinstance(rows, PreparedRows) else rows
        ids = list(queryset.values_list("pk", flat=True)[bottom:top])
        by_id = {row.pk: row for row in queryset.filter(pk__in=ids).order_by()}
        page_rows = [by_id[pk] for pk in ids if pk in by_id]
        if page_rows and anchors is not None:
            anchors.put(number, self.per_page, page_rows[0])
        return self._get_page(page_rows, number, self)


class _ListPage(Page):
    """A Page whose iteration (DRF's ``list(page)``) walks its rows as a list, not one ``page[i]`` call per row."""

    def __iter__(self) -> Iterator[Any]:
        if not isinstance(self.object_list, list):
            self.object_list = list(self.object_list)  # what Page.__getitem__ does first
        return iter(self.object_list)


class StandardPagination(PageNumberPagination):
    """``?page=N&page_size=M`` → ``{count, next, previous, results}``.

    A non-integer or non-positive ``page``/``page_size`` is a 400; ``page_size``
    above the cap is clamped to it; a page past the end is DRF's 404.
    """

    django_paginator_class: Any = DeferredJoinPaginator
    page_size = 20
    max_page_size = 100
    page_size_query_param = "page_size"

    def __init__(self, *, count: Callable[[], int] | None = None, anchors: PageAnchors | None = None) -> None:
        """``count``: the total number of items, if the caller has a cheaper way than COUNT (a cached count);
        ``anchors``: where deep pages start, if the caller can remember it (see PageAnchors)."""
        if count is not None or anchors is not None:
            self.django_paginator_class = partial(DeferredJoinPaginator, count_source=count, anchors=anchors)

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        return min(_positive_int(raw, self.page_size_query_param), self.max_page_size)

    @classmethod
    def parameter_errors(cls, query_params: Any) -> dict[str, list[str]]:
        """What paginate_queryset would refuse of ``page`` and ``page_size``, both at once: ``{name: [message]}``."""
        errors: dict[str, list[str]] = {}
        for name in (cls.page_query_param, cls.page_size_query_param):
            raw = query_params.get(name)
            if raw is not None:
                try:
                    _positive_int(raw, name)
                except ValidationError as error:
                    errors.update(cast(dict[str, list[str]], error.detail))
        return errors

    @classmethod
    def deep_page_requested(cls, request: Request) -> tuple[int, int] | None:
        """The (page number, page size) this request asks for when the page starts at DEFERRED_JOIN_MIN_OFFSET or
        later (where anchors are used), as paginate_queryset will read them; None for a shallower page, "last", or
        paging input it will refuse."""
        raw_page = request.query_params.get(cls.page_query_param)
        if not raw_page:
            return None  # the first page, nearly every request
        try:
            number = _positive_int(raw_page, cls.page_query_param)
            per_page = cls().get_page_size(request)
        except ValidationError:
            return None
        return (number, per_page) if (number - 1) * per_page >= DEFERRED_JOIN_MIN_OFFSET else None

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> Any:
        raw_page = request.query_params.get(self.page_query_param)
        if raw_page is not None:
            _positive_int(raw_page, self.page_query_param)
        return super().paginate_queryset(queryset, request, view)

    def paginated_data(self, results: Any) -> dict[str, Any]:
        """The body get_paginated_response answers, without building a Response around it (for render_json)."""
        page = cast(Page, self.page)  # set by paginate_queryset, which comes first
        return {
            "count": page.paginator.count,
            "next": self.get_next_link(),
            "previous": self.get_previous_link(),
            "results": results,
        }

    def get_paginated_response(self, data: Any) -> Response:
        return Response(self.paginated_data(data))
