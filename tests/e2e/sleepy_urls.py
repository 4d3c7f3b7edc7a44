"""The product's URLconf plus one view that takes as long as it is asked to, in Python (tests only).

tests/e2e/test_graceful_shutdown.py keeps requests in flight with it while gunicorn is told to stop. It sleeps
rather than querying, so it runs on SQLite as on PostgreSQL.
"""

import time

from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import urlpatterns as product_urlpatterns


class SleepView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        seconds = min(float(request.query_params.get("seconds", "1")), 10.0)
        time.sleep(seconds)
        return Response({"slept": seconds})


urlpatterns = [path("api/test-sleep/", SleepView.as_view()), *product_urlpatterns]
