"""Writes for accounts and sessions: registration, sign-in, rotation, revocation, passwords.

One module per concern (users, password_reset, sessions, session_revocation); import from here, not from them, except
password_reset.
"""

from .account_deletion import user_delete
from .email_change import EmailTaken, email_change_cancel, email_change_confirm, email_change_request
from .email_verification import (
    EmailNotVerified,
    LinkRejected,
    email_verification_enabled,
    email_verification_mandatory,
    email_verification_resend,
    email_verify,
    user_sign_in_allowed,
)

# Not password_reset: it calls mfa's services, which import this package; loading it here would make an import cycle.
from .reauthentication import (
    method_meets_level,
    reauthenticated_until,
    session_factor_proven,
    session_reauthenticate,
    session_recently_authenticated_at,
)
from .session_revocation import session_revoke, sessions_purge, sessions_revoke_for_user
from .sessions import (
    CredentialsChanged,
    IssuedSession,
    RefreshRejected,
    credentials_still_current,
    session_logout,
    session_rotate,
    session_start,
)
from .users import (
    InvalidCredentials,
    session_wrong_answer_count,
    user_authenticate,
    user_change_password,
    user_create,
    user_password_confirm,
    user_register,
    user_register_unverified,
    user_update,
)

__all__ = [
    "CredentialsChanged",
    "EmailNotVerified",
    "EmailTaken",
    "InvalidCredentials",
    "IssuedSession",
    "LinkRejected",
    "RefreshRejected",
    "credentials_still_current",
    "email_change_cancel",
    "email_change_confirm",
    "email_change_request",
    "email_verification_enabled",
    "email_verification_mandatory",
    "email_verification_resend",
    "email_verify",
    "method_meets_level",
    "reauthenticated_until",
    "session_factor_proven",
    "session_logout",
    "session_reauthenticate",
    "session_recently_authenticated_at",
    "session_revoke",
    "session_rotate",
    "session_start",
    "session_wrong_answer_count",
    "sessions_purge",
    "sessions_revoke_for_user",
    "user_authenticate",
    "user_change_password",
    "user_create",
    "user_delete",
    "user_password_confirm",
    "user_register",
    "user_register_unverified",
    "user_sign_in_allowed",
    "user_update",
]
