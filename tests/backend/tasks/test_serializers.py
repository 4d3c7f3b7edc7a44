"""TaskOutputSerializer's hand-written representation is exactly what its declared DRF fields produce."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework import serializers

from backend.common.response_cache import render_json
from backend.tasks.models import Task
from backend.tasks.selectors import task_list, task_list_rows
from backend.tasks.serializers import TaskOutputSerializer, output_zone, task_data, task_json, tasks_json
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


# ------------------------------------------------------------------------------
# A list page renders from rows (selectors.task_list_rows), not Task instances: the same output
# ------------------------------------------------------------------------------
def _all_fields_set(user) -> Task:
    task = TaskFactory(
        owner=user,
        title="Ünïcode — \u2028 full",
        description="  every field\\n set",
        status=Task.Status.DONE,
        priority=Task.Priority.HIGH,
        due_date=date(2031, 12, 31),
        completed_at=datetime(2026, 3, 29, 0, 30, 1, 250, tzinfo=UTC),  # across a DST change in Europe/Paris
    )
    return task


@pytest.mark.django_db
@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "America/St_Johns"])
@pytest.mark.parametrize("filters", [{}, {"status": "todo,done", "ordering": "-priority"}, {"ordering": "title"}])
def test_rendering_list_rows_equals_the_serializer_output_of_each_task_with_every_field_set_and_unset(
    user, zone, filters
):
    # Given one task with every field set and one with every optional field unset
    _all_fields_set(user)
    TaskFactory(owner=user, title="bare", description="", due_date=None, status=Task.Status.TODO)

    with timezone.override(zone):
        # When the list renders from rows and the serializer from the model instances
        fast = tasks_json(task_list_rows(owner=user, filters=filters)[:20])  # a page, as the paginator reads
        slow = TaskOutputSerializer(task_list(owner=user, filters=filters), many=True).data
        generic = [_drf_generic(task) for task in task_list(owner=user, filters=filters)]

    # Then the bodies are the same bytes, in the same order, and the generic DRF fields agree
    assert render_json(fast).body == render_json(slow).body == render_json(generic).body
    assert len(fast) == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    ["", "ordering=priority", "ordering=-title&status=todo,done", "search=a&overdue=true", "ordering=due_date"],
)
def test_list_rows_are_the_filtered_tasks_in_the_same_order_and_count_with_the_same_query(user, query):
    TaskFactory.create_batch(5, owner=user, title="a task")
    TaskFactory(owner=user, title="a late one", due_date=date(2000, 1, 1))
    filters = QueryDict(query)
    tasks, rows = task_list(owner=user, filters=filters), task_list_rows(owner=user, filters=filters)

    assert [row.pk for row in rows[:20]] == [task.pk for task in tasks]
    with CaptureQueriesContext(connection) as by_rows:
        assert rows.count() == len(tasks)
    with CaptureQueriesContext(connection) as by_tasks:
        tasks.all().count()
    assert by_rows.captured_queries[0]["sql"] == by_tasks.captured_queries[0]["sql"]


@pytest.mark.django_db
def test_list_rows_are_only_the_owners_tasks(user, other_user):
    TaskFactory(owner=other_user)
    mine = TaskFactory(owner=user)

    assert [row.pk for row in task_list_rows(owner=user, filters={})[:20]] == [mine.pk]


def test_a_task_renders_in_utc_alike_with_either_utc_tzinfo():
    task = Task(
        title="x",
        created_at=datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC),
        updated_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=ZoneInfo("Europe/Paris")),
    )

    with timezone.override("UTC"):
        assert output_zone() is UTC
        assert render_json(task_data(task)).body == render_json(_drf_generic(task)).body
        assert b'"updated_at":"2026-01-02T02:04:05Z"' in render_json(task_data(task)).body


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "America/St_Johns"])
@pytest.mark.parametrize(
    "stamp",
    [
        datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),  # no microseconds: none written
        datetime(2026, 1, 2, 3, 4, 5, 7, tzinfo=UTC),
        datetime(2026, 3, 29, 1, 30, 0, 500000, tzinfo=ZoneInfo("Europe/Paris")),
        datetime(2026, 6, 1, 12, 0, tzinfo=ZoneInfo("America/St_Johns")),
    ],
)
def test_a_task_body_is_the_serializers_bytes_for_any_timestamp_and_zone(zone, stamp):
    # Given a task as a service builds it (enum members, a date, an id), with this timestamp everywhere
    task = Task(
        title="Ünïcode — \u2028",
        status=Task.Status.DONE,
        priority=Task.Priority.LOW,
        due_date=date(2030, 1, 31),
        completed_at=stamp,
        created_at=stamp,
        updated_at=stamp,
    )

    with timezone.override(zone):
        # When its body renders from task_json's values and from the declared DRF fields' strings
        fast, slow = render_json(task_json(task, output_zone())).body, render_json(_drf_generic(task)).body

    # Then the bytes are the same
    assert fast == slow
    assert f'"id":"{task.pk}"'.encode() in fast
