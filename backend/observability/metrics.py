"""Prometheus metrics of the app, and the receivers that feed them.

Names and labels are an interface: the alerts and the dashboard in
k8s/components/monitoring query them, and a test checks every name they use exists.
Under gunicorn the values live in PROMETHEUS_MULTIPROC_DIR, one file per worker, and
/metrics sums them (prometheus_client multiprocess mode):
https://prometheus.github.io/client_python/multiprocess/
"""

import os
from pathlib import Path
from typing import Any, Literal

from django.core.exceptions import ImproperlyConfigured
from django.db.backends.base.base import BaseDatabaseWrapper
from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics


def multiprocess_dir_make() -> None:
    """Create PROMETHEUS_MULTIPROC_DIR when it is set and missing, as gunicorn's master does.

    prometheus_client opens a value file there for the first metric below, and a missing directory was a bare
    FileNotFoundError at import: every one-off command (migrate, createsuperuser, the CronJobs) of a container whose
    gunicorn never ran failed. A directory that cannot be made names the variable instead.
    """
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip()
    if not path:
        return
    try:
        Path(path).mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ImproperlyConfigured(
            f"PROMETHEUS_MULTIPROC_DIR={path!r} does not exist and cannot be created ({error.strerror}): "
            "point it at a writable directory, or leave it unset (gunicorn then makes a temporary one)."
        ) from error


multiprocess_dir_make()
# No `*_created` series: they double what a scrape carries and nothing here queries them.
disable_created_metrics()

HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

http_requests = Counter(
    "http_requests", "HTTP requests answered, by view, method and status.", ["view", "method", "status"]
)
http_request_duration = Histogram(
    "http_request_duration_seconds",
    "Time from the first middleware to the response (to its end, when streamed), by view, method and status.",
    ["view", "method", "status"],
    buckets=LATENCY_BUCKETS,
)
# Requests between the start of the observability middleware and their end (a streamed one's: the end of its
# stream). In multiprocess mode each worker's value counts while the worker lives, and /metrics sums them ("livesum"):
# a dead worker's last value is not left behind. Saturation: near WEB_CONCURRENCY x GUNICORN_THREADS, requests queue.
http_requests_in_progress = Gauge(
    "http_requests_in_progress",
    "Requests being served (a streamed response until its stream ends).",
    multiprocess_mode="livesum",
)
db_queries = Counter("db_queries", "Database queries executed, by connection alias and vendor.", ["alias", "vendor"])
db_query_errors = Counter("db_query_errors", "Database queries that raised, by alias and vendor.", ["alias", "vendor"])
# "cache", not "namespace": Prometheus sets `namespace` (the pod's) on every series it scrapes.
cache_lookups = Counter("cache_lookups", "Cached reads, by cache and result (hit, miss).", ["cache", "result"])
auth_events = Counter("auth_events", "Audited authentication events, by event (see backend.audit).", ["event"])
auth_sessions_revoked = Counter("auth_sessions_revoked", "Sessions revoked, for any reason.")
rate_limit_rejections = Counter("rate_limit_rejections", "Requests refused by a rate limit, by scope.", ["scope"])
db_unavailable_responses = Counter(
    "db_unavailable_responses", "Requests answered 503 because the database could not be reached."
)
# Each attempt to send an email ends in one outcome (backend/common/mail.py): sent; retried (a temporary failure,
# tried again later); rejected (refused for good, a 5xx reply: retrying would be refused again); failed (still
# failing after the last attempt, or the process exited first). `kind` is the email's (password_reset, ...).
EMAIL_OUTCOMES = ("sent", "retried", "rejected", "failed")
emails = Counter("emails", "Email delivery attempts, by kind of email and outcome.", ["kind", "outcome"])
# Every kind the app sends (backend/accounts/emails; a test keeps this list complete). Their series are created at 0
# at import (emails_init, below): a pod that only sweeps rows another pod queued (it died, the relay was down) tries
# a kind it never queued itself, and a series created just before its first attempt would first be scraped at 1,
# which increase() does not see.
EMAIL_KINDS = (
    *("email_verification", "email_change", "password_reset", "sign_in_code"),
    *("account_deleted_notice", "email_changed_by_operator_notice", "email_changed_notice", "email_in_use_notice"),
    *("mfa_reset_notice", "new_sign_in_notice", "oidc_connected_notice", "oidc_disconnected_notice"),
    *("passkey_added_notice", "passkey_removed_notice", "password_changed_notice", "password_set_by_operator_notice"),
    *("recovery_code_used_notice", "recovery_codes_regenerated_notice", "second_step_failed_notice"),
    *("session_reuse_notice", "sign_in_code_unconfirmed_notice", "totp_disabled_notice", "totp_enabled_notice"),
)
# Each new password checked against the breach API (backend/accounts/breached_passwords.py) ends in one result:
# breached (refused); clean; unavailable (no usable answer: accepted, and the outage remembered for a minute);
# skipped (accepted unchecked during such a remembered outage). Not counted while PASSWORD_BREACH_CHECK is off.
PASSWORD_BREACH_RESULTS = ("breached", "clean", "unavailable", "skipped")
password_breach_checks = Counter(
    "password_breach_checks", "New passwords checked against the breach API, by result.", ["result"]
)
for _result in PASSWORD_BREACH_RESULTS:
    password_breach_checks.labels(result=_result)  # each series at 0 from the start, so increase() sees the first

