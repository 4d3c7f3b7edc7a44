"""Two transactions at once: work run on a thread of its own (so on a database connection of its own) while the test
holds a transaction open, to show what a lock serializes."""

import threading
import time
from collections.abc import Callable
from typing import Any

from django.db import connection


def blocked_on_a_lock(backend_pid: int) -> bool:
    """PostgreSQL: whether that backend is waiting for a lock another transaction holds."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT cardinality(pg_blocking_pids(%s))", [backend_pid])
        return bool(cursor.fetchone()[0])


class OtherConnection:
    """``work()`` on another thread and database connection: ``start()`` it, ``wait_until_finished_or_blocked()``,
    then ``join()`` for its result (or the exception it raised, as ``error``)."""

    def __init__(self, work: Callable[[], Any]) -> None:
        self.result: Any = None
        self.error: BaseException | None = None
        self._work = work
        self._backend_pid: int | None = None
        self._started, self._finished = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        try:
            connection.ensure_connection()
            if connection.vendor == "postgresql":
                self._backend_pid = connection.connection.info.backend_pid
            self._started.set()
            self.result = self._work()
        except Exception as exc:  # the test reads it after join()
            self.error = exc
        finally:
            self._started.set()
            self._finished.set()
            connection.close()  # give this thread's connection back

    def start(self) -> "OtherConnection":
        self._thread.start()
        self._started.wait()
        return self

    def wait_until_finished_or_blocked(self) -> None:
        """Until the work returned or (PostgreSQL) waits on a lock; SQLite has no row locks (a writer holds the
        whole database), so there it waits for our commit and nothing is to be seen here."""
        if connection.vendor != "postgresql":
            return
        deadline = time.monotonic() + 60  # a safety net against a hung test, not a measurement
        while not self._finished.is_set():
            if self._backend_pid is not None and blocked_on_a_lock(self._backend_pid):
                return
            assert time.monotonic() < deadline, "the other transaction neither finished nor waited on a lock"
            time.sleep(0.01)

    def join(self) -> "OtherConnection":
        self._thread.join(timeout=60)
        assert not self._thread.is_alive(), "the other transaction did not finish"
        return self
