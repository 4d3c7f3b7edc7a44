"""Reads of tasks, always scoped by owner: the API's and the services' queries of tasks all go through here. Only
the admin reads tasks elsewhere: its task pages through Django's ModelAdmin, and its account list with a count of
each account's tasks (backend/accounts/admin.py)."""

import itertools
import json
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cached_property
from typing import Any, cast
from uuid import UUID, uuid4

from django.core.exceptions import ValidationError
from django.db.models import Count, F, OrderBy, Q, QuerySet
from django.http import Http404, QueryDict
from django.utils import timezone
from rest_framework.request import Request

from backend.accounts.models import User
from backend.common.cached_reads import CachedRead, request_today
from backend.common.ids import uuid_or_404
from backend.common.pagination import StandardPagination
from backend.common.prepared_rows import NotPrepared, RowStatements
from backend.common.prepared_sql import PageStatement, PreparedRows
from backend.common.response_cache import FORMAT, OwnerVersionedCache, quoted_etag
from backend.common.time_zones import request_zone

from .filters import DEFAULT_ORDERING, TaskFilter, overdue_q
from .models import Task

STATS_DAYS = 14


def task_queryset(*, owner: User) -> QuerySet[Task]:
    """All of ``owner``'s tasks, unfiltered: the base of every other read and of the services' bulk writes."""
    return Task.objects.filter(owner=owner)


def task_list(*, owner: User, filters: QueryDict | dict[str, Any], today: date | None = None) -> QuerySet[Task]:
    """``owner``'s tasks filtered and ordered by ``filters`` (see filters.TaskFilter); invalid input raises a 400.
    ``today``: the user's date, which ``overdue`` compares with (default: the server's)."""
    if not _filtered(filters):
        # What the FilterSet gives for no filters (the default ordering), without building its form.
        return task_queryset(owner=owner).order_by(*_default_order())
    filterset = TaskFilter(data=filters, queryset=task_queryset(owner=owner), today=today)
    if not filterset.is_valid():
        raise ValidationError(_errors(filterset))
    return filterset.qs


def task_list_filter_errors(*, filters: QueryDict | dict[str, Any]) -> dict[str, list[str]]:
    """What task_list would refuse in ``filters``, as ``{name: [messages]}``: every filter's problem, checked
    without a query (the form only)."""
    if not _filtered(filters):
        return {}
    filterset = TaskFilter(data=filters, queryset=Task.objects.none())
    return {} if filterset.is_valid() else _errors(filterset)


def _errors(filterset: TaskFilter) -> dict[str, list[str]]:
    return {name: list(messages) for name, messages in filterset.errors.items()}


# What a list page shows of each task (serializers.task_representation reads these attributes; ``pk`` is the id).
TASK_ROW_COLUMNS = (
    "pk",
    "title",
    "description",
    "status",
    "priority",
    "due_date",
    "completed_at",
    "created_at",
    "updated_at",
)


# Rendered list pages, details and stats per owner; services.py invalidates after every write. Their shape is the
# columns a task shows: a release that shows others never serves a body, or answers a 304, of the old shape.
TASK_READS = OwnerVersionedCache("tasks", shape=",".join(TASK_ROW_COLUMNS))


def task_list_rows(
    *, owner: User, filters: QueryDict | dict[str, Any], today: date | None = None
) -> QuerySet[Any] | PreparedRows:
    """task_list(owner=owner, filters=filters, today=today) as named rows of TASK_ROW_COLUMNS only: the same rows in
    the same order (and the same COUNT), from which a list page renders without a model instance per row (about a
    tenth of its CPU). A row has ``pk`` and ``created_at`` like a Task, so pagination's deep pages and anchors work
    on it."""
    if not _filtered(filters):
        # The unfiltered list, the common one: its pages run SQL compiled once per process (PostgreSQL).
        return _UNFILTERED_ROWS.rows_for(owner.pk)
    return task_list(owner=owner, filters=filters, today=today).values_list(*TASK_ROW_COLUMNS, named=True)


