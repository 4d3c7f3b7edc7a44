"""Request guards that must run before any view parses the body, and the 503 for a database outage."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from .errors import ErrorCode
from .outage import database_unavailable


class RequestBodyLimitMiddleware:
    """Refuse bodies larger than DATA_UPLOAD_MAX_MEMORY_SIZE with a JSON 413.

    DRF's parsers read the raw stream, which bypasses Django's own size check,
    so without this a client could make a worker buffer an arbitrarily large body.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw_length = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(raw_length)
        except ValueError:
            return JsonResponse({"detail": "Invalid Content-Length header.", "code": ErrorCode.BAD_REQUEST}, status=400)
        if limit is not None and length > limit:
            return JsonResponse(
                {
                    "detail": f"Request body too large; the limit is {limit} bytes.",
                    "code": ErrorCode.REQUEST_TOO_LARGE,
                },
                status=413,
            )
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """A view outside DRF (the admin) that cannot reach the database answers 503 with Retry-After, not 500.

    DRF's views get the same from the exception handler (backend/common/exceptions.py); an outage raised in
    another middleware reaches ``handler500``, which answers 503 too.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not database_unavailable(exception):
            return None
        from .exceptions import database_unavailable_response

        return database_unavailable_response(request, exception)
