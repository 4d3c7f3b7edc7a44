"""TaskOutputSerializer's hand-written representation is exactly what its declared DRF fields produce."""

from datetime import UTC, date, datetime

import pytest
from rest_framework import serializers

from backend.tasks.models import Task
from backend.tasks.serializers import TaskOutputSerializer
from tests.factories import TaskFactory


def _drf_generic(task: Task) -> dict:
    return dict(serializers.ModelSerializer.to_representation(TaskOutputSerializer(), task))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"title": 'Ünïcode — \u2028 "quoted" <b>', "description": "  kept\\n indented"},
        {"status": Task.Status.DONE, "due_date": date(2030, 1, 31)},
        {"status": Task.Status.IN_PROGRESS, "priority": Task.Priority.HIGH, "due_date": None},
    ],
)
def test_fast_representation_equals_the_declared_fields_output_after_a_database_round_trip(user, fields):
    created = TaskFactory(owner=user, **fields)
    task = Task.objects.get(pk=created.pk)

    assert TaskOutputSerializer(task).data == _drf_generic(task)


def test_fast_representation_equals_the_declared_fields_output_for_an_unsaved_task_with_enum_values():
    # Given a task as a service builds it: enum members, and a timestamp with no microseconds
    task = Task(
        title="x",
        status=Task.Status.DONE,
        priority=Task.Priority.LOW,
        completed_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        created_at=datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC),
        updated_at=datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC),
    )

    # Then both render the same plain strings
    fast = TaskOutputSerializer(task).data
    assert fast == _drf_generic(task)
    assert fast["completed_at"] == "2026-01-02T03:04:05Z"
    assert type(fast["status"]) is str