def _filtered(filters: QueryDict | dict[str, Any]) -> bool:
    return any(name in filters for name in TaskFilter.base_filters)


def _default_order() -> tuple[OrderBy, str]:
    return F("created_at").desc(), "-id"


# A template, never evaluated itself: each list clones it (QuerySet.filter), so it holds no rows or owner. It
# has the columns resolved already: naming them costs more than the rest of building the query.
_TASK_ROWS: QuerySet[Any] = Task.objects.values_list(*TASK_ROW_COLUMNS, named=True)


def _unfiltered_rows(owner_id: UUID) -> QuerySet[Any]:
    return _TASK_ROWS.filter(owner_id=owner_id).order_by(*_default_order())


def _seek(rows: QuerySet[Any], created_at: datetime, pk: UUID) -> QuerySet[Any]:
    # Rows at or after the anchor in (-created_at, -id) order; created_at <= bounds the index scan.
    return rows.filter(Q(created_at__lt=created_at) | Q(created_at=created_at, id__lte=pk), created_at__lte=created_at)


_UNFILTERED_ROWS = PageStatement(_unfiltered_rows, model=Task, markers=(uuid4(),))
# A deep page of the unfiltered list from its remembered anchor (TaskPageAnchors.seek).
_UNFILTERED_ROWS_FROM = PageStatement(
    lambda owner_id, created_at, pk: _seek(_unfiltered_rows(owner_id), created_at, pk),
    model=Task,
    markers=(uuid4(), datetime(1970, 1, 2, 3, 4, 5, 678901, tzinfo=UTC), uuid4()),
)


def task_export_iter(*, owner: User, chunk_size: int = 2000) -> Iterator[Task]:
    """Every task of ``owner``, oldest first, streamed from the database ``chunk_size`` rows at a time (a
    server-side cursor on PostgreSQL): the data export reads 100,000 tasks in bounded memory."""
    return task_queryset(owner=owner).order_by("created_at", "id").iterator(chunk_size=chunk_size)


# A task's row read and written by SQL written once per process, where it can be (PostgreSQL; services.py writes).
TASK_ROW_STATEMENTS = RowStatements(Task)


def task_get(*, owner: User, task_id: Any) -> Task:
    """``owner``'s task with this id; a malformed id or anybody else's task is a 404, never a 403."""
    pk = uuid_or_404(task_id)
    try:
        task = TASK_ROW_STATEMENTS.get(pk=pk, owner_id=owner.pk)
    except NotPrepared:
        task = _orm_get(owner=owner, pk=pk)
    if task is None:
        raise Http404("Task not found.")
    return cast(Task, task)


def _orm_get(*, owner: User, pk: UUID) -> Task | None:
    try:
        return task_queryset(owner=owner).get(pk=pk)
    except Task.DoesNotExist:
        return None


def task_row(*, task: Task, version: int | None = None) -> QuerySet[Task]:
    """Just this task's row, addressed by owner and id (so a write reaches one shard when sharded by owner); with
    ``version``, only while the row is at that version (a compare-and-set)."""
    if version is None:
        return Task.objects.filter(owner_id=task.owner_id, pk=task.pk)
    return Task.objects.filter(owner_id=task.owner_id, pk=task.pk, version=version)  # one filter(): one clone


def task_etag(task: Task) -> str:
    """A strong validator of the task's representation: its ``version`` moves on every write that changes it, and
    the representation's shape (TASK_READS.shape, and the cached bodies' FORMAT) is part of it, so a release that
    changes the task's JSON answers a browser's old copy with the new one, not a 304."""
    return quoted_etag(f"{FORMAT}:{TASK_READS.shape}:{task.pk}:{task.version}".encode())


