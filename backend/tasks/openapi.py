"""The OpenAPI description of the tasks API (drf-spectacular): one decorator per operation, applied in apis.py.

Kept out of the views so that apis.py reads as the HTTP behaviour alone.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers

from backend.common.idempotency import KEY_HEADER, KEY_MAX_LENGTH, REPLAYED_HEADER
from backend.common.schema import BODY_REQUIRED, ErrorSerializer, page_parameters
from backend.common.time_zones import TIME_ZONE_MAX_LENGTH, TIME_ZONE_PARAM

from .filters import DEFAULT_ORDERING, ORDERING_CHOICES, SEARCH_MAX_LENGTH
from .models import Task
from .serializers import (
    TaskBulkOutputSerializer,
    TaskBulkValidationErrorSerializer,
    TaskInputSerializer,
    TaskListValidationErrorSerializer,
    TaskOutputSerializer,
    TaskStatsSerializer,
    TaskStatsValidationErrorSerializer,
    TaskValidationErrorSerializer,
)
from .services import BULK_ACTIONS, BULK_MAX_IDS, BULK_VALUE_CHOICES

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
    description="The task's ETag as you last read it (`*` for any version, or a comma-separated list of ETags): "
    "the write happens only if it is still current, else 412. Without the header, or with an empty one, the write "
    "always happens; a value that is not `*` or quoted ETags is a 400 (`invalid_if_match`).",
)


def _etag_header(*status_codes: int) -> OpenApiParameter:
    """The ETag, on the responses that carry one (a task or a page, a 304, and the 412 that names the task's current
    version); errors carry none."""
    return OpenApiParameter(
        "ETag",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        response=list(status_codes),
        description="Validator of this body" + ("; on a 412, the task's current ETag." if 412 in status_codes else "."),
    )


READ_ETAG = _etag_header(200, 304)
WRITE_ETAG = _etag_header(200, 412)
NOT_MODIFIED = OpenApiResponse(description="Not modified: your copy (If-None-Match) is current.")
IDEMPOTENCY_KEY = OpenApiParameter(
    KEY_HEADER,
    # Printable ASCII without spaces; empty counts as absent.
    {"type": "string", "maxLength": KEY_MAX_LENGTH, "pattern": "^[!-~]*$"},
    OpenApiParameter.HEADER,
    description="A fresh key (a UUID) for this request, sent again only to retry it, e.g. after a network error "
    "or a 503: within 24 hours a retry with the same key and body gets the first response (same status, body and "
    f"task id, with `{REPLAYED_HEADER}: true`) and writes nothing again; the same key with another body or "
    "endpoint is a 422. Keys are per user. Without it, every request writes.",
)


def _replayed_header(status_code: int) -> OpenApiParameter:
    """Only a success is stored with its key, so only a success is ever replayed (common/idempotency.py)."""
    return OpenApiParameter(
        REPLAYED_HEADER,
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        response=[status_code],
        enum=["true"],
        description=f"`true` when this is the stored response of an earlier request with the same `{KEY_HEADER}`.",
    )


KEY_REUSED = OpenApiResponse(
    ErrorSerializer,
    description=f"The `{KEY_HEADER}` was already used for a different request (`code`: `idempotency_key_reused`).",
)
STALE = OpenApiResponse(ErrorSerializer, description="The task changed since the ETag in If-Match.")


class PaginatedTaskListSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = TaskOutputSerializer(many=True)


# ------------------------------------------------------------------------------
# Bulk input: one shape per action (which actions take a value, and which values)
# ------------------------------------------------------------------------------
def _bulk_ids() -> serializers.ListField:
    return serializers.ListField(
        child=serializers.UUIDField(), min_length=1, max_length=BULK_MAX_IDS, help_text="Ids of your tasks."
    )


@extend_schema_field({"nullable": True, "not": {}, "description": "Must be absent or null: the action takes no value."})
class _NoValueField(serializers.Field):
    pass


def _bulk_variant(action: str) -> type[serializers.Serializer]:
    """The body of one bulk action: ``value`` required with its choices, or absent/null for actions without."""
    choices = BULK_VALUE_CHOICES.get(action)
    value = serializers.ChoiceField(choices=choices) if choices else _NoValueField(required=False)
    # One component per action (TaskBulkComplete, ...), so each oneOf branch admits exactly one action.
    name = "TaskBulk" + action.title().replace("_", "")
    fields = {"ids": _bulk_ids(), "action": serializers.ChoiceField(choices=[action]), "value": value}
    return type(
        f"{name}Serializer", (serializers.Serializer,), {**fields, "Meta": type("Meta", (), {"ref_name": name})}
    )


# What TaskBulkInputSerializer accepts, documented per action (the serializer checks types, the service the
# action/value pairing).
TASK_BULK_INPUT = PolymorphicProxySerializer(
    component_name="TaskBulkInput",
    serializers={action: _bulk_variant(action) for action in BULK_ACTIONS},
    resource_type_field_name="action",
)


def _list_parameter(name: str, choices: list[str]) -> OpenApiParameter:
    return OpenApiParameter(
        name,
        OpenApiTypes.STR,
        enum=choices,
        many=True,
        style="form",
        explode=False,
        description=f"One {name} or a comma-separated list of them; any unknown one is a 400. Empty: no filter.",
    )


# Every list parameter may be given empty, which is the same as leaving it out (no filter, the default order).
DATE_OR_EMPTY = {"oneOf": [{"type": "string", "format": "date"}, {"type": "string", "maxLength": 0}]}

TIME_ZONE = OpenApiParameter(
    TIME_ZONE_PARAM,
    {"type": "string", "maxLength": TIME_ZONE_MAX_LENGTH},
    description="The user's time zone, an IANA name such as `Europe/Paris` (a browser's "
    "`Intl.DateTimeFormat().resolvedOptions().timeZone`): its calendar decides what is due before today. "
    "Default: UTC. An unknown name is a 400.",
)

LIST_PARAMETERS = [
    _list_parameter("status", Task.Status.values),
    _list_parameter("priority", Task.Priority.values),
    OpenApiParameter(
        "search",
        {"type": "string", "maxLength": SEARCH_MAX_LENGTH, "pattern": "^[^\\u0000]*$"},
        description=f"Case-insensitive substring of the title or the description, taken literally "
        f"(no wildcards or regex); at most {SEARCH_MAX_LENGTH} characters.",
    ),
    OpenApiParameter("due_before", DATE_OR_EMPTY, description="Due on or before this date (YYYY-MM-DD)."),
    OpenApiParameter("due_after", DATE_OR_EMPTY, description="Due on or after this date (YYYY-MM-DD)."),
    OpenApiParameter(
        "overdue",
        OpenApiTypes.STR,
        enum=["true", "false", ""],
        description="true: due before today and not done; false: every other task (including those with no due date).",
    ),
    TIME_ZONE,
    OpenApiParameter(
        "ordering",
        OpenApiTypes.STR,
        enum=[*ORDERING_CHOICES, ""],
        default=DEFAULT_ORDERING,
        description="One field, `-` for descending. Ties break on id in the same direction. Priority orders "
        "low < medium < high, titles case-insensitively; tasks with no due date come last either way.",
    ),
    *page_parameters("Tasks"),
]

# ------------------------------------------------------------------------------
# Operations
# ------------------------------------------------------------------------------
tasks_list = extend_schema(
    tags=TAGS,
    summary="List your tasks",
    operation_id="tasks_list",
    parameters=[*LIST_PARAMETERS, IF_NONE_MATCH, READ_ETAG],
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
    parameters=[
        IDEMPOTENCY_KEY,
        _etag_header(201),
        _replayed_header(201),
        OpenApiParameter(
            "Location",
            OpenApiTypes.STR,
            OpenApiParameter.HEADER,
            response=[201],
            description="The new task's URL, `/api/tasks/{id}/` (a replay's too).",
        ),
    ],
    responses={201: TaskOutputSerializer, 400: INVALID_TASK, 401: UNAUTHORIZED, 422: KEY_REUSED},
)

tasks_retrieve = extend_schema(
    tags=TAGS,
    summary="Get one of your tasks",
    parameters=[TASK_ID, IF_NONE_MATCH, READ_ETAG],
    responses={200: TaskOutputSerializer, 304: NOT_MODIFIED, 401: UNAUTHORIZED, 404: NOT_FOUND},
)

tasks_update = extend_schema(
    tags=TAGS,
    summary="Replace a task",
    description="Every field is set: omitted optional fields return to their defaults.",
    parameters=[TASK_ID, IF_MATCH, WRITE_ETAG],
    request=TaskInputSerializer,
    responses={200: TaskOutputSerializer, 400: INVALID_TASK, 401: UNAUTHORIZED, 404: NOT_FOUND, 412: STALE},
)

tasks_partial_update = extend_schema(
    tags=TAGS,
    summary="Update some fields of a task",
    description="Moving to `done` sets `completed_at`; leaving `done` clears it.",
    parameters=[TASK_ID, IF_MATCH, WRITE_ETAG],
    request=TaskInputSerializer(partial=True),
    responses={200: TaskOutputSerializer, 400: INVALID_TASK, 401: UNAUTHORIZED, 404: NOT_FOUND, 412: STALE},
)

tasks_destroy = extend_schema(
    tags=TAGS,
    summary="Delete a task",
    parameters=[TASK_ID, IF_MATCH, _etag_header(412)],
    responses={
        204: None,
        400: OpenApiResponse(
            ErrorSerializer,
            description="A malformed If-Match (`invalid_if_match`), or a body sent that is not JSON (`parse_error`).",
        ),
        401: UNAUTHORIZED,
        404: NOT_FOUND,
        412: STALE,
    },
)

tasks_stats = extend_schema(
    tags=TAGS,
    summary="Counts over your tasks",
    description="`overdue` and the days of `completed_per_day` are in the time zone `tz` names (default: UTC).",
    parameters=[TIME_ZONE, IF_NONE_MATCH, READ_ETAG],
    responses={
        200: TaskStatsSerializer,
        304: NOT_MODIFIED,
        400: OpenApiResponse(TaskStatsValidationErrorSerializer, description="An unknown time zone."),
        401: UNAUTHORIZED,
    },
)

tasks_bulk = extend_schema(
    tags=TAGS,
    summary="Apply one action to many of your tasks",
    description="All or nothing. `complete` marks done; `set_status` / `set_priority` need `value`. Ids that "
    "are not yours are ignored; `updated` counts the tasks actually changed.",
    request=TASK_BULK_INPUT,
    parameters=[IDEMPOTENCY_KEY, _replayed_header(200)],
    extensions={BODY_REQUIRED: True},  # drf-spectacular cannot tell from the per-action shapes
    responses={
        200: TaskBulkOutputSerializer,
        400: OpenApiResponse(TaskBulkValidationErrorSerializer, description="Invalid ids, action or value."),
        401: UNAUTHORIZED,
        422: KEY_REUSED,
    },
)
