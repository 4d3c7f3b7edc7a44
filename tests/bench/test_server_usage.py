"""The bench's reading of a server's CPU split and context switches from /proc (bench/server.py)."""

import os
import threading
import time
from pathlib import Path

from bench.server import Usage, _context_switches


def test_a_thread_that_waits_counts_voluntary_switches():
    ready, go, slept, leave = threading.Event(), threading.Event(), threading.Event(), threading.Event()
    native_id: list[int] = []

    def waiter() -> None:
        native_id.append(threading.get_native_id())
        ready.set()
        go.wait()
        for _ in range(20):
            time.sleep(0.001)  # each sleep gives up the CPU
        slept.set()
        leave.wait()  # alive while its switches are read: a thread that is gone has no status

    thread = threading.Thread(target=waiter)
    thread.start()
    ready.wait()
    status = Path(f"/proc/{os.getpid()}/task/{native_id[0]}/status")
    before = _context_switches(status)
    go.set()
    slept.wait()
    after = _context_switches(status)
    leave.set()
    thread.join()

    assert after[0] - before[0] >= 20


def test_a_thread_that_is_gone_counts_nothing(tmp_path):
    assert _context_switches(tmp_path / "no-such-task" / "status") == (0, 0)


def test_usage_readings_subtract_field_by_field():
    later = Usage(user_s=3.0, system_s=1.0, voluntary_switches=50, involuntary_switches=9)
    earlier = Usage(user_s=1.0, system_s=0.5, voluntary_switches=20, involuntary_switches=4)

    assert later - earlier == Usage(user_s=2.0, system_s=0.5, voluntary_switches=30, involuntary_switches=5)