# ------------------------------------------------------------------------------
# Cached reads (common.cached_reads.CachedRead): the key of each comes from the request
# ------------------------------------------------------------------------------
def _list_parts(request: Request) -> list[str]:
    # The page's scheme, host, path and query string exactly as received (its next/previous links are built from
    # them: two spellings of the same parameters, such as raw UTF-8 and its %-escapes, give different links), and
    # today's date (``overdue`` depends on it). Worked out on every list request, cached or not.
    query = request.META.get("QUERY_STRING", "")
    return [request.scheme or "", request.get_host(), request.path, request_today(request), query]


def _count_parts(filters: QueryDict | dict[str, Any], request: Request | None = None) -> list[str]:
    params = sorted((name, values) for name, values in _lists(filters) if name in TaskFilter.base_filters)
    return [request_today(request), json.dumps(params)]  # ``overdue`` depends on the date


def _anchor_parts(request: Request) -> list[str] | None:
    # TaskPageAnchors.get's parts for the deep page this request asks for, so its anchor is read ahead with the
    # session (no round trip of its own); None where no anchor will be looked up.
    filters = request.query_params
    page = StandardPagination.deep_page_requested(request)
    if page is None or filters.get("ordering") not in (None, "", DEFAULT_ORDERING):
        return None
    number, per_page = page
    return _anchor_key_parts(_count_parts(filters, request), number=number, per_page=per_page)


def _anchor_key_parts(count_parts: list[str], *, number: int, per_page: int) -> list[str]:
    return [*count_parts, str(per_page), str(number)]


def _detail_parts(request: Request) -> list[str] | None:
    try:
        pk = uuid_or_404(request.resolver_match.kwargs.get("task_id") if request.resolver_match else None)
    except Http404:
        return None  # a malformed id: the read answers 404, which is not cached
    return [str(pk)]


def _stats_parts(request: Request) -> list[str]:
    # The zone as well as its date: two zones on the same date still split the days at different hours.
    return [request_today(request), str(request_zone(request))]


# One list page (body with its pagination links), rendered by the view from task_list.
TASK_LIST_PAGE = CachedRead(TASK_READS, "list", _list_parts, from_url_and_date=True)
# The count of a filter set, shared by all its pages (the body's TTL does not bound it: see get_or_count).
TASK_LIST_COUNT = CachedRead(
    TASK_READS, "count", lambda request: _count_parts(request.query_params, request), from_url_and_date=True
)
# A deep page's anchor (TaskPageAnchors), per filter set, page size and number.
TASK_LIST_ANCHOR = CachedRead(TASK_READS, "anchor", _anchor_parts, from_url_and_date=True)
TASK_DETAIL = CachedRead(TASK_READS, "detail", _detail_parts, from_url_and_date=True)
TASK_STATS = CachedRead(TASK_READS, "stats", _stats_parts, from_url_and_date=True)


class TaskPageAnchors:
    """The first row's (created_at, id) of each deep page of one filter set under the default ordering, kept
    per owner version (pagination.PageAnchors): such a page is then read by seeking the index to that key."""

    def __init__(
        self,
        *,
        owner: User,
        filters: QueryDict | dict[str, Any],
        request: Request | None = None,
        read_ahead: Mapping[str, Any] | None = None,
    ) -> None:
        self.owner_id = owner.pk
        self.filters = filters
        self.request = request  # its date, as TASK_LIST_ANCHOR's key has it (the same key across midnight)
        self.read_ahead = read_ahead  # the view's (TASK_LIST_ANCHOR's keys among them, for a deep page)
        self._looked_up: dict[tuple[int, int], tuple[int | None, str]] = {}

    @cached_property
    def parts(self) -> list[str]:
        # Only deep pages use anchors: the first pages, nearly every request, never work this out.
        return _count_parts(self.filters, self.request)

    def get(self, number: int, per_page: int) -> tuple[datetime, UUID] | None:
        parts = _anchor_key_parts(self.parts, number=number, per_page=per_page)
        version, key, value = TASK_READS.lookup(
            owner_id=self.owner_id, kind="anchor", parts=parts, read_ahead=self.read_ahead
        )
        self._looked_up[number, per_page] = (version, key)
        match value:
            case [str() as created_at, str() as pk]:
                return datetime.fromisoformat(created_at), UUID(pk)
        return None

    def put(self, number: int, per_page: int, first_row: Any) -> None:
        # ``first_row``: a Task or a task_list_rows row (both have created_at and pk).
        version, key = self._looked_up.get((number, per_page), (None, ""))
        TASK_READS.store(key, version, (first_row.created_at.isoformat(), str(first_row.pk)), owner_id=self.owner_id)

    def seek(self, rows: QuerySet[Any] | PreparedRows, anchor: tuple[datetime, UUID]) -> QuerySet[Any] | PreparedRows:
        """``rows`` from the anchor on: the unfiltered list's prepared rows by their own prepared statement."""
        created_at, pk = anchor
        if isinstance(rows, PreparedRows):
            return _UNFILTERED_ROWS_FROM.rows_for(self.owner_id, created_at, pk)
        return _seek(rows, created_at, pk)


