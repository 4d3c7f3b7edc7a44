"""The account's notices: its address in use or changed, its password changed or set by an operator, a sign-in from
a new device, a second step that failed, a refresh token used twice, the account deleted."""

from ..assurance import EMAIL_CODE, OIDC, PASSWORD
from ..models import User
from ._shared import (
    ACCOUNT_PAGE,
    not_you,
    now,
    one_line,
    operator_not_asked,
    page,
    security_page,
    send,
    support,
)

# Notices (no link that acts, no token) -------------------------------------------------------------------------------


def notify_email_in_use(*, email: str) -> None:
    """Someone asked to move an account to ``email``, which already has one: the link is not sent, this is."""
    send(
        kind="email_in_use_notice",
        to=email,
        subject="Someone tried to use your email address",
        body=(
            f"Someone asked to change the email address of another account to {email}, which already has an "
            "account, so nothing was changed.\n\n"
            "If it was you, sign in with this address instead. If not, you need not do anything; "
            f"you can reset your password at {page('/forgot-password')}"
        ),
    )


def notify_email_changed(*, old_email: str, new_email: str) -> None:
    """To the OLD address, once the change is confirmed."""
    # If it was not the owner, they have lost the account: a reset link now goes to the new address, not this one.
    then = f": {contact} at once." if (contact := support()) else f". {_reset_goes_elsewhere()}"
    send(
        kind="email_changed_notice",
        to=old_email,
        subject="Your email address was changed",
        body=(
            f"On {now()} the email address of your account was changed from {old_email} to {new_email}. "
            "Sign in with the new address from now on; the account's other sessions were signed out.\n\n"
            f"If it was not you, someone else has control of the account{then} If the new address is yours but the "
            "change was not, someone read its mailbox to confirm it: change that mailbox's password too."
        ),
    )


def notify_password_changed(
    *,
    user: User,
    factors_removed: bool = False,
    providers_removed: tuple[str, ...] = (),
    providers_kept: tuple[str, ...] = (),
) -> None:
    """``factors_removed``, ``providers_removed`` (their names): a reset that confirmed the address also removed the
    account's second factors, or disconnected its sign-in providers (services/password_reset.py). ``providers_kept``:
    those that still sign in to the account, named so that an owner taking their account back sees them."""
    also = (
        "Your email address had not been confirmed, so this reset confirmed it and removed the account's second "
        "factors (authenticator app, recovery codes and passkeys): they were added before anyone proved they read "
        "this mailbox, perhaps by someone who signed up with your address. Set up your own at "
        f"{security_page()}\n\n"
        if factors_removed
        else ""
    )
    if providers_removed:
        names = ", ".join(one_line(name, limit=64) for name in providers_removed)
        also += (
            f"Your email address had not been confirmed, so this reset disconnected the sign-in providers connected "
            f"to the account ({names}): they were connected before anyone proved they read this mailbox. Connect "
            f"your own at {page(ACCOUNT_PAGE)}\n\n"
        )
    if providers_kept:
        names = ", ".join(one_line(name, limit=64) for name in providers_kept)
        also += (
            f"These sign-in providers can still sign in to your account, without the password: {names}. If you did "
            f"not connect them, disconnect them at {page(ACCOUNT_PAGE)}\n\n"
        )
    send(
        kind="password_changed_notice",
        user=user,
        subject="Your password was changed",
        body=(
            f"On {now()} the password of your account ({user.email}) was changed, and its other sessions "
            f"were signed out.\n\n{also}{not_you()}"
        ),
    )


def notify_password_set_by_operator(*, user: User) -> None:
    """An operator set a new password in the admin, or turned password sign-in off (every session was signed
    out either way)."""
    if user.has_usable_password():
        subject = "An administrator set a new password for your account"
        what = f"set a new password for your account ({user.email})"
    else:
        subject = "Password sign-in was turned off for your account"
        what = f"turned off password sign-in for your account ({user.email})"
    send(
        kind="password_set_by_operator_notice",
        user=user,
        subject=subject,
        body=f"On {now()} an administrator {what}, and every session was signed out.\n\n{operator_not_asked()}",
    )


def _reset_goes_elsewhere() -> str:
    """The account's address changed, and nobody to turn to: what the old address can still know and keep."""
    return (
        "Password reset links now go to the new address, not to this one. Keep this email: it records the change "
        "and when it was made."
    )


