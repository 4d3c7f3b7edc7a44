"""Writes for accounts and sessions: registration, sign-in, rotation, revocation, passwords.

One module per concern (users, password_reset, sessions); import from here, not from them.
"""

from .password_reset import password_reset_confirm, password_reset_request
from .sessions import (
    IssuedSession,
    RefreshRejected,
    session_logout,
    session_revoke,
    session_rotate,
    session_start,
    sessions_purge,
    sessions_revoke_for_user,
)
from .users import (
    InvalidCredentials,
    user_authenticate,
    user_change_password,
    user_create,
    user_password_confirm,
    user_register,
    user_update,
)

__all__ = [
    "InvalidCredentials",
    "IssuedSession",
    "RefreshRejected",
    "password_reset_confirm",
    "password_reset_request",
    "session_logout",
    "session_revoke",
    "session_rotate",
    "session_start",
    "sessions_purge",
    "sessions_revoke_for_user",
    "user_authenticate",
    "user_change_password",
    "user_create",
    "user_password_confirm",
    "user_register",
    "user_update",
]
