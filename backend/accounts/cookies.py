"""The refresh-token cookie (httpOnly, path-scoped to /api/auth/, SameSite, Secure outside local http) and the device
cookie (login_limits.py)."""

import secrets
from datetime import datetime

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponseBase
from rest_framework.response import Response

_DEVICE_SALT = "backend.accounts.cookies.device"


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


def device_cookie_name() -> str:
    """With Secure, the ``__Host-`` prefix: browsers then accept the cookie only from this very host over https, with
    Path=/ and no Domain, so no sibling subdomain can plant or overwrite it. Local http cannot use the prefix."""
    name = settings.DEVICE_COOKIE_NAME
    return f"__Host-{name}" if settings.REFRESH_COOKIE_SECURE else name


def device_cookie_set(response: HttpResponseBase, *, account: str) -> None:
    """Mark this browser as a known device of ``account`` (login_limits.account_key), with a new device id: each
    successful sign-in starts the device on a fresh bucket, as OWASP's device-cookie scheme issues a new cookie."""
    value = signing.dumps({"a": account, "d": secrets.token_urlsafe(16)}, salt=_DEVICE_SALT)
    response.set_cookie(
        device_cookie_name(),
        value,
        max_age=settings.DEVICE_COOKIE_MAX_AGE_SECONDS,
        path="/",
        secure=settings.REFRESH_COOKIE_SECURE,
        httponly=True,
        samesite="Strict",
    )


def device_cookie_get(request: HttpRequest, *, accounts: tuple[str, ...]) -> str | None:
    """The device id if the request carries a device cookie we signed for the account, which ``accounts`` names (under
    SECRET_KEY and each fallback: login_limits.account_keys), not older than its max age; None for no cookie, a
    forged or expired one, or one of another account."""
    raw = request.COOKIES.get(device_cookie_name())
    if not raw:
        return None
    try:
        data = signing.loads(raw, salt=_DEVICE_SALT, max_age=settings.DEVICE_COOKIE_MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("a") not in accounts or not isinstance(data.get("d"), str):
        return None
    return str(data["d"])