def notify_email_changed_by_operator(*, old_email: str, new_email: str) -> None:
    """To the OLD address: an operator changed the account's address in the admin."""
    then = f"If you did not ask for this, {contact}." if (contact := support()) else _reset_goes_elsewhere()
    send(
        kind="email_changed_by_operator_notice",
        to=old_email,
        subject="Your email address was changed",
        body=(
            f"On {now()} an administrator changed the email address of your account from {old_email} to "
            f"{new_email}. Sign in with the new address from now on.\n\n{then}"
        ),
    )


def notify_new_device_sign_in(*, user: User, user_agent: str, ip_address: str | None) -> None:
    """A sign-in from a browser that has not signed in to this account before (no device cookie of it)."""
    send(
        kind="new_sign_in_notice",
        user=user,
        subject="New sign-in to your account",
        body=(
            f"Your account ({user.email}) was signed in to from a new device on {now()}.\n\n"
            f"Browser: {one_line(user_agent)}\n"
            f"IP address: {ip_address or 'unknown'}\n\n"
            f"If it was you, you need not do anything.\n{not_you()}"
        ),
    )


def notify_second_step_failed(
    *, user: User, user_agent: str, ip_address: str | None, what: str, first_factor: str = PASSWORD
) -> None:
    """The account's right first factor (the password, or a code emailed to it), then a second step that failed:
    ``what`` happened (a sign-in's challenge spent by wrong answers, or the app's codes locked). Sent once per such
    incident, never per wrong answer, and not for a second step merely left unanswered
    (backend/mfa/services/second_factor.py; docs/mfa.md)."""
    if first_factor == EMAIL_CODE:  # they read the mailbox, not the password: the mailbox is what to secure
        subject = "Someone signed in with a code sent to your email but did not complete two-step verification"
        proved = f"entered a sign-in code emailed to your account ({user.email})"
        exposed = (
            "The second step kept them out, but they can read your email. If it was you, you need not do anything. "
            "If not, change your email account's password first, then reset your password here: "
            f"{page('/forgot-password')}"
        )
    elif first_factor == OIDC:  # they signed in at a connected provider: that account is what to secure
        subject = "Someone signed in with a connected provider but did not complete two-step verification"
        proved = f"signed in to your account ({user.email}) through a sign-in provider connected to it"
        exposed = (
            "The second step kept them out, but they can sign in to your account at that provider. If it was you, "
            "you need not do anything. If not, secure your account at the provider, and disconnect it from this "
            f"account at {page('/security')}"
        )
    else:
        subject = "Someone signed in with your password but did not complete two-step verification"
        proved = f"entered the right password of your account ({user.email})"
        exposed = (
            "The second step kept them out, but they know your password. If it was you, you need not do anything.\n"
            f"{not_you()}"
        )
    send(
        kind="second_step_failed_notice",
        user=user,
        subject=subject,
        body=(
            f"On {now()} someone {proved}, then {what}\n\n"
            f"Browser: {one_line(user_agent)}\n"
            f"IP address: {ip_address or 'unknown'}\n\n"
            f"{exposed}"
        ),
    )


def notify_refresh_reuse(*, user: User) -> None:
    """A refresh token was presented twice and its session revoked as possibly stolen."""
    send(
        kind="session_reuse_notice",
        user=user,
        subject="A session of your account was signed out",
        body=(
            f"On {now()} a sign-in token of your account ({user.email}) was used twice, which can mean it was "
            "copied, so that session was signed out. If you only see this after two tabs or devices refreshed at "
            f"once, sign in again.\n\n{not_you()}"
        ),
    )


def notify_account_deleted(*, email: str, by_operator: bool = False) -> None:
    """``by_operator``: an operator deleted it in the admin (services/account_deletion.py), not its owner."""
    contact = support()
    if by_operator:  # not "if it was not you": the owner did not do it, and that is no sign of an intruder
        what = f"an administrator deleted the account for {email}"
        then = f"If you did not expect this, {contact}." if contact else "The account and its data cannot be restored."
    elif contact:
        what, then = f"the account for {email} was deleted", f"If it was not you, {contact} at once."
    else:  # only the owner's password (and second factor, if any) deletes it: if not them, someone knows those
        what = f"the account for {email} was deleted"
        then = (
            "If it was not you, someone knew your password: change it wherever else you use it. The account cannot "
            f"be restored, but the address is free again: you can register a new account at {page('/register')}"
        )
    send(
        kind="account_deleted_notice",
        to=email,
        subject="Your account was deleted",
        body=f"On {now()} {what}, with its data, and every session was signed out.\n\n{then}",
    )
