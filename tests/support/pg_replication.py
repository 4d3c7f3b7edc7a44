"""A throwaway PostgreSQL primary with a streaming replica, for tests of read-replica routing.

Missing PostgreSQL binaries fail the test with a hint; they never skip it.
"""

import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from tests.support.postgres_server import PostgresServer, private_workdir

PRIMARY_SETTINGS = {"wal_level": "replica", "max_wal_senders": "4", "hot_standby": "on"}


class ReplicatedPostgres:
    """``primary`` and its hot-standby ``replica`` (pg_basebackup -R, streaming)."""

    def __init__(self, primary: PostgresServer, replica: PostgresServer) -> None:
        self.primary = primary
        self.replica = replica

    def wait_streaming(self, timeout: float = 30) -> None:
        _wait(
            lambda: (
                self.primary.query_one("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'") == 1
                and self.replica.query_one("SELECT pg_is_in_recovery()") is True
            ),
            timeout,
            "the replica to stream from the primary",
        )

    def wait_replayed(self, timeout: float = 30) -> None:
        """Until the replica has replayed everything the primary has written so far."""
        target = self.primary.query_one("SELECT pg_current_wal_lsn()::text")
        _wait(
            lambda: (
                self.replica.query_one("SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), %s::pg_lsn) >= 0", target)
                is True
            ),
            timeout,
            f"the replica to replay up to {target}",
        )

    @contextmanager
    def replay_paused(self) -> Iterator[None]:
        """The replica keeps answering reads but applies no more changes until the block exits; then it catches up."""
        self.wait_replayed()
        self.replica.query_one("SELECT pg_wal_replay_pause()")
        _wait(
            lambda: self.replica.query_one("SELECT pg_get_wal_replay_pause_state()") == "paused",
            10,
            "replay to pause",
        )
        try:
            yield
        finally:
            self.replica.query_one("SELECT pg_wal_replay_resume()")
        self.wait_replayed()


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


@contextmanager
def replicated_postgres() -> Iterator[ReplicatedPostgres]:
    """Start a primary and a streaming replica on free ports; stop both by pid and delete them on exit."""
    workdir = private_workdir("sad-pg-replication-")
    started: list[PostgresServer] = []
    try:
        primary = PostgresServer.initdb(workdir, "primary", settings=PRIMARY_SETTINGS)
        started.append(primary.start())
        replica = PostgresServer.base_backup(primary, workdir, "replica")
        started.append(replica.start())
        pair = ReplicatedPostgres(primary, replica)
        pair.wait_streaming()
        yield pair
    finally:
        for server in reversed(started):
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="module")
def pg_replication() -> Iterator[ReplicatedPostgres]:
    try:
        with replicated_postgres() as pair:
            yield pair
    except RuntimeError as exc:  # no binaries, or a server that would not start: a failure, never a skip
        pytest.fail(str(exc), pytrace=False)
