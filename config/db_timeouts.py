"""PostgreSQL's statement_timeout and lock_timeout for every connection Django opens (docs/operations.md,
"Request time and probes").

gunicorn's gthread workers have no per-request timeout: a request waiting on the database holds its thread for as
long as the database takes. These two server-side limits bound that wait, so a slow query or a lock queue (behind
a migration's ACCESS EXCLUSIVE lock, say) costs one request a clean error instead of holding every thread:

- ``statement_timeout`` cancels any statement running longer (SQLSTATE 57014, psycopg's QueryCanceled);
- ``lock_timeout`` gives up a wait for a lock sooner (SQLSTATE 55P03, LockNotAvailable).

Both reach the server as libpq's ``options`` startup parameter (``-c name=value``), appended to any ``options`` the
DATABASE_URL already carries. PgBouncer in transaction mode refuses that parameter: there, set both on the role
instead (``ALTER ROLE app SET statement_timeout = '15s'``) and set DB_STATEMENT_TIMEOUT=0 and DB_LOCK_TIMEOUT=0.
"""


def _milliseconds(seconds: float) -> int:
    if seconds < 0:
        raise ValueError(f"a timeout cannot be negative: {seconds}")
    return round(seconds * 1000)


def postgres_timeout_options(existing: str | None, *, statement_timeout: float, lock_timeout: float) -> str | None:
    """libpq ``options`` with the two timeouts (seconds; 0 leaves that one at the server's setting) appended."""
    parts = [existing.strip()] if existing and existing.strip() else []
    for name, seconds in (("statement_timeout", statement_timeout), ("lock_timeout", lock_timeout)):
        if _milliseconds(seconds):
            parts.append(f"-c {name}={_milliseconds(seconds)}")
    return " ".join(parts) or None
