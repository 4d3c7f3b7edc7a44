"""backend/common/outage.py's database half, and the 503 it leads to (exceptions.py, middleware.py).

The database failures are raised by an execute wrapper around the real queries, as the driver would raise them;
tests/e2e/test_database_outage.py stops a real PostgreSQL server underneath gunicorn.
"""

import logging
import sys

import psycopg
import pytest
from django.db import OperationalError, connection
from django.test import RequestFactory
from psycopg_pool import PoolTimeout
from pymongo.errors import OperationFailure, ServerSelectionTimeoutError

from backend.common.exceptions import api_exception_handler, handler500
from backend.common.middleware import DatabaseUnavailableMiddleware
from backend.common.outage import database_outage, is_database_outage
from tests.backend.observability.helpers import sample

DETAIL = "The service is briefly unavailable (its database cannot be reached); retry shortly."


def wrapped(cause: BaseException) -> OperationalError:
    """Django's error around the driver's, as ``DatabaseErrorWrapper`` raises it."""
    try:
        raise OperationalError(str(cause)) from cause
    except OperationalError as exc:
        return exc


def deadlock() -> psycopg.Error:
    # A server error: psycopg gives it the SQLSTATE the server sent.
    return psycopg.errors.lookup("40P01")("deadlock detected")


@pytest.mark.parametrize(
    ("error", "unavailable"),
    [
        (wrapped(psycopg.OperationalError("connection failed: Connection refused")), True),
        (wrapped(psycopg.OperationalError("server closed the connection unexpectedly")), True),
        (wrapped(PoolTimeout("couldn't get a connection after 3.00 sec")), True),
        (wrapped(psycopg.errors.lookup("57P01")("terminating connection due to administrator command")), True),
        (wrapped(psycopg.errors.lookup("57P03")("the database system is starting up")), True),
        (wrapped(psycopg.errors.lookup("08006")("connection failure")), True),
        (wrapped(psycopg.errors.lookup("53300")("too many connections")), True),
        (ServerSelectionTimeoutError("No servers found yet"), True),
        (wrapped(deadlock()), False),
        (wrapped(psycopg.errors.lookup("57014")("canceling statement due to statement timeout")), False),
        (wrapped(psycopg.errors.lookup("23505")("duplicate key value")), False),
        (OperationalError("database is locked"), False),  # SQLite: busy, not down
        (OperationFailure("WriteConflict", code=112), False),
        (RuntimeError("boom"), False),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, BaseException) else str(value),
)
def test_only_errors_that_say_the_database_cannot_be_reached_count_as_an_outage(error, unavailable):
    assert is_database_outage(error) is unavailable


@pytest.fixture
def database_down():
    """Every query of this thread fails as it does when the server has gone (connection lost)."""

    def refuse(execute, sql, params, many, context):
        raise wrapped(psycopg.OperationalError("server closed the connection unexpectedly"))

    with connection.execute_wrapper(refuse):
        yield


def test_an_api_request_during_an_outage_is_a_json_503_with_retry_after_and_is_counted(
    auth_client, database_down, settings
):
    settings.DATABASE_RETRY_AFTER_SECONDS = 7
    before = sample("db_unavailable_responses_total")

    response = auth_client.get("/api/tasks/")

    assert response.status_code == 503
    assert response.json() == {"detail": DETAIL, "code": "service_unavailable"}
    assert response["Retry-After"] == "7"
    assert sample("db_unavailable_responses_total") - before == 1


def test_a_write_during_an_outage_is_a_503_too(auth_client, database_down):
    response = auth_client.post("/api/tasks/", {"title": "lost?"}, format="json")

    assert (response.status_code, response.json()["code"]) == (503, "service_unavailable")


def test_an_outage_is_logged_once_when_it_begins_and_once_when_it_ends_however_many_requests_it_refuses(
    auth_client, caplog, json_logs
):
    with caplog.at_level(logging.INFO):
        with connection.execute_wrapper(_refuse_lost):
            statuses = [auth_client.get("/api/tasks/").status_code for _ in range(5)]
        database_outage.answered()  # what the next connection made does (connection_created)
        database_outage.answered()

    assert statuses == [503] * 5
    outage = [record for record in caplog.records if record.name == "backend.database"]
    assert [record.levelno for record in outage] == [logging.WARNING, logging.WARNING]
    began = "Database unavailable (OperationalError: server closed the connection unexpectedly); requests that need"
    assert outage[0].getMessage().startswith(began)
    assert outage[1].getMessage().endswith("5 requests were answered 503 meanwhile.")
    # No traceback, and no django.request line per request: only each request's own access line (backend.request,
    # which structlog writes itself: read from the lines, as caplog sees only the standard library's records).
    errors = [line for line in json_logs() if line["level"] in ("error", "critical")]
    assert {line["logger"] for line in errors} == {"backend.request"}
    # Those 5xx request lines go through logging's records too: Sentry reads them (no exception reaches it here).
    request_errors = [r for r in caplog.records if r.name == "backend.request" and r.levelno == logging.ERROR]
    assert len(request_errors) == len(errors) >= 5


def _refuse_lost(execute, sql, params, many, context):
    raise wrapped(psycopg.OperationalError("server closed the connection unexpectedly"))


def test_a_failed_query_on_a_live_database_is_still_left_to_the_500_handler():
    request = RequestFactory().get("/api/tasks/")
    failed = wrapped(psycopg.errors.lookup("42P01")('relation "nope" does not exist'))
    assert api_exception_handler(failed, {"request": request, "view": None}) is None


@pytest.mark.parametrize(
    "cause",
    [deadlock(), psycopg.errors.lookup("40001")("could not serialize access due to concurrent update")],
    ids=["deadlock", "serialization-failure"],
)
def test_a_transaction_the_database_aborted_for_a_concurrent_one_is_a_409_to_retry(cause):
    # The transaction was rolled back whole (an Idempotency-Key's record with it): retrying is safe.
    request = RequestFactory().post("/api/tasks/bulk/")

    response = api_exception_handler(wrapped(cause), {"request": request, "view": None})

    assert response is not None
    assert (response.status_code, response.data["code"]) == (409, "conflict")


def test_views_outside_drf_answer_503_in_plain_text_for_pages_and_json_under_the_api():
    middleware = DatabaseUnavailableMiddleware(lambda request: None)  # type: ignore[arg-type,return-value]
    outage = wrapped(PoolTimeout("couldn't get a connection after 3.00 sec"))

    page = middleware.process_exception(RequestFactory().get("/admin/"), outage)
    api = middleware.process_exception(RequestFactory().get("/api/tasks/"), outage)
    other = middleware.process_exception(RequestFactory().get("/admin/"), wrapped(deadlock()))

    assert page is not None
    assert api is not None
    assert (page.status_code, page["Content-Type"], page["Retry-After"]) == (503, "text/plain; charset=utf-8", "5")
    assert (api.status_code, api["Content-Type"]) == (503, "application/json")
    assert other is None


def test_an_outage_raised_in_a_middleware_reaches_handler500_which_answers_503():
    try:
        raise wrapped(psycopg.OperationalError("connection failed: Connection refused"))
    except OperationalError:
        assert sys.exc_info()[0] is OperationalError
        response = handler500(RequestFactory().get("/api/auth/me/"))

    assert response.status_code == 503
    assert response["Retry-After"] == "5"


def test_the_admin_answers_503_when_the_database_is_down(admin_client, database_down):
    response = admin_client.get("/admin/tasks/task/")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
