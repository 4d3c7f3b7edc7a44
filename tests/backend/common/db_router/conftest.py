"""Fixtures of the replica-router tests: replica aliases that are second connections to the test database,
one that is down, and a request passing through ReplicaRoutingMiddleware. Test modules here start with
``pytestmark = REPLICA_DB`` (imported from this conftest, which defines the aliases)."""

import copy
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connections
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from backend.accounts.models import User
from backend.common.db_router import ReplicaRouter, ReplicaRoutingMiddleware, replica_reset_down
from tests.support.net import free_port

REPLICAS = ["replica_0", "replica_1"]


DOWN = "replica_down"  # a replica whose server is down
# A test module may open connections to the replica aliases; transaction=True: no test-wide transaction on the
# primary, so reads may be routed to a replica.
REPLICA_DB = pytest.mark.django_db(transaction=True, databases=["default", *REPLICAS, DOWN])


def _unreachable() -> dict[str, Any]:
    """Settings of a database server that is down: a closed port, or an SQLite file that cannot be opened."""
    if connections["default"].vendor == "sqlite":
        return {"NAME": "/nonexistent-directory/replica.sqlite3"}
    return {"HOST": "127.0.0.1", "PORT": free_port(), "OPTIONS": {"connect_timeout": 5}}


@pytest.fixture(scope="module", autouse=True)
def replica_aliases(django_db_setup) -> Iterator[None]:
    """REPLICAS as real database aliases: second connections to the test database (a replica serves the primary's
    rows; TEST MIRROR as config/replicas.py sets it), and DOWN, a server that refuses connections.

    After django_db_setup, which would otherwise point DOWN's test settings at the test database."""
    for alias, changes in [*((alias, {}) for alias in REPLICAS), (DOWN, _unreachable())]:
        entry = copy.deepcopy(connections.settings["default"])
        entry.get("OPTIONS", {}).pop("pool", None)  # a plain connection: nothing to close but itself
        entry["TEST"] = {**entry.get("TEST", {}), "MIRROR": "default"}
        entry.update(changes)
        connections.settings[alias] = entry
    yield
    for alias in [*REPLICAS, DOWN]:
        connections[alias].close()
        del connections[alias]
        del connections.settings[alias]


@pytest.fixture(autouse=True)
def _no_replica_is_down() -> Iterator[None]:
    replica_reset_down()
    yield
    replica_reset_down()


@pytest.fixture
def router() -> ReplicaRouter:
    return ReplicaRouter(replicas=REPLICAS)


@pytest.fixture
def replicas_on(settings):
    """Settings as with DATABASE_REPLICA_URLS set (the markers are a no-op without replicas)."""
    settings.DATABASE_REPLICA_ALIASES = REPLICAS
    settings.DATABASE_REPLICA_PIN_SECONDS = 5
    return settings


def during_request(
    body: Callable[[HttpRequest], Any], *, method: str = "GET", path: str = "/api/tasks/", user: User | None = None
) -> Any:
    """Run ``body(request)`` as the view of a request passing through ReplicaRoutingMiddleware."""
    request = RequestFactory().generic(method, path)
    if user is not None:
        request.user = user  # as DRF sets it once the token is authenticated
    result: list[Any] = []

    def view(request: HttpRequest) -> HttpResponse:
        result.append(body(request))
        return HttpResponse()

    ReplicaRoutingMiddleware(view)(request)
    return result[0]
