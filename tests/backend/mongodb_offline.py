"""Run querysets through django-mongodb-backend's real query compiler with no MongoDB server.

The backend turns a queryset into an aggregation pipeline (or update_many/delete_many filter) and hands it to
PyMongo's collection methods: the only place it does I/O. :func:`recording_mongodb` registers a connection whose
collections record those calls and answer as an empty collection, so a test can check which MQL our selectors and
services produce, and that the backend can translate them at all (an unsupported expression raises while
compiling). The live suite in CI runs against real MongoDB; this is the offline half.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from django.db import connections

ALIAS = "mongodb_offline"
SETTINGS = {
    "ENGINE": "django_mongodb_backend",
    "NAME": "offline",
    "HOST": "mongodb://127.0.0.1:9/offline",  # never contacted: get_collection is replaced below
    "USER": "",
    "PASSWORD": "",
    "PORT": "",
    "OPTIONS": {},
    "TIME_ZONE": None,
    "CONN_MAX_AGE": 0,
    "CONN_HEALTH_CHECKS": False,
    "AUTOCOMMIT": True,
    "ATOMIC_REQUESTS": False,
    "TEST": {},
}


@dataclass
class Recorder:
    calls: list[tuple[str, str, Any]] = field(default_factory=list)
    # What update_many reports as matched (a save with update_fields insists on at least one).
    matched: int = 0

    def of(self, operation: str) -> list[Any]:
        return [argument for _, op, argument in self.calls if op == operation]

    @property
    def operations(self) -> list[str]:
        return [op for _, op, _ in self.calls]


class EmptyCursor:
    """A PyMongo CommandCursor over no documents."""

    def __iter__(self) -> "EmptyCursor":
        return self

    def __next__(self) -> dict[str, Any]:
        raise StopIteration

    next = __next__


class RecordingCollection:
    """The PyMongo Collection methods the backend calls, answering as an empty collection."""

    def __init__(self, name: str, recorder: Recorder) -> None:
        self.name = name
        self.recorder = recorder

    def aggregate(self, pipeline: list[dict[str, Any]], **kwargs: Any) -> EmptyCursor:
        self.recorder.calls.append((self.name, "aggregate", pipeline))
        return EmptyCursor()

    def update_many(self, criteria: dict[str, Any], update: Any, **kwargs: Any) -> SimpleNamespace:
        self.recorder.calls.append((self.name, "update_many", (criteria, update)))
        return SimpleNamespace(matched_count=self.recorder.matched)

    def delete_many(self, criteria: dict[str, Any], **kwargs: Any) -> SimpleNamespace:
        self.recorder.calls.append((self.name, "delete_many", criteria))
        return SimpleNamespace(deleted_count=0)


@contextmanager
def recording_mongodb(alias: str = ALIAS) -> Iterator[Recorder]:
    """Make ``alias`` (e.g. "default", for code that takes no ``using``) a recording MongoDB connection for the
    block; the recorder holds every collection call, plus "start_transaction", "commit" and "abort"."""
    from django_mongodb_backend.base import DatabaseWrapper

    recorder = Recorder()
    connection = DatabaseWrapper({**SETTINGS, "OPTIONS": {}}, alias=alias)
    # Instance attributes shadow the methods that would reach a server.
    connection.get_collection = lambda name, **kwargs: RecordingCollection(name, recorder)
    connection.ensure_connection = lambda: None
    connection.autocommit = True

    def start() -> None:
        recorder.calls.append(("", "start_transaction", None))

    def commit() -> None:
        recorder.calls.append(("", "commit", None))
        connection.run_and_clear_commit_hooks()

    def abort() -> None:
        recorder.calls.append(("", "abort", None))
        connection.run_on_commit = []

    connection.start_transaction_mongo = start
    connection.commit_mongo = commit
    connection.rollback_mongo = abort

    previous = connections[alias] if alias in connections.settings else None
    connections[alias] = connection
    try:
        yield recorder
    finally:
        if previous is not None:
            connections[alias] = previous
        else:
            del connections[alias]
