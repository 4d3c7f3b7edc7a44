"""The task selectors and services as django-mongodb-backend translates them, checked with no server.

tests/backend/mongodb_offline.py explains the harness: real compiler, recording collections, empty answers.
"""

import re
import uuid
from datetime import date

import pytest
from django.http import QueryDict

from backend.accounts.models import User
from backend.tasks.filters import ORDERING_CHOICES
from backend.tasks.models import Task
from backend.tasks.selectors import task_list, task_stats
from backend.tasks.services import BULK_ACTIONS, task_bulk_apply, task_update
from tests.backend.mongodb_offline import recording_mongodb

TASKS = Task._meta.db_table


def _owner() -> User:
    return User(id=uuid.uuid4(), email="owner@example.com")


def _pipeline(queryset) -> list[dict]:
    with recording_mongodb() as recorder:
        list(queryset.using("mongodb_offline"))
    (pipeline,) = recorder.of("aggregate")
    return pipeline


def _owner_match(owner: User) -> dict:
    return {"owner_id": owner.pk.hex}


@pytest.mark.parametrize("needle", [".*", "a|b", "(", "[a-z]+", "\\", "^start", "end$", "x{2}", "?", "+", "%", "_"])
def test_search_sends_the_raw_input_as_an_escaped_case_insensitive_regex(needle):
    owner = _owner()

    pipeline = _pipeline(task_list(owner=owner, filters={"search": needle}))

    match = pipeline[0]["$match"]["$and"]
    assert match[0] == _owner_match(owner)
    assert match[1] == {
        "$or": [
            {"title": {"$regex": re.escape(needle), "$options": "i"}},
            {"description": {"$regex": re.escape(needle), "$options": "i"}},
        ]
    }


@pytest.mark.parametrize("ordering", ORDERING_CHOICES)
def test_every_ordering_is_one_owner_scoped_pipeline(ordering):
    owner = _owner()

    pipeline = _pipeline(task_list(owner=owner, filters={"ordering": ordering}))

    assert pipeline[0] == {"$match": _owner_match(owner)}
    assert any("$sort" in stage for stage in pipeline)


def test_priority_ordering_ranks_with_a_switch_not_the_alphabet():
    pipeline = _pipeline(task_list(owner=_owner(), filters={"ordering": "priority"}))

    assert "$switch" in repr(pipeline)


def test_title_ordering_sorts_by_the_lowercased_title_with_no_collation():
    # TitleSortKey's ICU collation is PostgreSQL's: here it is the $toLower it always was.
    pipeline = _pipeline(task_list(owner=_owner(), filters={"ordering": "-title"}))

    assert "{'$toLower': '$title'}" in repr(pipeline)
    assert "collation" not in repr(pipeline).lower()


@pytest.mark.parametrize(
    "query",
    [
        "status=todo,done",
        "priority=high",
        "due_before=2026-01-31&due_after=2026-01-01",
        "overdue=true",
        "overdue=false",
        "search=report&status=in_progress&ordering=-due_date",
    ],
)
def test_every_filter_translates_and_stays_owner_scoped(query):
    owner = _owner()

    pipeline = _pipeline(task_list(owner=owner, filters=QueryDict(query)))

    assert _owner_match(owner) in [pipeline[0]["$match"], *pipeline[0]["$match"].get("$and", [])]


def test_stats_are_one_aggregation_of_the_owners_tasks_and_all_zero_when_empty():
    owner = _owner()

    with recording_mongodb("default") as recorder:
        stats = task_stats(owner=owner, today=date(2026, 3, 14))

    assert [(collection, op) for collection, op, _ in recorder.calls] == [(TASKS, "aggregate")]
    for pipeline in recorder.of("aggregate"):
        assert repr(_owner_match(owner)) in repr(pipeline[0])
    assert stats["total"] == 0
    assert stats["by_status"] == {"todo": 0, "in_progress": 0, "done": 0}
    assert len(stats["completed_per_day"]) == 14


@pytest.mark.parametrize("action", BULK_ACTIONS)
def test_bulk_actions_are_one_owner_scoped_write_inside_a_mongodb_transaction(action):
    owner = _owner()
    value = {"set_status": "done", "set_priority": "high"}.get(action)

    with recording_mongodb("default") as recorder:
        affected = task_bulk_apply(owner=owner, ids=[uuid.uuid4(), uuid.uuid4()], action=action, value=value)

    assert affected == 0
    write = "delete_many" if action == "delete" else "update_many"
    assert recorder.operations == ["start_transaction", write, "commit"]
    (written,) = recorder.of(write)
    criteria = written if action == "delete" else written[0]
    assert repr(_owner_match(owner)) in repr(criteria)


def test_task_update_is_one_owner_scoped_compare_and_set_of_the_changed_fields():
    owner = _owner()
    task = Task(id=uuid.uuid4(), owner=owner, title="Old", priority="low", version=7)
    task._state.adding = False  # as if loaded from the database

    with recording_mongodb("default") as recorder:
        recorder.matched = 1
        task_update(task=task, data={"title": "New", "priority": "low"})

    assert recorder.operations == ["update_many"]  # atomic on one document: no transaction needed
    ((criteria, update),) = recorder.of("update_many")
    assert criteria == {"$and": [{"owner_id": owner.pk.hex}, {"id": task.pk.hex}, {"version": 7}]}
    assert sorted(update[0]["$set"]) == ["title", "updated_at", "version"]
    assert update[0]["$set"]["version"] == {"$literal": 8}


def test_a_deep_page_seeks_from_its_anchor_in_one_owner_scoped_pipeline():
    # The remembered-anchor path of pagination.DeferredJoinPaginator (selectors.TaskPageAnchors.seek)
    from datetime import UTC, datetime

    from backend.tasks.selectors import task_page_anchors

    owner = _owner()
    anchors = task_page_anchors(owner=owner, filters=QueryDict("status=todo"))
    assert anchors is not None
    anchor = (datetime(2026, 1, 2, 3, 4, 5, 6000, tzinfo=UTC), uuid.uuid4())

    pipeline = _pipeline(anchors.seek(task_list(owner=owner, filters=QueryDict("status=todo")), anchor)[:20])

    assert _owner_match(owner) in [pipeline[0]["$match"], *pipeline[0]["$match"].get("$and", [])]
    assert anchor[1].hex in repr(pipeline)
    assert {"$limit": 20} in pipeline


def test_a_deep_page_without_an_anchor_reads_ids_by_offset_then_rows_by_id():
    owner = _owner()
    tasks = task_list(owner=owner, filters={})

    ids = _pipeline(tasks.values_list("pk", flat=True)[1000:1020])
    rows = _pipeline(tasks.filter(pk__in=[uuid.uuid4()]).order_by())

    assert {"$skip": 1000} in ids
    assert {"$limit": 20} in ids
    assert ids[0] == {"$match": _owner_match(owner)}
    assert "$in" in repr(rows)
