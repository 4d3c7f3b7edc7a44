"""The base class of every API view."""

from typing import Any

from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.views import APIView


class ApiView(APIView):
    """DRF's APIView, except that requests refused for missing or bad credentials count against the ``anon``
    rate limit too (and get a 429 once over it).

    DRF authenticates and checks permissions before it throttles, so otherwise an anonymous client could
    hammer protected endpoints, or try forged tokens, without ever being limited.
    """

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        try:
            super().initial(request, *args, **kwargs)
        except (exceptions.NotAuthenticated, exceptions.AuthenticationFailed):
            self.check_throttles(request)  # the request is anonymous now: counts per IP, raises Throttled when over
            raise
