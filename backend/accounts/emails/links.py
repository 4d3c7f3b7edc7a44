"""The emails whose link or code acts: the password reset, the address verification, the email change and the
sign-in code, each saying how long it works and what cancels it."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from ..link_tokens import change_token_make, verify_token_make
from ..models import User
from ._shared import now, one_line, page, send

# Links ---------------------------------------------------------------------------------------------------------------
# A link's token is in its fragment (#token=...), never its query: a browser sends no fragment to any server, so the
# token reaches no access log (an ingress logs the request line) and no Referer of the page's own requests. The SPA
# takes it out of the address bar at once (frontend/src/lib/emailed-link.ts), and still reads links sent with a query.


def send_password_reset_link(*, user: User) -> None:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = page(f"/reset-password#uid={uid}&token={token}")
    send(
        kind="password_reset",
        user=user,
        subject="Reset your password",
        body=(
            f"Someone asked to reset the password for {user.email}.\n\n"
            f"To choose a new password, open this link:\n{link}\n\n"
            # As the token is checked: Django's generator dates it (PASSWORD_RESET_TIMEOUT) and hashes the password
            # and last_login, so a sign-in (services/sessions.py records it) or a new password makes it stale.
            f"The link works once, for {_age(settings.PASSWORD_RESET_TIMEOUT)}. Signing in to your account before "
            f"you use it cancels it; you can ask for a new one at {page('/forgot-password')}\n\n"
            "If it was not you, ignore this email; your password stays the same."
        ),
    )


def send_verification_link(*, user: User) -> None:
    link = page(f"/verify-email#token={verify_token_make(user)}")
    send(
        kind="email_verification",
        user=user,
        subject="Confirm your email address",
        body=(
            f"Confirm that {user.email} is your address by opening this link:\n{link}\n\n"
            f"The link works once, for {_age(settings.EMAIL_LINK_MAX_AGE_SECONDS)}.\n\n"
            "If you did not create an account, ignore this email."
        ),
    )


def send_email_change_link(*, user: User, new_email: str, session_id: str | None) -> None:
    """To the NEW address: following the link proves it is read by the account's owner."""
    token = change_token_make(user=user, new_email=new_email, session_id=session_id)
    link = page(f"/confirm-email-change#token={token}")
    send(
        kind="email_change",
        user=user,
        to=new_email,
        subject="Confirm your new email address",
        body=(
            f"Someone asked to change the email address of an account to {new_email}.\n\n"
            f"To confirm the change, open this link:\n{link}\n\n"
            f"The link works once, for {_age(settings.EMAIL_LINK_MAX_AGE_SECONDS)}. Confirming it signs out the "
            "account's other sessions.\n\n"
            "If it was not you, ignore this email; nothing changes."
        ),
    )


def send_sign_in_code(*, user: User, code: str, user_agent: str, ip_address: str | None) -> None:
    """A one-time sign-in code (backend/mfa/services/email_code.py); it works only in the browser that asked."""
    send(
        kind="sign_in_code",
        user=user,
        subject="Your sign-in code",  # not the code itself: a subject shows on locked screens and in notifications
        body=(
            f"Your code to sign in to {user.email}:\n\n    {code[:4]} {code[4:]}\n\n"
            f"Enter it in the browser that asked for it. It works once, for "
            f"{_age(settings.LOGIN_CODE_MAX_AGE_SECONDS)}, and only there; asking for a new code cancels it.\n\n"
            f"Asked on {now()} from:\nBrowser: {one_line(user_agent)}\nIP address: {ip_address or 'unknown'}\n\n"
            "If it was not you, ignore this email: nobody can sign in with the code without reading this mailbox, "
            "and your password stays the same. Never give the code to anyone; we never ask for it."
        ),
    )


def notify_sign_in_code_unconfirmed(*, user: User) -> None:
    """A sign-in code asked for an account whose address is not confirmed: no code is sent (services/email_code.py
    says why); the password reset, which confirms the address, is the way in."""
    send(
        kind="sign_in_code_unconfirmed_notice",
        user=user,
        subject="Sign in to your account",
        body=(
            f"Someone asked for a code to sign in to {user.email}. This address has not been confirmed yet, so no "
            "code can be sent to it.\n\n"
            f"To sign in, reset your password at {page('/forgot-password')}: that also confirms the address.\n\n"
            "If it was not you, ignore this email."
        ),
    )


def _age(seconds: int) -> str:
    """A link's lifetime in words: "3 days", "1 hour", "90 minutes"."""
    if seconds % 86400 == 0:
        days = seconds // 86400
        return f"{days} day{'s' if days != 1 else ''}"
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours} hour{'s' if hours != 1 else ''}"
    minutes = max(1, seconds // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