def task_page_anchors(
    *,
    owner: User,
    filters: QueryDict | dict[str, Any],
    request: Request | None = None,
    read_ahead: Mapping[str, Any] | None = None,
) -> TaskPageAnchors | None:
    """Anchors for deep pages of ``owner``'s list under ``filters``; None unless it is in the default order.
    ``request`` and ``read_ahead``: the view's, whose TASK_LIST_ANCHOR keys authentication fetched already."""
    if filters.get("ordering") not in (None, "", DEFAULT_ORDERING):
        return None
    return TaskPageAnchors(owner=owner, filters=filters, request=request, read_ahead=read_ahead)


def _lists(filters: QueryDict | dict[str, Any]) -> list[tuple[str, list[Any]]]:
    if isinstance(filters, QueryDict):
        return list(filters.lists())
    return [(name, value if isinstance(value, list) else [value]) for name, value in filters.items()]


def task_stats(*, owner: User, today: date | None = None, zone: tzinfo | None = None) -> dict[str, Any]:
    """Counts by status and priority, overdue, and tasks completed on each of the last 14 days (today included).

    ``zone``: the user's time zone, whose days the completions are counted on, and ``today`` the date there
    (defaults: the current zone and its date). One conditional aggregate whatever the data. Each day is bounded by
    the zone's midnights, worked out here as instants (DST included): the database is given no zone name, which its
    own time-zone data (a managed server's, older than the app's) might not know.
    """
    zone = zone or timezone.get_current_timezone()
    today = today or timezone.localdate(timezone=zone)
    first_day = today - timedelta(days=STATS_DAYS - 1)
    days = [first_day + timedelta(days=offset) for offset in range(STATS_DAYS)]
    midnights = [datetime.combine(day, time.min, tzinfo=zone) for day in [*days, today + timedelta(days=1)]]
    done = Q(status=Task.Status.DONE)
    counts = task_queryset(owner=owner).aggregate(
        total=Count("id"),
        overdue=Count("id", filter=overdue_q(today=today)),
        **{f"status_{value}": Count("id", filter=Q(status=value)) for value in Task.Status.values},
        **{f"priority_{value}": Count("id", filter=Q(priority=value)) for value in Task.Priority.values},
        **{
            f"day_{index}": Count("id", filter=done & Q(completed_at__gte=start, completed_at__lt=end))
            for index, (start, end) in enumerate(itertools.pairwise(midnights))
        },
    )

    return {
        "total": counts["total"],
        "by_status": {value: counts[f"status_{value}"] for value in Task.Status.values},
        "by_priority": {value: counts[f"priority_{value}"] for value in Task.Priority.values},
        "overdue": counts["overdue"],
        "completed_per_day": [{"date": day, "count": counts[f"day_{index}"]} for index, day in enumerate(days)],
    }
