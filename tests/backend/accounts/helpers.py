"""Helpers for driving the auth API the way the SPA does."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.test import APIClient

from backend.accounts.models import AuthSession, User
from tests.factories import DEFAULT_PASSWORD
from tests.support.smtp import link_in, link_params


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


EMAIL_CHANGE = "/api/auth/email/change/"
EMAIL_CHANGE_CONFIRM = "/api/auth/email/change/confirm/"
EMAIL_CHANGE_PENDING = "/api/auth/email/change/pending/"
EMAIL_CHANGE_LINK_SUBJECT = "Confirm your new email address"


def email_change_ask(client: APIClient, new_email: str, password: str = DEFAULT_PASSWORD):
    return client.post(EMAIL_CHANGE, {"new_email": new_email, "current_password": password}, format="json")


def email_change_link_token(smtp, to: str, *, count: int = 1) -> str:
    """The token of the newest email-change link sent to ``to`` (read from the message received over SMTP)."""
    message = smtp.wait_for(to=to, subject=EMAIL_CHANGE_LINK_SUBJECT, count=count)[-1]
    link = link_in(message, "/confirm-email-change")
    assert link.startswith(f"{settings.FRONTEND_URL}/confirm-email-change#token="), link
    return link_params(link)["token"]


def email_change_confirm(token: str):
    """Follow an email-change link, as the SPA's confirmation page does (no sign-in needed)."""
    return APIClient().post(EMAIL_CHANGE_CONFIRM, {"token": token}, format="json")


def email_change_pending(client: APIClient) -> dict | None:
    """The pending change the account page shows (GET /api/auth/email/change/pending/), or None."""
    response = client.get(EMAIL_CHANGE_PENDING)
    assert response.status_code == 200, response.content
    return response.json()["pending"]


def reset_link_parts(user) -> dict[str, str]:
    """The ``uid`` and ``token`` of a password-reset link for ``user`` as it is stored now."""
    user.refresh_from_db()
    return {"uid": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user)}


def admin_signed_in(user) -> Client:
    """A browser of its own signed in to the admin as ``user`` (staff), which has opened the admin's index."""
    client = Client()
    client.force_login(user)
    assert client.get(reverse("admin:index")).status_code == 200
    return client


def is_signed_out_of_the_admin(client) -> bool:
    response = client.get(reverse("admin:index"))
    return response.status_code == 302 and "/admin/login/" in response["Location"]


def admin_operator() -> User:
    """The superuser the ``admin_client`` fixture signs in."""
    return User.objects.get(email="root@example.com")