# Redis failures, each one that backend/common/outage.py is told of (it logs one a minute), by the part of the app
# that met it: the shared cache (django-redis; its calls refused by the open breaker too), the rate limits, the
# versioned response cache. The app keeps serving through a Redis outage: this is what shows it.
RedisComponent = Literal["cache", "ratelimit", "response_cache"]
REDIS_COMPONENTS: tuple[RedisComponent, ...] = ("cache", "ratelimit", "response_cache")
redis_failures = Counter("redis_failures", "Redis calls that failed, by component of the app.", ["component"])
# Each at 0 from the start, so increase() sees the first failure of a pod's life.
_redis_failure_series = {component: redis_failures.labels(component=component) for component in REDIS_COMPONENTS}


def redis_failure(component: RedisComponent) -> None:
    _redis_failure_series[component].inc()


# The series of each (view, method, status) seen, so a request costs a dict lookup instead of two labels() calls
# (each takes a lock and builds the label tuple). Bounded like the series themselves: views are URL names, methods
# are folded into HTTP_METHODS, statuses are three digits.
_request_series: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def request_observe(*, view: str, method: str, status: int, seconds: float) -> None:
    if method not in HTTP_METHODS:
        method = "OTHER"  # before the lookup: a client's made-up methods must not grow the dictionary
    key = (view, method, status)
    series = _request_series.get(key)
    if series is None:
        labels = {"view": view, "method": method, "status": str(status)}
        series = _request_series[key] = (http_requests.labels(**labels), http_request_duration.labels(**labels))
    series[0].inc()
    series[1].observe(seconds)


_email_kinds_ready: set[str] = set()


def emails_init(kind: str) -> None:
    """Create ``kind``'s series of every outcome at 0 (EMAIL_KINDS' at import; another kind's when its first email
    is queued or swept in this process).

    A series created by its first increment starts at 1, and increase() over it is 0: BackendEmailsFailing missed
    the first email of a kind given up in a pod's life (a lone security notice, say)."""
    if kind in _email_kinds_ready:
        return
    for outcome in EMAIL_OUTCOMES:
        emails.labels(kind=kind, outcome=outcome)
    _email_kinds_ready.add(kind)


for _kind in EMAIL_KINDS:
    emails_init(_kind)


def email_outcome(*, kind: str, outcome: str) -> None:
    if outcome not in EMAIL_OUTCOMES:
        raise ValueError(f"unknown email outcome {outcome!r}")  # a typo would be a new series nothing queries
    emails.labels(kind=kind, outcome=outcome).inc()


def auth_events_init(events: list[str]) -> None:
    """Create each event's series at 0, so rate() and alerts work before the first occurrence."""
    for event in events:
        auth_events.labels(event=event)


# ------------------------------------------------------------------------------
# Receivers (connected in ObservabilityConfig.ready)
# ------------------------------------------------------------------------------
def on_rate_limit_rejected(sender: Any, *, scope: str, **kwargs: Any) -> None:
    rate_limit_rejections.labels(scope=scope).inc()


def on_database_request_refused(sender: Any, **kwargs: Any) -> None:
    db_unavailable_responses.inc()


_lookup_series: dict[tuple[str, bool], Any] = {}  # (namespace, hit) -> its series: a few cached reads, two results


def on_cache_lookup(sender: Any, *, namespace: str, hit: bool, **kwargs: Any) -> None:
    series = _lookup_series.get((namespace, hit))
    if series is None:
        series = _lookup_series[namespace, hit] = cache_lookups.labels(cache=namespace, result="hit" if hit else "miss")
    series.inc()


def on_connection_created(sender: Any, *, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """Count every query of this connection, whatever the database backend.

    Inserted first, so a caller's own ``connection.execute_wrapper()`` (which pops the last
    wrapper on exit) still removes its own. Installed once per connection wrapper.
    """
    if _count_query not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, _count_query)
        db_query_errors.labels(alias=connection.alias, vendor=connection.vendor)  # the series exists at 0


_query_series: dict[tuple[str, str], Any] = {}  # (alias, vendor) -> db_queries' series: one lookup per query


def _count_query(execute: Any, sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
    connection = context["connection"]
    key = (connection.alias, connection.vendor)
    series = _query_series.get(key)
    if series is None:
        series = _query_series[key] = db_queries.labels(alias=key[0], vendor=key[1])
    series.inc()
    try:
        return execute(sql, params, many, context)
    except Exception:
        db_query_errors.labels(alias=key[0], vendor=key[1]).inc()
        raise
