"""DRF's content negotiation, reading the Accept header from the WSGI environ.

DRF reads it through ``request.headers``, which builds a dictionary of every request header (about 5 us) just to
find this one; nothing else on the API's hot path needs that dictionary. The negotiation itself, with DRF's bounds
on the header's length and tokens, is DRF's own (REST_FRAMEWORK["DEFAULT_CONTENT_NEGOTIATION_CLASS"]).
"""

from typing import Any

from rest_framework.negotiation import DefaultContentNegotiation


class _AcceptOnly:
    """What DefaultContentNegotiation.get_accept_list reads of a request: ``headers.get("accept", default)``."""

    __slots__ = ("headers",)

    def __init__(self, accept: str | None) -> None:
        self.headers = {} if accept is None else {"accept": accept}


class ContentNegotiation(DefaultContentNegotiation):
    def get_accept_list(self, request: Any) -> list[str]:
        return super().get_accept_list(_AcceptOnly(request.META.get("HTTP_ACCEPT")))  # type: ignore[arg-type]
