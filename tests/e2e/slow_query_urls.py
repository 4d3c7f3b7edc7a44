"""The product's URLconf plus one API view that runs a query for as long as it is asked to (tests only).

tests/e2e/test_statement_timeout.py serves it with gunicorn to show that statement_timeout cancels the query
and the client gets a JSON 504 instead of a thread held for the query's whole duration.
"""

from django.db import connection
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import urlpatterns as product_urlpatterns


class SlowQueryView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(%s)", [float(request.query_params.get("seconds", "30"))])
        return Response({"slept": True})


urlpatterns = [path("api/test-slow-query/", SlowQueryView.as_view()), *product_urlpatterns]
