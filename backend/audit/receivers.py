"""Audit sign-ins made through Django's own login (the admin's), from ``django.contrib.auth`` signals.

The API signs in without Django's ``login()`` and calls ``authenticate()`` without a request,
recording its own events (backend/accounts/services/); those are skipped here so nothing is
recorded twice.
"""

from typing import Any

from django.http import HttpRequest

from backend.common.api_paths import is_api_path

from .models import AuditEvent
from .services import audit_login_failed, audit_record


def _is_admin_sign_in(request: HttpRequest | None) -> bool:
    # None: authenticate() without a request (the API). A test client's force_login() passes a
    # bare HttpRequest with no path: nobody signed in through a form.
    return request is not None and bool(request.path) and not is_api_path(request.path_info)


def on_user_logged_in(sender: Any, *, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if _is_admin_sign_in(request):
        audit_record(event=AuditEvent.Event.LOGIN_SUCCEEDED, user_id=user.pk)


def on_user_login_failed(
    sender: Any, *, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    if _is_admin_sign_in(request):
        audit_login_failed(email=str(credentials.get("username") or credentials.get("email") or ""))
