"""What the /api/auth/ views share (apis.py, email_apis.py, account_apis.py, and backend/mfa's and backend/oidc's):
the public base view, the signed-in user, session and current-password check of a request, re-authentication, and
finishing a sign-in (its first factor passed, then every step)."""

from collections.abc import Iterable
from typing import cast

from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.fields import CharField, Field
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework_simplejwt.tokens import Token

from backend.common.request_meta import client_ip, user_agent
from backend.common.views import ApiView
from backend.mfa.selectors import mfa_enabled, reauthentication_level
from backend.mfa.services.sign_in import mfa_sign_in_challenge_open
from backend.mfa.sign_in_serializers import MfaChallengeOutputSerializer

from . import serializers, services
from .authentication import SessionJWTAuthentication
from .cookies import device_cookie_get, device_cookie_set, refresh_cookie_set
from .emails.notices import notify_new_device_sign_in
from .login_limits import device_account, device_accounts
from .models import User
from .services.reauthentication import (
    ReauthenticationRequired,
    session_at_account_level_require,
    session_recent_authentication_require,
)
from .services.users import user_password_confirm_counted
from .tokens import SESSION_CLAIM

# For an answer that carries a secret (a token, recovery codes, a sign-in step's options): no browser or proxy cache
# may keep it. Said by the view, where the secret is, rather than left to the default the response-headers middleware
# gives an /api/ answer without a Cache-Control ("private, no-store", backend/common/headers.py).
NO_STORE = {"Cache-Control": "no-store"}


def current_session_id(request: Request) -> str | None:
    """The session id (``sid``) of the request's access token; None without one."""
    token = request.auth
    value = token.get(SESSION_CLAIM) if isinstance(token, Token) else None
    return value if isinstance(value, str) else None


def current_session_id_required(request: Request) -> str:
    """The session id of the request's access token; 403 ``reauthentication_required`` without one: a token that
    names no session can neither step up, re-authenticate nor be recently authenticated."""
    session_id = current_session_id(request)
    if session_id is None:
        raise ReauthenticationRequired()
    return session_id


def current_user(request: Request) -> User:
    """The authenticated user; these views require IsAuthenticated, so never anonymous."""
    return cast(User, request.user)


def current_password_confirm(request: Request, password: str, *, field: str = "current_password") -> None:
    """The signed-in user's current password, given to confirm a sensitive change (a new password, deleting the
    account). A wrong one is a failed sign-in for the account's limits (per known device, or per address and
    account): counted first, given back if right (login_limits.py); and a 400 on ``field``, counted against the
    session too (services.users.user_password_confirm_counted)."""
    user_password_confirm_counted(
        request._request,
        user=current_user(request),
        password=password,
        session_id=current_session_id(request),
        field=field,
    )


def reauthentication_require(request: Request, *, current_password: str | None = None) -> None:
    """Refuse a sensitive action (403 ``reauthentication_required``) unless the session authenticated within
    REAUTH_MAX_AGE_SECONDS at the account's level (reauthentication_level; docs/mfa.md). ``current_password``,
    which some actions ask for anyway, is checked (current_password_confirm) and is itself a fresh authentication
    of an account without a second factor."""
    session_id = current_session_id_required(request)
    level = reauthentication_level(current_user(request))
    if current_password is not None and level <= 1:
        current_password_confirm(request, current_password)
        return
    session_recent_authentication_require(session_id=session_id, level=level)
    if current_password is not None:
        current_password_confirm(request, current_password)


def reauthentication_require_confirming(
    request: Request, *, current_password: str | None, field: str = "current_password"
) -> None:
    """For an action confirmed with the current password (a new password, an email change, deleting the account):
    an account with a usable password gives it (a 400 on ``field`` when missing or blank), checked by
    reauthentication_require. An account without one (created by a sign-in provider, docs/sso.md) has none to
    give: a recent authentication at the account's level is enough, and a value sent anyway is ignored."""
    if not current_user(request).has_usable_password():
        reauthentication_require(request)
        return
    if not current_password:
        message = (Field if current_password is None else CharField).default_error_messages[
            "required" if current_password is None else "blank"
        ]
        raise ValidationError({field: [str(message)]})
    reauthentication_require(request, current_password=current_password)


def enrolment_finish_allowed(request: Request) -> None:
    """Finishing a factor's enrolment needs the session at the account's level now
    (services.reauthentication.session_at_account_level_require); 403 ``reauthentication_required`` otherwise."""
    session_id = current_session_id_required(request)
    session_at_account_level_require(session_id=session_id, level=reauthentication_level(current_user(request)))


class PublicAuthApi(ApiView):
    """Endpoints reachable without an access token; a stale Authorization header is ignored."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    def get_authenticate_header(self, request: Request) -> str:
        # Without this DRF turns our 401s (bad credentials, dead refresh token) into 403s.
        return SessionJWTAuthentication().authenticate_header(request)


def signed_in_response(issued: services.IssuedSession, *, status_code: int) -> Response:
    """The signed-in user and a new access token, with the refresh cookie. ``no-store``: no browser or proxy cache
    may keep either (a shared cache would hand the token to the next client asking)."""
    body = {
        "user": serializers.UserOutputSerializer(issued.session.user).data,
        "access": issued.tokens.access,
    }
    response = Response(body, status=status_code, headers=NO_STORE)
    refresh_cookie_set(response, token=issued.tokens.refresh, expires_at=issued.session.expires_at)
    return response


def sign_in_complete(request: Request, *, user: User, amr: Iterable[str], recent: bool | None = None) -> Response:
    """Finish a sign-in whose every step passed (a password; a second factor; a passkey): a new session recording
    ``amr`` (and ``recent``: services.session_start), the owner told of a browser that never signed in to the
    account before, and this browser remembered as one of the account's devices (login_limits.py)."""
    known_device = device_cookie_get(request._request, accounts=device_accounts(user)) is not None
    issued = services.session_start(
        user=user, user_agent=user_agent(request), ip_address=client_ip(request), amr=tuple(amr), recent=recent
    )
    if not known_device:
        notify_new_device_sign_in(user=user, user_agent=user_agent(request), ip_address=client_ip(request))
    response = signed_in_response(issued, status_code=200)
    device_cookie_set(response, account=device_account(user))
    return response


def first_factor_passed(request: Request, *, user: User, first_factor: str, recent: bool | None = None) -> Response:
    """A sign-in's first factor (``first_factor``: the password, an emailed code, a provider) was right. 403
    ``email_not_verified`` while verification is mandatory and the address is unconfirmed; for an account with a
    second factor, a 202 opening the second step (no session yet, docs/mfa.md); otherwise the session
    (sign_in_complete, with ``recent``)."""
    services.user_sign_in_allowed(user=user)
    if mfa_enabled(user=user):
        challenge = mfa_sign_in_challenge_open(user=user, first_factor=first_factor)
        body = MfaChallengeOutputSerializer(
            {
                "mfa_required": True,
                "mfa_token": challenge.mfa_token,
                "methods": challenge.methods,
                "expires_at": challenge.expires_at,
            }
        ).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers=NO_STORE)
    return sign_in_complete(request, user=user, amr=(first_factor,), recent=recent)
