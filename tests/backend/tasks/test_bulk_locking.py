"""Concurrent bulk actions against row locks held by another transaction, on the real server of the PostgreSQL
leg: a bulk action waits for the rows it needs instead of deadlocking, and a deadlock the database does detect is a
409 the client may retry with the same Idempotency-Key. SQLite has no row locks (one writer at a time) and so no
deadlock between two writers: the SQLite leg has nothing to run here."""

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from django.db import connection
from psycopg import sql

from backend.common.models import IdempotencyKey
from backend.tasks.models import Task
from backend.tasks.services import task_bulk_apply
from tests.backend.tasks.helpers import BULK_URL
from tests.conftest import signed_in_client
from tests.factories import TaskFactory

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL leg only: row locks"),
    pytest.mark.django_db(transaction=True),
]

LOW_ID = uuid.UUID("00000000-0000-4000-8000-000000000001")
HIGH_ID = uuid.UUID("ffffffff-ffff-4fff-bfff-fffffffffff1")
TABLE = Task._meta.db_table


def _connect(*, autocommit: bool = False) -> psycopg.Connection:
    params = connection.get_connection_params()
    keep = {"host", "port", "user", "password", "dbname"}
    return psycopg.connect(**{key: value for key, value in params.items() if key in keep}, autocommit=autocommit)


@pytest.fixture
def other() -> Iterator[psycopg.Connection]:
    """A second connection to the test database, in a transaction of its own (another request, another worker)."""
    with _connect() as conn:
        yield conn


def _in_thread(call: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    """Start ``call`` on a thread (its own Django connection, closed when done); what it returned or raised."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = call()
        except BaseException as exc:
            outcome["error"] = exc
        finally:
            connection.close()  # this thread's connection

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def _wait_until_blocked_by(holder: psycopg.Connection, thread: threading.Thread) -> None:
    """Until some backend waits for a lock ``holder`` holds (bounded: the thread may fail or finish instead)."""
    with _connect(autocommit=True) as observer:
        deadline = time.monotonic() + 30
        while thread.is_alive() and time.monotonic() < deadline:
            waiting = observer.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))",
                [holder.info.backend_pid],
            ).fetchone()
            if waiting and waiting[0]:
                return
            time.sleep(0.01)
    raise AssertionError(f"the thread never waited for the other transaction's lock: {thread.is_alive()=}")


def _lock(conn: psycopg.Connection, task_id: uuid.UUID) -> None:
    conn.execute(
        sql.SQL("UPDATE {} SET title = 'changed by the other transaction' WHERE id = %s").format(sql.Identifier(TABLE)),
        [task_id],
    )


def test_a_bulk_action_waits_for_rows_another_transaction_holds_and_both_finish(user, other):
    # Given two tasks stored high id first (a scan meets them in that order, the id order is the reverse), and
    # another transaction holding the low one's row lock
    TaskFactory(owner=user, id=HIGH_ID, priority=Task.Priority.LOW)
    TaskFactory(owner=user, id=LOW_ID, priority=Task.Priority.LOW)
    _lock(other, LOW_ID)

    # When a bulk action on both starts, waits, and then the other transaction writes the high one too
    thread, outcome = _in_thread(
        lambda: task_bulk_apply(owner=user, ids=[HIGH_ID, LOW_ID], action="set_priority", value="high")
    )
    _wait_until_blocked_by(other, thread)
    _lock(other, HIGH_ID)  # a bulk action holding the high row's lock while it waits for the low one: a deadlock
    other.commit()
    thread.join(timeout=60)

    # Then neither was aborted: the bulk action waited for the other transaction, then changed both
    assert not thread.is_alive()
    assert "error" not in outcome, outcome["error"]
    assert outcome["result"] == 2
    tasks = Task.objects.filter(pk__in=[HIGH_ID, LOW_ID])
    assert {(t.title, t.priority) for t in tasks} == {("changed by the other transaction", Task.Priority.HIGH)}


def _deadlocked_bulk_request(user, client, body: dict, key: str) -> Any | None:
    """A bulk request on both tasks that holds the low one's lock and waits for the high one's, which another
    transaction holds, which then waits for the low one's: a deadlock. The request's response, or None when
    PostgreSQL aborted the other transaction instead (each waiter checks for a deadlock once, deadlock_timeout
    after it starts waiting: when the other transaction started waiting later than that, on a loaded machine, the
    request's check found no cycle yet, and the other's check finds it)."""
    Task.objects.filter(owner=user).delete()
    TaskFactory(owner=user, id=LOW_ID, priority=Task.Priority.LOW)
    TaskFactory(owner=user, id=HIGH_ID, priority=Task.Priority.LOW)
    with _connect() as other:
        _lock(other, HIGH_ID)
        thread, outcome = _in_thread(lambda: client.post(BULK_URL, body, format="json", HTTP_IDEMPOTENCY_KEY=key))
        _wait_until_blocked_by(other, thread)
        try:
            _lock(other, LOW_ID)
        except psycopg.errors.DeadlockDetected:
            other_aborted = True
            other.rollback()
        else:
            other_aborted = False
            other.commit()
        thread.join(timeout=60)
    assert not thread.is_alive()
    assert "error" not in outcome, outcome["error"]
    return None if other_aborted else outcome["result"]


def test_a_deadlocked_bulk_request_is_a_409_and_its_idempotency_key_runs_it_on_retry(user):
    # Given a bulk request that deadlocks with another transaction, and is the one PostgreSQL aborts
    client, _ = signed_in_client(user)
    body = {"ids": [str(HIGH_ID), str(LOW_ID)], "action": "set_priority", "value": "high"}
    for _attempt in range(5):
        key = str(uuid.uuid4())
        response = _deadlocked_bulk_request(user, client, body, key)
        if response is not None:
            break
    else:
        pytest.fail("in 5 tries PostgreSQL never aborted the bulk request's side of the deadlock")

    # Then the client is answered 409 conflict (retry), not a 500, and nothing of it was kept, the key included
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "conflict"
    assert not IdempotencyKey.objects.filter(owner=user, key=key).exists()
    assert set(Task.objects.filter(owner=user).values_list("priority", flat=True)) == {Task.Priority.LOW}

    # And a retry with the same key runs the write (it is not a replay of the 409, nor a reused key's 422)
    retried = client.post(BULK_URL, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert retried.status_code == 200, retried.content
    assert "Idempotent-Replayed" not in retried.headers
    assert set(Task.objects.filter(owner=user).values_list("priority", flat=True)) == {Task.Priority.HIGH}
    assert client.post(BULK_URL, body, format="json", HTTP_IDEMPOTENCY_KEY=key).headers["Idempotent-Replayed"] == "true"
