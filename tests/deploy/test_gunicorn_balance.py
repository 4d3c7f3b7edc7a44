"""The shared connection counts behind least-connections accepting (config/gunicorn_balance.py)."""

import os
import time

from config import gunicorn_balance
from config.gunicorn_balance import ConnectionTable


def test_no_other_live_worker_means_no_one_to_leave_a_connection_for():
    table = ConnectionTable(slots=4)
    table.publish(1, pid=101, connections=5)

    assert table.fewest_elsewhere(1) is None


def test_the_fewest_connections_of_the_other_workers_is_reported():
    table = ConnectionTable(slots=4)
    table.publish(0, pid=100, connections=7)
    table.publish(1, pid=101, connections=3)
    table.publish(2, pid=102, connections=1)

    assert table.fewest_elsewhere(0) == 1
    assert table.fewest_elsewhere(2) == 3


def test_an_exited_worker_is_forgotten_by_its_pid():
    table = ConnectionTable(slots=4)
    table.publish(0, pid=100, connections=7)
    table.publish(3, pid=103, connections=0)

    table.clear_pid(103)

    assert table.fewest_elsewhere(0) is None


def test_a_worker_that_stopped_publishing_is_ignored(monkeypatch):
    table = ConnectionTable(slots=4)
    table.publish(0, pid=100, connections=7)
    table.publish(1, pid=101, connections=0)
    later = time.monotonic() + gunicorn_balance.STALE_SECONDS + 1
    monkeypatch.setattr(gunicorn_balance.time, "monotonic", lambda: later)
    table.publish(0, pid=100, connections=7)  # worker 0 carries on; worker 1 hangs

    assert table.fewest_elsewhere(0) is None


def test_a_new_worker_gets_a_slot_no_live_worker_holds_cleared_of_a_dead_ones_count():
    table = ConnectionTable(slots=3)
    table.publish(1, pid=101, connections=0)  # a worker that died without the master hearing of it

    slot = table.slot_assign([0, None, 2])

    assert slot == 1
    table.publish(0, pid=100, connections=5)
    assert table.fewest_elsewhere(0) is None  # the dead worker's 0 no longer holds connections back


def test_with_every_slot_taken_a_worker_gets_none():
    assert ConnectionTable(slots=2).slot_assign([0, 1]) is None


def test_a_forked_worker_writes_where_its_parent_reads():
    table = ConnectionTable(slots=2)
    pid = os.fork()
    if pid == 0:  # the child: publish and leave at once
        table.publish(1, pid=os.getpid(), connections=4)
        os._exit(0)
    os.waitpid(pid, 0)

    assert table.fewest_elsewhere(0) == 4
