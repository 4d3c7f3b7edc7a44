"""What more than one app's admin shows or asks the same way: a moment in a read-only field, the operator of a
request. (admin_lookups.py beside this holds the change lists' filter checks.)"""

from datetime import datetime

from django.http import HttpRequest

from backend.accounts.models import User


def time_or_never(value: datetime | None) -> str:
    """``value`` to the minute, e.g. ``2025-01-31 09:05 UTC`` (stored times are UTC), or "never" when it is None."""
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "never"


def request_operator(request: HttpRequest) -> User | None:
    """The operator an admin request is made by; None when ``request.user`` is not an account (anonymous)."""
    return request.user if isinstance(request.user, User) else None
