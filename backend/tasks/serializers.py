"""Request and response shapes of the task API. Input serializers check types and sizes; services own the rules."""

from collections.abc import Iterable
from datetime import UTC, datetime, tzinfo
from typing import Any
from uuid import UUID

from django.utils import timezone
from django.utils.functional import cached_property
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.utils.serializer_helpers import BindingDict

from backend.common import fields

from .models import Task
from .services import BULK_ACTIONS, BULK_MAX_IDS

# The model's limits, so API errors come from the serializer before any service runs.
TITLE_MAX_LENGTH = Task._meta.get_field("title").max_length
DESCRIPTION_MAX_LENGTH = Task._meta.get_field("description").max_length


class TaskInputSerializer(serializers.Serializer):
    """POST and PUT take every field (omitted optional ones get their defaults); PATCH takes any subset.

    Read-only fields (id, completed_at, timestamps) and unknown keys in the body are ignored.
    """

    # CharField trims surrounding whitespace, so a whitespace-only title is blank and refused.
    title = fields.TextField(max_length=TITLE_MAX_LENGTH, nfc=True)
    # Kept verbatim (but in NFC, as the title, so search finds it): leading indentation can be meaningful.
    description = fields.TextField(
        max_length=DESCRIPTION_MAX_LENGTH, allow_blank=True, trim_whitespace=False, required=False, default="", nfc=True
    )
    status = serializers.ChoiceField(choices=Task.Status.choices, required=False, default=Task.Status.TODO)
    priority = serializers.ChoiceField(choices=Task.Priority.choices, required=False, default=Task.Priority.MEDIUM)
    due_date = fields.IsoDateField(allow_null=True, required=False, default=None)

    @cached_property
    def fields(self) -> BindingDict:  # DRF's, built once per process and ``partial`` instead of per serializer
        # DRF builds every field again for each serializer, from deep copies of the declared ones: for every create
        # and update, about 35 of the 49 us its validation cost. Validating reads only a field's own settings (made
        # in its __init__; its validator list is built once, on first use, the same each time) and its root's
        # ``partial``, and keeps its results on the serializer; so one set of fields, bound to a template serializer
        # with the same ``partial``, serves every request (tests/backend/tasks/test_input_fields.py compares the
        # answers with DRF's own fresh fields). The template has no context: a field that needs one (a default
        # such as CurrentUserDefault) cannot be added here.
        key = (type(self), bool(self.partial))
        shared = _SHARED_FIELDS.get(key)
        if shared is None:
            template = type(self)(partial=self.partial)
            shared = _SHARED_FIELDS.setdefault(key, serializers.Serializer.fields.func(template))  # type: ignore[attr-defined]
        return shared


_SHARED_FIELDS: dict[tuple[type[TaskInputSerializer], bool], BindingDict] = {}


