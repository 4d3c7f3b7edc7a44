"""Thin HTTP layer over the task services and selectors: validate input, call one function, serialize."""

from typing import cast

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from backend.accounts.models import User
from backend.common.pagination import StandardPagination
from backend.common.response_cache import (
    RenderedBody,
    conditional_json_response,
    if_match_etags,
    json_response,
    render_json,
    request_read_ahead,
)
from backend.common.schema import ErrorSerializer
from backend.common.views import ApiView

from .filters import DEFAULT_ORDERING, ORDERING_CHOICES, SEARCH_MAX_LENGTH
from .models import Task
from .selectors import (
    task_detail_cache_keys,
    task_detail_cached,
    task_etag,
    task_get,
    task_list,
    task_list_cache_keys,
    task_list_cached,
    task_list_count_cache_keys,
    task_list_count_cached,
    task_page_anchors,
    task_stats_cache_keys,
    task_stats_cached,
)
from .serializers import (
    TaskBulkInputSerializer,
    TaskBulkOutputSerializer,
    TaskBulkValidationErrorSerializer,
    TaskInputSerializer,
    TaskListValidationErrorSerializer,
    TaskOutputSerializer,
    TaskStatsSerializer,
    TaskValidationErrorSerializer,
)
from .services import task_bulk_apply, task_create, task_delete, task_update

TAGS = ["tasks"]

UNAUTHORIZED = OpenApiResponse(
    ErrorSerializer, description="No valid access token, or its session was signed out (`code` says which)."
)
NOT_FOUND = OpenApiResponse(
    ErrorSerializer, description="None of your tasks has this id (another user's task or a malformed id)."
)
INVALID_TASK = OpenApiResponse(
    TaskValidationErrorSerializer,
    description="Invalid fields, as `{field: [messages]}`; a malformed JSON body is `{detail, code}`.",
)
TASK_ID = OpenApiParameter("task_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The task's id.")
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="An ETag from an earlier response: 304 with no body if it is still current.",
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The task's ETag as you last read it: the write happens only if it is still current, else 412. "
    "Without the header the write always happens.",
)
ETAG_HEADER = OpenApiParameter(
    "ETag", OpenApiTypes.STR, OpenApiParameter.HEADER, response=True, description="Validator of this body."
)
NOT_MODIFIED = OpenApiResponse(description="Not modified: your copy (If-None-Match) is current.")
STALE = OpenApiResponse(ErrorSerializer, description="The task changed since the ETag in If-Match.")


def _owner(request: Request) -> User:
    """The signed-in user; IsAuthenticated (the default permission) guarantees it is not anonymous."""
    return cast(User, request.user)


def _render_task(task: Task) -> RenderedBody:
    return render_json(TaskOutputSerializer(task).data, etag=task_etag(task))


class PaginatedTaskListSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = TaskOutputSerializer(many=True)


def _list_parameter(name: str, choices: list[str]) -> OpenApiParameter:
    return OpenApiParameter(
        name,
        OpenApiTypes.STR,
        enum=choices,
        many=True,
        style="form",
        explode=False,
        description=f"One {name} or a comma-separated list of them; any unknown one is a 400.",
    )


LIST_PARAMETERS = [
    _list_parameter("status", Task.Status.values),
    _list_parameter("priority", Task.Priority.values),
    OpenApiParameter(
        "search",
        OpenApiTypes.STR,
        description=f"Case-insensitive substring of the title or the description, taken literally "
        f"(no wildcards or regex); at most {SEARCH_MAX_LENGTH} characters.",
    ),
    OpenApiParameter("due_before", OpenApiTypes.DATE, description="Due on or before this date (YYYY-MM-DD)."),
    OpenApiParameter("due_after", OpenApiTypes.DATE, description="Due on or after this date (YYYY-MM-DD)."),
    OpenApiParameter(
        "overdue",
        OpenApiTypes.STR,
        enum=["true", "false"],
        description="true: due before today and not done; false: every other task (including those with no due date).",
    ),
    OpenApiParameter(
        "ordering",
        OpenApiTypes.STR,
        enum=list(ORDERING_CHOICES),
        default=DEFAULT_ORDERING,
        description="One field, `-` for descending. Ties break on id in the same direction. Priority orders "
        "low < medium < high, titles case-insensitively; tasks with no due date come last either way.",
    ),
    OpenApiParameter("page", OpenApiTypes.INT, description="1-based page number; past the last page is a 404."),
    OpenApiParameter(
        "page_size",
        OpenApiTypes.INT,
        default=StandardPagination.page_size,
        description=f"Tasks per page, at most {StandardPagination.max_page_size} (larger values are capped).",
    ),
]


