"""The OpenAPI description of the tasks API (drf-spectacular): one decorator per operation, applied in apis.py.

Kept out of the views so that apis.py reads as the HTTP behaviour alone.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers

from backend.common.pagination import StandardPagination
from backend.common.schema import ErrorSerializer

from .filters import DEFAULT_ORDERING, ORDERING_CHOICES, SEARCH_MAX_LENGTH
from .models import Task
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

# ------------------------------------------------------------------------------
# Operations
# ------------------------------------------------------------------------------
tasks_list = extend_schema(
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

tasks_create = extend_schema(
    tags=TAGS,
    summary="Create a task",
    request=TaskInputSerializer,
    parameters=[ETAG_HEADER],
    responses={201: TaskOutputSerializer, 400: INVALID_TASK, 401: UNAUTHORIZED},
)

tasks_retrieve = extend_schema(
    tags=TAGS,
    summary="Get one of your tasks",
    parameters=[TASK_ID, IF_NONE_MATCH, ETAG_HEADER],
    responses={200: TaskOutputSerializer, 304: NOT_MODIFIED, 401: UNAUTHORIZED, 404: NOT_FOUND},
)

tasks_update = extend_schema(
    tags=TAGS,
    summary="Replace a task",
    description="Every field is set: omitted optional fields return to their defaults.",
    parameters=[TASK_ID, IF_MATCH, ETAG_HEADER],
    request=TaskInputSerializer,
    responses={200: TaskOutputSerializer, 400: INVALID_TASK, 401: UNAUTHORIZED, 404: NOT_FOUND, 412: STALE},
)

tasks_partial_update = extend_schema(
    tags=TAGS,
    summary="Update some fields of a task",
    description="Moving to `done` sets `completed_at`; leaving `done` clears it.",
    parameters=[TASK_ID, IF_MATCH, ETAG_HEADER],
    request=TaskInputSerializer(partial=True),
    responses={200: TaskOutputSerializer, 400: INVALID_TASK, 401: UNAUTHORIZED, 404: NOT_FOUND, 412: STALE},
)

tasks_destroy = extend_schema(
    tags=TAGS,
    summary="Delete a task",
    parameters=[TASK_ID],
    responses={204: None, 401: UNAUTHORIZED, 404: NOT_FOUND},
)

tasks_stats = extend_schema(
    tags=TAGS,
    summary="Counts over your tasks",
    parameters=[IF_NONE_MATCH, ETAG_HEADER],
    responses={200: TaskStatsSerializer, 304: NOT_MODIFIED, 401: UNAUTHORIZED},
)

tasks_bulk = extend_schema(
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
