"""The product's URLconf plus one view that takes as long as it is asked to, in Python (tests only).

tests/e2e/test_graceful_shutdown.py keeps requests in flight with it while gunicorn is told to stop. It sleeps
rather than querying, so it runs on SQLite as on PostgreSQL.

With ``gate=1`` (and SLEEPY_GATE_DIR set in the server's environment) the request first says it is in flight, by a
file ``started-<random>`` in that directory, and then waits until a file ``open`` appears there before it sleeps:
the test sees the requests in the view, and decides when they may go on, without guessing either from a clock.
"""

import os
import time
import uuid
from pathlib import Path

from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import urlpatterns as product_urlpatterns

GATE_WAIT_SECONDS = 60  # bounds a test that never opens the gate (gunicorn's graceful_timeout is 30 s)


def _through_the_gate() -> bool:
    """Announce this request, then wait for the gate to open; False if it never did."""
    gate = Path(os.environ["SLEEPY_GATE_DIR"])
    (gate / f"started-{uuid.uuid4().hex}").touch()
    deadline = time.monotonic() + GATE_WAIT_SECONDS
    while not (gate / "open").exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


class SleepView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        seconds = min(float(request.query_params.get("seconds", "1")), 10.0)
        if request.query_params.get("gate") == "1" and not _through_the_gate():
            return Response({"gate": "never opened"}, status=503)
        time.sleep(seconds)
        return Response({"slept": seconds})


urlpatterns = [path("api/test-sleep/", SleepView.as_view()), *product_urlpatterns]
