"""One exception handler so that every error under /api/ is JSON in DRF's shapes.

Validation errors keep DRF's ``{"field": ["message"]}``; everything else is
``{"detail": "...", "code": "..."}``.
"""

import logging
import re
import sys
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler

from .api_paths import is_api_path
from .errors import ErrorCode
from .outage import database_outage, is_database_outage
from .timeouts import as_database_timeout

logger = logging.getLogger(__name__)


class PreconditionFailed(exceptions.APIException):
    """The resource changed since the client read it: its ETag no longer matches ``If-Match``."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The resource changed since you read it; fetch it again and reapply your change."
    default_code = ErrorCode.PRECONDITION_FAILED

    def __init__(self, *, current_etag: str | None = None) -> None:
        super().__init__()
        self.current_etag = current_etag  # sent back as ETag, so the client knows what it is up against


class InvalidIfMatch(exceptions.APIException):
    """An ``If-Match`` header that names no ETag: a malformed request, not a precondition that failed."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = (
        'If-Match must be "*" or a comma-separated list of quoted ETags, e.g. If-Match: "abc"; '
        "send the ETag of your last read, or no If-Match to write unconditionally."
    )
    default_code = ErrorCode.INVALID_IF_MATCH


class WriteConflict(exceptions.APIException):
    """Concurrent writers kept winning a compare-and-set; the client may simply retry."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "This is being changed by someone else right now; try again."
    default_code = ErrorCode.CONFLICT


class RacedWrite(exceptions.APIException):
    """A write the database refused because a concurrent request deleted what it refers to (a task created while its
    owner's account is being deleted): a foreign key that held when the request was checked. A 409, not a 500: the
    request was fine then. Any other integrity error (a NOT NULL, a CHECK, a unique value the code never checks) is a
    bug and stays a 500, reported as one."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = (
        "This could not be saved: something it depends on changed at the same moment (it was deleted, or taken "
        "by another request). Fetch the current state and try again."
    )
    default_code = ErrorCode.CONFLICT


class ServiceUnavailable(exceptions.APIException):
    """The database cannot be reached: a 503 with ``Retry-After``, never a 500 (backend/common/outage.py)."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The service is briefly unavailable (its database cannot be reached); retry shortly."
    default_code = ErrorCode.SERVICE_UNAVAILABLE

    def __init__(self) -> None:
        super().__init__()
        self.wait = settings.DATABASE_RETRY_AFTER_SECONDS  # DRF's handler sends it as Retry-After


def database_unavailable_response(request: HttpRequest, exc: BaseException) -> HttpResponse:
    """The 503 for a request the database could not serve, outside DRF's views (the admin, a middleware).

    Reported once per outage (not per request), and never logged again by django.request."""
    database_outage.failed(exc, refused_request=True)
    retry_after = str(settings.DATABASE_RETRY_AFTER_SECONDS)
    if is_api_path(request.path_info):
        response: HttpResponse = _json_error(
            str(ServiceUnavailable.default_detail), ErrorCode.SERVICE_UNAVAILABLE, status.HTTP_503_SERVICE_UNAVAILABLE
        )
    else:
        response = HttpResponse(
            "Service briefly unavailable; retry shortly.\n", status=503, content_type="text/plain; charset=utf-8"
        )
    response["Retry-After"] = retry_after
    response._has_been_logged = True  # type: ignore[attr-defined]  # django.utils.log.log_response skips it
    return response


def _is_transient_transaction_error(exc: Exception) -> bool:
    """MongoDB's write conflict between two transactions (pymongo labels it; duck-typed: no pymongo import on SQL)."""
    has_error_label = getattr(exc, "has_error_label", None)
    return callable(has_error_label) and bool(has_error_label("TransientTransactionError"))


# PostgreSQL's deadlock_detected and serialization_failure: the server aborted this transaction to let a concurrent
# one through. It is rolled back whole (an Idempotency-Key's record is written in it too), so retrying is safe.
_RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})


def _is_aborted_for_a_concurrent_transaction(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or what it wraps: psycopg's error is the cause of Django's) carries one of those SQLSTATEs."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if type(exc).__module__.startswith("psycopg") and getattr(exc, "sqlstate", None) in _RETRYABLE_SQLSTATES:
            return True
        exc = exc.__cause__
    return False


