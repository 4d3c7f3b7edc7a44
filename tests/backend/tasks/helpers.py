"""URLs and data helpers shared by the task tests."""

from datetime import datetime
from typing import Any

from backend.tasks import serializers
from backend.tasks.models import Task
from backend.tasks.serializers import TaskOutputSerializer
from tests.factories import TaskFactory

LIST_URL = "/api/tasks/"
STATS_URL = "/api/tasks/stats/"
BULK_URL = "/api/tasks/bulk/"


def detail_url(task_id: Any) -> str:
    return f"/api/tasks/{task_id}/"


def make_task(*, created_at: datetime | None = None, updated_at: datetime | None = None, **fields: Any) -> Task:
    """A task, with its auto-managed timestamps forced when given (auto_now ignores values passed to save)."""
    task = TaskFactory(**fields)
    stamps = {name: value for name, value in (("created_at", created_at), ("updated_at", updated_at)) if value}
    if stamps:
        Task.objects.filter(pk=task.pk).update(**stamps)
        task.refresh_from_db()
    return task


def titles(response) -> list[str]:
    """The titles of a list response's results, in order."""
    return [task["title"] for task in response.json()["results"]]


def ids(response) -> list[str]:
    """The ids of a list response's results, in order."""
    return [item["id"] for item in response.json()["results"]]


def snapshot(task: Task) -> dict[str, Any]:
    """Every stored column of ``task`` as it is in the database now."""
    fresh = Task.objects.get(pk=task.pk)
    return {field.attname: getattr(fresh, field.attname) for field in Task._meta.concrete_fields}


def serializing_fails(monkeypatch) -> None:
    """From now on, serializing a task fails the test: what is answered must come from the cache."""

    def refuse(self, instance):
        raise AssertionError("the task was serialized again")

    monkeypatch.setattr(TaskOutputSerializer, "to_representation", refuse)
    # The views render through task_json (a list page from rows, not through the serializer), which calls
    # task_representation outside UTC.
    monkeypatch.setattr(serializers, "task_json", lambda task, zone: refuse(None, task))
    monkeypatch.setattr(serializers, "task_representation", lambda task, zone: refuse(None, task))
