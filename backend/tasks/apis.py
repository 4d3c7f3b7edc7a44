"""Thin HTTP layer over the task services and selectors: validate input, call one function, serialize."""

from typing import cast

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.accounts.models import User
from backend.common.pagination import StandardPagination
from backend.common.schema import ErrorSerializer

from .filters import DEFAULT_ORDERING, ORDERING_CHOICES, SEARCH_MAX_LENGTH
from .models import Task
from .selectors import task_get, task_list, task_stats
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


def _owner(request: Request) -> User:
    """The signed-in user; IsAuthenticated (the default permission) guarantees it is not anonymous."""
    return cast(User, request.user)


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


class TaskListApi(APIView):
    @extend_schema(
        tags=TAGS,
        summary="List your tasks",
        operation_id="tasks_list",
        parameters=LIST_PARAMETERS,
        responses={
            200: PaginatedTaskListSerializer,
            400: OpenApiResponse(TaskListValidationErrorSerializer, description="An invalid query parameter."),
            401: UNAUTHORIZED,
            404: OpenApiResponse(ErrorSerializer, description="The page is past the last one."),
        },
    )
    def get(self, request: Request) -> Response:
        tasks = task_list(owner=_owner(request), filters=request.query_params)
        paginator = StandardPagination()
        page = paginator.paginate_queryset(tasks, request, view=self)
        return paginator.get_paginated_response(TaskOutputSerializer(page, many=True).data)

    @extend_schema(
        tags=TAGS,
        summary="Create a task",
        request=TaskInputSerializer,
        responses={201: TaskOutputSerializer, 400: INVALID_TASK, 401: UNAUTHORIZED},
    )
    def post(self, request: Request) -> Response:
        serializer = TaskInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        task = task_create(owner=_owner(request), **serializer.validated_data)
        return Response(TaskOutputSerializer(task).data, status=status.HTTP_201_CREATED)


class TaskDetailApi(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Get one of your tasks",
        parameters=[TASK_ID],
        responses={200: TaskOutputSerializer, 401: UNAUTHORIZED, 404: NOT_FOUND},
    )
    def get(self, request: Request, task_id: str) -> Response:
        task = task_get(owner=_owner(request), task_id=task_id)
        return Response(TaskOutputSerializer(task).data)

    @extend_schema(
        tags=TAGS,
        summary="Replace a task",
        description="Every field is set: omitted optional fields return to their defaults.",
        parameters=[TASK_ID],
        request=TaskInputSerializer,
        responses={200: TaskOutputSerializer, 400: INVALID_TASK, 401: UNAUTHORIZED, 404: NOT_FOUND},
    )
    def put(self, request: Request, task_id: str) -> Response:
        return self._update(request, task_id, partial=False)

    @extend_schema(
        tags=TAGS,
        summary="Update some fields of a task",
        description="Moving to `done` sets `completed_at`; leaving `done` clears it.",
        parameters=[TASK_ID],
        request=TaskInputSerializer(partial=True),
        responses={200: TaskOutputSerializer, 400: INVALID_TASK, 401: UNAUTHORIZED, 404: NOT_FOUND},
    )
    def patch(self, request: Request, task_id: str) -> Response:
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

    def _update(self, request: Request, task_id: str, *, partial: bool) -> Response:
        # Look the task up first, so another user's task is a 404 whatever the body holds.
        task = task_get(owner=_owner(request), task_id=task_id)
        serializer = TaskInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        task = task_update(task=task, data=serializer.validated_data)
        return Response(TaskOutputSerializer(task).data)


class TaskStatsApi(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Counts over your tasks",
        responses={200: TaskStatsSerializer, 401: UNAUTHORIZED},
    )
    def get(self, request: Request) -> Response:
        return Response(TaskStatsSerializer(task_stats(owner=_owner(request))).data)


class TaskBulkApi(APIView):
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