def _is_foreign_key_violation(exc: IntegrityError) -> bool:
    """PostgreSQL's SQLSTATE 23503 (psycopg's error, kept as the cause), or SQLite's message for the same."""
    return getattr(exc.__cause__, "sqlstate", None) == "23503" or "FOREIGN KEY constraint failed" in str(exc)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    exc = as_database_timeout(exc)  # a statement PostgreSQL cancelled: 504 database_timeout (timeouts.py)
    if _is_transient_transaction_error(exc):
        exc = WriteConflict()
    elif _is_aborted_for_a_concurrent_transaction(exc):
        # A 409 the client may retry, not a 500. Still logged: at READ COMMITTED each is most likely a deadlock, two
        # writers locking rows in orders the code should make the same (as task_bulk_apply does).
        logger.warning("transaction aborted by the database for a concurrent one; answered 409", exc_info=exc)
        exc = WriteConflict()
    elif isinstance(exc, IntegrityError) and _is_foreign_key_violation(exc):
        logger.warning("write refused by a database constraint; answered 409", exc_info=exc)
        exc = RacedWrite()
    elif is_database_outage(exc):
        database_outage.failed(exc, refused_request=True)
        exc = ServiceUnavailable()
    if isinstance(exc, DjangoValidationError):
        # full_clean() in a service: report it exactly like a serializer would.
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = exception_handler(exc, context)
    if response is None:
        return None  # Unexpected: Django's handler500 renders JSON for /api/.
    if isinstance(exc, PreconditionFailed) and exc.current_etag:
        response.headers["ETag"] = exc.current_etag
    if isinstance(exc, ServiceUnavailable):
        response._has_been_logged = True  # type: ignore[attr-defined]  # reported once per outage instead

    if isinstance(exc, exceptions.ValidationError):
        if isinstance(response.data, list):
            response.data = {"non_field_errors": response.data}
        # DRF's messages repeat what the client sent ('"…" is not a valid choice.'), which may hold a lone UTF-16
        # surrogate (JSON's "\ud800"): no UTF-8 encodes it, so the renderer would fail with a 500.
        response.data = _surrogates_replaced(response.data)
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        response.data = {
            "detail": response.data.get("detail", str(exc.detail))
            if isinstance(response.data, dict)
            else str(exc.detail),
            "code": codes if isinstance(codes, str) else exc.default_code,
        }
    return response


_SURROGATE = re.compile("[\ud800-\udfff]")


def _surrogates_replaced(data: Any) -> Any:
    """``data`` with every lone surrogate in its strings replaced by U+FFFD (the replacement character)."""
    if isinstance(data, str):
        return _SURROGATE.sub("\ufffd", data) if _SURROGATE.search(data) else data
    if isinstance(data, dict):
        return {key: _surrogates_replaced(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_surrogates_replaced(value) for value in data]
    return data


def _json_error(detail: str, code: ErrorCode, status_code: int) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status_code)


@csrf_exempt  # a plain view: without this a POST would meet Django's HTML "CSRF verification failed" page
def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Catch-all for unknown /api/ paths, so they answer JSON rather than HTML."""
    return _json_error("Not found.", ErrorCode.NOT_FOUND, status.HTTP_404_NOT_FOUND)


def handler404(request: HttpRequest, exception: Exception | None = None) -> Any:
    if is_api_path(request.path_info):
        return api_not_found(request)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def handler500(request: HttpRequest) -> Any:
    # Called while Django handles the exception: a database outage raised outside any view (in a middleware) is
    # a 503 as well.
    exc = sys.exc_info()[1]
    if exc is not None and is_database_outage(exc):
        return database_unavailable_response(request, exc)
    if is_api_path(request.path_info):
        return _json_error("Internal server error.", ErrorCode.SERVER_ERROR, 500)
    from django.views.defaults import server_error

    return server_error(request)


def handler400(request: HttpRequest, exception: Exception | None = None) -> Any:
    if is_api_path(request.path_info):
        return _json_error("Bad request.", ErrorCode.BAD_REQUEST, status.HTTP_400_BAD_REQUEST)
    from django.views.defaults import bad_request

    return bad_request(request, exception or Exception("Bad request"))