class TaskListApi(ApiView):
    def cache_read_ahead(self, request: Request, user_id: str) -> tuple[str, ...]:
        """Keys of the cached page a GET reads, fetched by authentication in its own round trip."""
        if request.method != "GET":
            return ()
        page_url = request.build_absolute_uri(request.path)
        filters = request.query_params
        return (
            *task_list_cache_keys(owner_id=user_id, filters=filters, page_url=page_url),
            *task_list_count_cache_keys(owner_id=user_id, filters=filters),
        )

    @extend_schema(
        tags=TAGS,
        summary="List your tasks",
        operation_id="tasks_list",
        parameters=[*LIST_PARAMETERS, IF_NONE_MATCH, ETAG_HEADER],
        responses={
            200: PaginatedTaskListSerializer,
            304: NOT_MODIFIED,
            400: OpenApiResponse(TaskListValidationErrorSerializer, description="An invalid query parameter."),
            401: UNAUTHORIZED,
            404: OpenApiResponse(ErrorSerializer, description="The page is past the last one."),
        },
    )
    def get(self, request: Request) -> HttpResponse:
        owner = _owner(request)

        read_ahead = request_read_ahead(request._request)

        def render() -> RenderedBody:
            filters = request.query_params
            tasks = task_list(owner=owner, filters=filters)
            paginator = StandardPagination(
                count=lambda: task_list_count_cached(
                    owner=owner, filters=filters, queryset=tasks, read_ahead=read_ahead
                ),
                anchors=task_page_anchors(owner=owner, filters=filters),
            )
            page = paginator.paginate_queryset(tasks, request, self)
            return render_json(paginator.get_paginated_response(TaskOutputSerializer(page, many=True).data).data)

        page_url = request.build_absolute_uri(request.path)
        cached = task_list_cached(
            owner=owner,
            filters=request.query_params,
            page_url=page_url,
            render=render,
            read_ahead=read_ahead,
        )
        return conditional_json_response(request, cached)

    @extend_schema(
        tags=TAGS,
        summary="Create a task",
        request=TaskInputSerializer,
        parameters=[ETAG_HEADER],
        responses={201: TaskOutputSerializer, 400: INVALID_TASK, 401: UNAUTHORIZED},
    )
    def post(self, request: Request) -> HttpResponse:
        serializer = TaskInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        task = task_create(owner=_owner(request), **serializer.validated_data)
        return json_response(_render_task(task), status=status.HTTP_201_CREATED)


class TaskDetailApi(ApiView):
    def cache_read_ahead(self, request: Request, user_id: str) -> tuple[str, ...]:
        keys = task_detail_cache_keys(owner_id=user_id, task_id=self.kwargs.get("task_id"))
        return keys if keys is not None and request.method == "GET" else ()

    @extend_schema(
        tags=TAGS,
        summary="Get one of your tasks",
        parameters=[TASK_ID, IF_NONE_MATCH, ETAG_HEADER],
        responses={200: TaskOutputSerializer, 304: NOT_MODIFIED, 401: UNAUTHORIZED, 404: NOT_FOUND},
    )
    def get(self, request: Request, task_id: str) -> HttpResponse:
        cached = task_detail_cached(
            owner=_owner(request), task_id=task_id, render=_render_task, read_ahead=request_read_ahead(request._request)
        )
        return conditional_json_response(request, cached)

    @extend_schema(
        tags=TAGS,
        summary="Replace a task",
        description="Every field is set: omitted optional fields return to their defaults.",
        parameters=[TASK_ID, IF_MATCH, ETAG_HEADER],
        request=TaskInputSerializer,
        responses={200: TaskOutputSerializer, 400: INVALID_TASK, 401: UNAUTHORIZED, 404: NOT_FOUND, 412: STALE},
    )
    def put(self, request: Request, task_id: str) -> HttpResponse:
        return self._update(request, task_id, partial=False)

    @extend_schema(
        tags=TAGS,
        summary="Update some fields of a task",
        description="Moving to `done` sets `completed_at`; leaving `done` clears it.",
        parameters=[TASK_ID, IF_MATCH, ETAG_HEADER],
        request=TaskInputSerializer(partial=True),
        responses={200: TaskOutputSerializer, 400: INVALID_TASK, 401: UNAUTHORIZED, 404: NOT_FOUND, 412: STALE},
    )
    def patch(self, request: Request, task_id: str) -> HttpResponse:
        return self._update(request, task_id, partial=True)

    @extend_schema(
        tags=TAGS,
        summary="Delete a task",
        parameters=[TASK_ID],
        responses={204: None, 401: UNAUTHORIZED, 404: NOT_FOUND},
    )
    def delete(self, request: Request, task_id: str) -> Response:
        task = task_get(owner=_owner(request), task_id=task_id)
        task_delete(task=task)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _update(self, request: Request, task_id: str, *, partial: bool) -> HttpResponse:
        # Look the task up first, so another user's task is a 404 whatever the body holds.
        task = task_get(owner=_owner(request), task_id=task_id)
        serializer = TaskInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        task = task_update(task=task, data=serializer.validated_data, if_match=if_match_etags(request))
        return json_response(_render_task(task))


class TaskStatsApi(ApiView):
    def cache_read_ahead(self, request: Request, user_id: str) -> tuple[str, ...]:
        return task_stats_cache_keys(owner_id=user_id) if request.method == "GET" else ()

    @extend_schema(
        tags=TAGS,
        summary="Counts over your tasks",
        parameters=[IF_NONE_MATCH, ETAG_HEADER],
        responses={200: TaskStatsSerializer, 304: NOT_MODIFIED, 401: UNAUTHORIZED},
    )
    def get(self, request: Request) -> HttpResponse:
        cached = task_stats_cached(
            owner=_owner(request),
            render=lambda stats: render_json(TaskStatsSerializer(stats).data),
            read_ahead=request_read_ahead(request._request),
        )
        return conditional_json_response(request, cached)


class TaskBulkApi(ApiView):
    @extend_schema(
        tags=TAGS,
        summary="Apply one action to many of your tasks",
        description="All or nothing. `complete` marks done; `set_status` / `set_priority` need `value`. Ids that "
        "are not yours are ignored; `updated` counts the tasks actually changed.",
        request=TaskBulkInputSerializer,
        responses={
            200: TaskBulkOutputSerializer,
            400: OpenApiResponse(TaskBulkValidationErrorSerializer, description="Invalid ids, action or value."),
            401: UNAUTHORIZED,
        },
    )
    def post(self, request: Request) -> Response:
        serializer = TaskBulkInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        updated = task_bulk_apply(owner=_owner(request), **serializer.validated_data)
        return Response(TaskBulkOutputSerializer({"updated": updated}).data)
