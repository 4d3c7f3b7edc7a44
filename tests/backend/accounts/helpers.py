"""Helpers for driving the auth API the way the SPA does."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from backend.accounts.models import AuthSession
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


def grace_window_passed() -> None:
    """Move every session's last rotation back past the reuse grace window (REFRESH_REUSE_INTERVAL_SECONDS), as if
    that much time had gone by: a rotated token presented now is reuse."""
    past = timezone.now() - timedelta(seconds=settings.REFRESH_REUSE_INTERVAL_SECONDS + 1)
    AuthSession.objects.filter(rotated_at__isnull=False).update(rotated_at=past)
