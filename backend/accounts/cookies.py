"""The refresh-token cookie: httpOnly, path-scoped to /api/auth/, SameSite, Secure outside local http."""

from datetime import datetime

from django.conf import settings
from django.http import HttpRequest
from rest_framework.response import Response


def refresh_cookie_set(response: Response, *, token: str, expires_at: datetime) -> None:
    response.set_cookie(
        settings.REFRESH_COOKIE_NAME,
        token,
        expires=expires_at,
        path=settings.REFRESH_COOKIE_PATH,
        domain=settings.REFRESH_COOKIE_DOMAIN,
        secure=settings.REFRESH_COOKIE_SECURE,
        httponly=True,
        samesite=settings.REFRESH_COOKIE_SAMESITE,
    )


def refresh_cookie_clear(response: Response) -> None:
    response.delete_cookie(
        settings.REFRESH_COOKIE_NAME,
        path=settings.REFRESH_COOKIE_PATH,
        domain=settings.REFRESH_COOKIE_DOMAIN,
        samesite=settings.REFRESH_COOKIE_SAMESITE,
    )


def refresh_cookie_get(request: HttpRequest) -> str | None:
    return request.COOKIES.get(settings.REFRESH_COOKIE_NAME) or None
