"""A statement the database cancelled (statement_timeout, lock_timeout): a JSON 504 ``database_timeout``.

config/db_timeouts.py sets both limits on every PostgreSQL connection. When one fires, psycopg raises
QueryCanceled (SQLSTATE 57014) or LockNotAvailable (55P03), which Django wraps in its OperationalError. The
server is up and answered, so this is not an outage (backend/common/outage.py's 503 ``service_unavailable``):
the request took too long, and the client may try again. api_exception_handler turns it into DatabaseTimeout.
"""

from rest_framework import exceptions, status

from .errors import ErrorCode

# SQLSTATEs: query_canceled (statement_timeout, or pg_cancel_backend) and lock_not_available (lock_timeout).
CANCELLED_SQLSTATES = frozenset({"57014", "55P03"})


class DatabaseTimeout(exceptions.APIException):
    status_code = status.HTTP_504_GATEWAY_TIMEOUT
    default_detail = "The database took too long to answer this request; try again shortly."
    default_code = ErrorCode.DATABASE_TIMEOUT


def statement_cancelled(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or what it wraps) is PostgreSQL cancelling a statement for running or waiting too long."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if type(exc).__module__.startswith("psycopg") and getattr(exc, "sqlstate", None) in CANCELLED_SQLSTATES:
            return True
        exc = exc.__cause__
    return False


def as_database_timeout(exc: Exception) -> Exception:
    """DatabaseTimeout for a cancelled statement; any other exception unchanged."""
    return DatabaseTimeout() if statement_cancelled(exc) else exc
