"""Helpers for driving the auth API the way the SPA does."""

from django.conf import settings
from rest_framework.test import APIClient

from tests.factories import DEFAULT_PASSWORD


def login(client: APIClient, email: str, password: str = DEFAULT_PASSWORD, **extra):
    return client.post("/api/auth/login/", {"email": email, "password": password}, format="json", **extra)


def refresh(client: APIClient, **extra):
    """POST refresh/ with the cookie jar the client holds (application/json, empty body)."""
    return client.post("/api/auth/refresh/", {}, format="json", **extra)


def refresh_cookie(response) -> str:
    return response.cookies[settings.REFRESH_COOKIE_NAME].value


def bearer(client: APIClient, access: str) -> APIClient:
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client