class TaskOutputSerializer(serializers.ModelSerializer):
    """A task, as the API returns it."""

    # The fields declare the schema; ``to_representation`` produces exactly what they would
    # (tests/backend/tasks/test_serializers.py pins it), written out by hand because the generic field-by-field walk
    # cost more than the rest of an uncached list request.

    id = serializers.UUIDField(read_only=True)  # rendered as the hyphenated string

    class Meta:
        model = Task
        fields = [
            "id",
            "title",
            "description",
            "status",
            "priority",
            "due_date",
            "completed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance: Task) -> dict[str, Any]:
        return task_representation(instance, output_zone())


def output_zone() -> tzinfo:
    """The current time zone, which DateTimeField renders in; UTC as ``datetime.UTC``, which converts alike
    (the same wall time, offset +00:00) and is the tzinfo of the database's values, so they convert for free."""
    zone = timezone.get_current_timezone()
    return UTC if getattr(zone, "key", None) == "UTC" else zone


def task_representation(task: Any, zone: tzinfo) -> dict[str, Any]:
    """TaskOutputSerializer's output for ``task`` in ``zone`` (output_zone()): a Task, or a row of
    selectors.task_list_rows (the same attributes: selectors.TASK_ROW_COLUMNS), so a list page renders without
    building a model instance per row."""
    return {
        "id": str(task.pk),
        "title": str(task.title),
        "description": str(task.description),
        "status": str(task.status),
        "priority": str(task.priority),
        "due_date": task.due_date.isoformat() if task.due_date else None,
        "completed_at": _iso_datetime(task.completed_at, zone),
        "created_at": _iso_datetime(task.created_at, zone),
        "updated_at": _iso_datetime(task.updated_at, zone),
    }


# For the API's own bodies, which common.response_cache.render_json encodes with orjson: orjson writes a UUID, a
# date and a datetime in UTC exactly as DRF's fields do (the hyphenated id, ISO 8601, "Z" for +00:00, microseconds
# only when there are any), in C. Turning them into strings here first was most of an uncached page's rendering
# (about 60 of 70 us for 20 tasks); tests/backend/tasks/test_serializers.py compares the bytes in three zones.
def task_json(task: Any, zone: tzinfo) -> dict[str, Any]:
    """Values that render_json encodes to the same JSON as ``task_representation(task, zone)``."""
    if zone is not UTC:
        return task_representation(task, zone)
    return {
        "id": task.pk,
        "title": task.title,
        "description": task.description,
        "status": task.status,
        "priority": task.priority,
        "due_date": task.due_date,
        "completed_at": _utc_datetime(task.completed_at),
        "created_at": _utc_datetime(task.created_at),
        "updated_at": _utc_datetime(task.updated_at),
    }


def task_data(task: Task) -> dict[str, Any]:
    """``task_json`` in the current time zone: a task's body (detail, create, update)."""
    return task_json(task, output_zone())


def tasks_json(tasks: Iterable[Any]) -> list[dict[str, Any]]:
    """``task_json`` of each task (a list page's rows), the time zone looked up once."""
    zone = output_zone()
    return [task_json(task, zone) for task in tasks]


def _utc_datetime(value: datetime | None) -> datetime | str | None:
    # The database's values carry datetime.UTC (the C loader); any other offset is converted as DRF converts it.
    return value if value is None or value.tzinfo is UTC else _iso_datetime(value, UTC)


def _iso_datetime(value: datetime | None, zone: tzinfo) -> str | None:
    """DRF's DateTimeField output (ISO 8601 in the current time zone, UTC as Z)."""
    if value is None:
        return None
    if value.utcoffset() is not None:  # timezone.is_aware(value), inlined: three calls per task
        value = value.astimezone(zone)
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


@extend_schema_field(OpenApiTypes.UUID)
class _RawIdField(serializers.Field):
    """Passes a list item through untouched, for TaskBulkInputSerializer.validate_ids to check."""

    def validate_empty_values(self, data: Any) -> tuple[bool, Any]:
        return False, data  # a null item too: validate_ids reports it with the others

    def to_internal_value(self, data: Any) -> Any:
        return data


class TaskBulkInputSerializer(serializers.Serializer):
    """``value`` is required by set_status / set_priority and refused by the other actions (checked by the service)."""

    # Items are checked in validate_ids so a bad one reports {"ids": ["..."]}, not DRF's {"ids": {"3": [...]}}.
    ids = serializers.ListField(child=_RawIdField(), min_length=1, max_length=BULK_MAX_IDS, allow_empty=False)
    action = serializers.ChoiceField(choices=BULK_ACTIONS)
    value = fields.TextField(required=False, allow_null=True, default=None)

    def validate_ids(self, ids: list[Any]) -> list[UUID]:
        invalid = [item for item in ids if not _is_uuid(item)]
        if invalid:
            shown = ", ".join(repr(item)[:40] for item in invalid[:5])
            raise serializers.ValidationError(f"Not valid UUIDs: {shown}.")
        return [UUID(item) for item in ids]


def _is_uuid(item: Any) -> bool:
    if not isinstance(item, str):
        return False
    try:
        UUID(item)
    except ValueError:
        return False
    return True


class TaskBulkOutputSerializer(serializers.Serializer):
    updated = serializers.IntegerField(help_text="How many of your tasks the action changed (deleted, for delete).")


class DayCountSerializer(serializers.Serializer):
    date = serializers.DateField()
    count = serializers.IntegerField()


class StatusCountsSerializer(serializers.Serializer):
    todo = serializers.IntegerField()
    in_progress = serializers.IntegerField()
    done = serializers.IntegerField()


class PriorityCountsSerializer(serializers.Serializer):
    low = serializers.IntegerField()
    medium = serializers.IntegerField()
    high = serializers.IntegerField()


class TaskStatsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    by_status = StatusCountsSerializer()
    by_priority = PriorityCountsSerializer()
    overdue = serializers.IntegerField(help_text="Due before today and not done.")
    completed_per_day = DayCountSerializer(
        many=True, help_text="The last 14 days including today, oldest first; days with none count 0."
    )


# Error shapes, for the OpenAPI document only.


def _messages() -> serializers.ListField:
    return serializers.ListField(child=serializers.CharField(), required=False)


class TaskValidationErrorSerializer(serializers.Serializer):
    title = _messages()
    description = _messages()
    status = _messages()
    priority = _messages()
    due_date = _messages()
    non_field_errors = _messages()


class TaskListValidationErrorSerializer(serializers.Serializer):
    status = _messages()
    priority = _messages()
    search = _messages()
    due_before = _messages()
    due_after = _messages()
    overdue = _messages()
    tz = _messages()
    ordering = _messages()
    page = _messages()
    page_size = _messages()


class TaskStatsValidationErrorSerializer(serializers.Serializer):
    tz = _messages()


class TaskBulkValidationErrorSerializer(serializers.Serializer):
    ids = _messages()
    action = _messages()
    value = _messages()
    non_field_errors = _messages()
