"""Page-number pagination that rejects malformed paging input instead of guessing."""

from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request


def _positive_int(raw: str, name: str) -> int:
    # ASCII digits only: int() would also take "١٢", "+3" and " 3 ".
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 2**31:
        raise ValidationError({name: ["Must be a positive integer."]})
    return int(raw)


class StandardPagination(PageNumberPagination):
    """``?page=N&page_size=M`` → ``{count, next, previous, results}``.

    A non-integer or non-positive ``page``/``page_size`` is a 400; ``page_size``
    above the cap is clamped to it; a page past the end is DRF's 404.
    """

    page_size = 20
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
