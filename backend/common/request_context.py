"""The request being served by this thread, for code far from the view (log processors, audit).

Set by ``backend.observability.middleware``; ``None`` outside a request (management
commands, background jobs, gunicorn's own logging).
"""

from contextvars import ContextVar, Token

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject, empty

_current: ContextVar[HttpRequest | None] = ContextVar("current_request", default=None)


def request_activate(request: HttpRequest) -> Token[HttpRequest | None]:
    return _current.set(request)


def request_deactivate(token: Token[HttpRequest | None]) -> None:
    _current.reset(token)


def request_current() -> HttpRequest | None:
    return _current.get()


def request_user_id(request: HttpRequest | None = None) -> str | None:
    """The authenticated user's id, if authentication has already happened.

    Never triggers authentication itself: Django's lazy ``request.user`` is only read
    once evaluated, and DRF replaces it with the real user when it authenticates a token.
    """
    request = request if request is not None else _current.get()
    if request is None:
        return None
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject):
        if user._wrapped is empty:  # type: ignore[attr-defined]
            return None
        user = user._wrapped  # type: ignore[attr-defined]
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return str(user.pk)
