"""An account's tasks deleted with it (services.tasks_delete_for_owner) and taken out of the admin's history
(services.task_admin_history_unlink): what tests/backend/accounts/test_account_deletion_statements.py does not show,
the history rows that are no task id and MongoDB's statements (offline, tests/backend/mongodb_offline.py)."""

import uuid
from datetime import datetime

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType

from backend.accounts.models import User
from backend.tasks.models import Task
from backend.tasks.services import DELETED_TASK_REPR, task_admin_history_unlink, tasks_delete_for_owner
from tests.backend import mongodb_offline
from tests.backend.mongodb_offline import recording_mongodb
from tests.factories import TaskFactory, UserFactory


@pytest.mark.django_db
def test_given_history_rows_that_name_no_task_id_then_the_unlink_leaves_them_and_scrubs_the_owners():
    # Given an operator's edits of the owner's task, and task rows of the history whose object_id is no id
    operator, owner = UserFactory(is_staff=True), UserFactory()
    task = TaskFactory(owner=owner, title="Private title")
    task_type = ContentType.objects.get_for_model(Task, for_concrete_model=False)
    for object_id in (str(task.pk), "not-an-id", "", None):
        LogEntry.objects.create(
            user=operator, content_type=task_type, object_id=object_id, object_repr="row", action_flag=CHANGE
        )

    # When the owner's tasks are taken out of the history
    scrubbed = task_admin_history_unlink(owner=owner)

    # Then the row about their task names it no more, and the others are left as they were, with no error
    assert scrubbed == 1
    rows = set(LogEntry.objects.values_list("object_id", "object_repr"))
    assert rows == {(None, DELETED_TASK_REPR), ("not-an-id", "row"), ("", "row"), (None, "row")}


def test_on_mongodb_the_tasks_go_a_range_at_a_time_each_an_owner_scoped_delete_inside_one_transaction(monkeypatch):
    # Given an owner with more than one batch of tasks: their first and last tasks, then the first range's last task
    # and the one after it, then fewer than two (the rest is the last range)
    owner = User(id=uuid.uuid4(), email="owner@example.com")
    moment = datetime(2026, 1, 2, 3, 4, 5, 6000)  # as the backend reads it: naive UTC, ids as hex
    first, end, after, last = ({"created_at": moment, "id": uuid.uuid4().hex} for _ in range(4))
    answers = [[first], [last], [end, after]]
    aggregate = mongodb_offline.RecordingCollection.aggregate

    def answer_the_lookups(self, pipeline, **kwargs):
        aggregate(self, pipeline, **kwargs)
        return iter(answers.pop(0)) if answers else mongodb_offline.EmptyCursor()

    monkeypatch.setattr(mongodb_offline.RecordingCollection, "aggregate", answer_the_lookups)

    # When they are deleted
    with recording_mongodb("default") as recorder:
        tasks_delete_for_owner(owner=owner, batch_size=3)

    # Then: one transaction; after the first and last tasks, each lookup reads two rows at an offset of a batch
    assert recorder.operations == [
        "start_transaction",
        *["aggregate"] * 3,
        "delete_many",
        "aggregate",
        "delete_many",
        "commit",
    ]
    lookups = recorder.of("aggregate")
    at_an_offset_of_a_batch = [{"$skip": 2} in pipeline and {"$limit": 2} in pipeline for pipeline in lookups]
    assert at_an_offset_of_a_batch == [False, False, True, True]
    assert all(repr({"owner_id": owner.pk.hex}) in repr(pipeline[0]) for pipeline in lookups)
    # And each delete is owner-scoped and bounded by the range's ends
    deletes = recorder.of("delete_many")
    assert [criteria["$and"][0] for criteria in deletes] == [{"owner_id": owner.pk.hex}] * 2
    assert repr({"id": {"$lte": end["id"]}}) in repr(deletes[0])  # the first range, up to its last task
    assert repr({"id": {"$gt": end["id"]}}) in repr(deletes[1])  # then the rest, after it, up to the last task
    assert repr({"id": {"$lte": last["id"]}}) in repr(deletes[1])
