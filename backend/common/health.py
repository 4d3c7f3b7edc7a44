"""Liveness and readiness probes for the orchestrator."""

import logging
import uuid

from django.core.cache import cache
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from .db import database_ping
from .outage import database_outage, database_unavailable

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
        if database_unavailable(exc):
            database_outage.failed(exc, refused_request=False)  # logged once per outage, not once per probe
        else:
            logger.warning("readyz: database check failed", exc_info=True)
        return False
    database_outage.answered()  # MongoDB keeps its client: no new connection would end the outage otherwise
    return True


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
    """200 when the database answers, "degraded" (still 200) when only the cache does not; 503 naming the database
    when it does not answer.

    The cache does not decide readiness: Redis is shared by every pod, so a Redis outage would take them all out of
    the Service at once (a full outage, behind the ingress's own 503), while the app serves without it (reads from
    the database, rate limits per process, sessions checked in the database: docs/operations.md)."""
    checks = {"database": _database_ok(), "cache": _cache_ok()}
    body: dict[str, object] = {
        "status": "ok" if all(checks.values()) else ("degraded" if checks["database"] else "unavailable"),
        "checks": {name: "ok" if ok else "failed" for name, ok in checks.items()},
    }
    failed = [name for name, ok in checks.items() if not ok]
    if failed:
        body["failed"] = failed
    response = JsonResponse(body, status=200 if checks["database"] else 503)
    # Each failed check logged its own warning (a database outage once per outage): no error line per probe.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response
