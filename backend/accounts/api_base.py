"""What the /api/auth/ views share (apis.py, email_apis.py, account_apis.py): the public base view, and the signed-in
user, session and current-password check of a request."""

from typing import cast

from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework_simplejwt.tokens import Token

from backend.common.views import ApiView

from . import services
from .authentication import SessionJWTAuthentication
from .login_limits import LOGIN, account_attempt
from .models import User
from .tokens import SESSION_CLAIM


def current_session_id(request: Request) -> str | None:
    """The session id (``sid``) of the request's access token; None without one."""
    token = request.auth
    value = token.get(SESSION_CLAIM) if isinstance(token, Token) else None
    return value if isinstance(value, str) else None


def current_user(request: Request) -> User:
    """The authenticated user; these views require IsAuthenticated, so never anonymous."""
    return cast(User, request.user)


def current_password_confirm(request: Request, password: str) -> None:
    """The signed-in user's current password, given to confirm a sensitive change (a new password, deleting the
    account). A wrong one is a failed sign-in for the account's limits (per known device, or per address and
    account): counted first, given back if right (login_limits.py); and a 400 on ``current_password``, counted
    against the session too (services.user_password_confirm)."""
    user = current_user(request)
    attempt = account_attempt(request._request, email=user.email, limits=LOGIN, count_client=False)
    attempt.raise_if_refused()
    services.user_password_confirm(user=user, password=password, session_id=current_session_id(request))
    attempt.refund()


class PublicAuthApi(ApiView):
    """Endpoints reachable without an access token; a stale Authorization header is ignored."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    def get_authenticate_header(self, request: Request) -> str:
        # Without this DRF turns our 401s (bad credentials, dead refresh token) into 403s.
        return SessionJWTAuthentication().authenticate_header(request)
