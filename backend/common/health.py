"""Liveness and readiness probes for the orchestrator."""

import logging
import uuid

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from .db import MONGODB_VENDOR, database_ping
from .outage import database_outage, is_database_outage

logger = logging.getLogger(__name__)


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and serving. No I/O, so a slow dependency never restarts pods."""
    return JsonResponse({"status": "ok"})


def _database_ok() -> bool:
    try:
        # Portable across backends: no raw SQL of our own; a ping on MongoDB.
        database_ping()
    except Exception as exc:
        if is_database_outage(exc):
            database_outage.failed(exc, refused_request=False)  # logged once per outage, not once per probe
        else:
            logger.warning("readyz: database check failed", exc_info=True)
        return False
    database_outage.answered()  # MongoDB keeps its client: no new connection would end the outage otherwise
    return True


class _Migrations:
    """Whether every migration of this code is applied. A pod started on a database nobody migrated answers every
    query about a missing table with a 500; it stays out of the Service instead, and says why. Once all are seen
    applied, this process never asks again (its code, and so its migrations, cannot change): a probe then costs
    nothing. MongoDB is not asked (its migrations are the contrib apps' own, docs/mongodb.md)."""

    applied = False

    def ok(self) -> bool:
        if self.applied or connections[DEFAULT_DB_ALIAS].vendor == MONGODB_VENDOR:
            return True
        try:
            executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
            pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except Exception:
            logger.warning("readyz: the migrations could not be checked", exc_info=True)
            return True  # the check itself failed: no reason to take the pod out
        if pending:
            logger.warning(
                "readyz: %d migration(s) not applied (first: %s): run `manage.py migrate` (the migrate Job)",
                len(pending),
                pending[0][0],
            )
            return False
        self.applied = True
        return True


migrations = _Migrations()


def _cache_ok() -> bool:
    key = f"readyz:{uuid.uuid4().hex}"
    try:
        cache.set(key, "1", timeout=5)
        ok = cache.get(key) == "1"
        cache.delete(key)
    except Exception:
        logger.warning("readyz: cache check failed", exc_info=True)
        return False
    return ok


@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers and every migration is applied, "degraded" (still 200) when only the cache
    does not answer; 503 naming the database when it does not answer, or ``migrations`` when some are not applied.

    The cache does not decide readiness: Redis is shared by every pod, so a Redis outage would take them all out of
    the Service at once (a full outage, behind the ingress's own 503), while the app serves without it (reads from
    the database, rate limits per process, sessions checked in the database: docs/operations.md)."""
    checks = {"database": _database_ok()}
    if checks["database"]:  # which migrations are applied is known only from a database that answers
        checks["migrations"] = migrations.ok()
    checks["cache"] = _cache_ok()
    serving = checks["database"] and checks.get("migrations", False)
    body: dict[str, object] = {
        "status": "ok" if all(checks.values()) else ("degraded" if serving else "unavailable"),
        "checks": {name: "ok" if ok else "failed" for name, ok in checks.items()},
    }
    failed = [name for name, ok in checks.items() if not ok]
    if failed:
        body["failed"] = failed
    response = JsonResponse(body, status=200 if serving else 503)
    # Each failed check logged its own warning (a database outage once per outage): no error line per probe.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response
