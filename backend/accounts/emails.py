"""Every email the accounts app sends, composed in one place.

Plain text, with links to the SPA's pages at FRONTEND_URL. Each is queued when the transaction that caused it
commits (a rolled-back write sends nothing; outside a transaction, at once) and sent off the request path, again
after a temporary failure (backend/common/mail.py): no response waits for SMTP or fails on it, and its timing does
not tell whether an email went out. Each has a kind (``password_reset``, ``email_changed_notice``, ...) that names
it in the logs and metrics. Links carry a signed token (email_links.py, or Django's password-reset token); notices
carry no token, password or anything else a reader of the mailbox could use.

A notice that needs a person (an account taken over, deleted, changed by an operator) names SUPPORT_CONTACT when it
is set; otherwise it says what the reader can do alone, and promises no support channel that does not exist.
"""

import re

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from backend.common.mail import email_queue

from .assurance import EMAIL_CODE, OIDC, PASSWORD
from .email_links import change_token_make, verify_token_make
from .models import User

_SIGN_OFF = "\n\n-- \nScalable Auth Dashboard"


def _send(*, kind: str, subject: str, body: str, user: User | None = None, to: str = "") -> None:
    """Queue one plain-text email to ``to`` (by default ``user``'s address) for after the current transaction commits.
    ``user``: the account it is about, named (by id) in the logs of a failed delivery."""
    to = to or (user.email if user is not None else "")
    email_queue(kind=kind, to=to, subject=subject, body=body + _SIGN_OFF, user_id=user.pk if user else None)


def _page(path: str) -> str:
    return f"{settings.FRONTEND_URL}{path}"


def _now() -> str:
    return timezone.now().strftime("%Y-%m-%d %H:%M UTC")


def _one_line(text: str, *, limit: int = 200) -> str:
    """A client-supplied value (a User-Agent) as one short line."""
    text = re.sub(r"\s+", " ", text or "").strip()
    return text[:limit] + ("…" if len(text) > limit else "") or "unknown"


def _support() -> str:
    """The words "contact support at X", or "" with no SUPPORT_CONTACT: the caller then says what the reader can do."""
    return f"contact support at {settings.SUPPORT_CONTACT}" if settings.SUPPORT_CONTACT else ""


def _not_you() -> str:
    # A reset signs everyone out but keeps the account's second factors: one an intruder added (a passkey signs in
    # without the password) must be removed by hand, so every notice that advises the reset says where.
    return (
        "If it was not you, reset your password now; that signs out every session:\n"
        f"{_page('/forgot-password')}\n"
        "A reset keeps your authenticator app and passkeys: remove any you do not recognise at "
        f"{_page('/security')}\n"
        f"Your signed-in devices are listed at {_page('/account')}"
    )


# Links ---------------------------------------------------------------------------------------------------------------
# A link's token is in its fragment (#token=...), never its query: a browser sends no fragment to any server, so the
# token reaches no access log (an ingress logs the request line) and no Referer of the page's own requests. The SPA
# takes it out of the address bar at once (frontend/src/lib/emailed-link.ts), and still reads links sent with a query.


def send_password_reset_link(*, user: User) -> None:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = _page(f"/reset-password#uid={uid}&token={token}")
    _send(
        kind="password_reset",
        user=user,
        subject="Reset your password",
        body=(
            f"Someone asked to reset the password for {user.email}.\n\n"
            f"To choose a new password, open this link:\n{link}\n\n"
            # As the token is checked: Django's generator dates it (PASSWORD_RESET_TIMEOUT) and hashes the password
            # and last_login, so a sign-in (services/sessions.py records it) or a new password makes it stale.
            f"The link works once, for {_age(settings.PASSWORD_RESET_TIMEOUT)}. Signing in to your account before "
            f"you use it cancels it; you can ask for a new one at {_page('/forgot-password')}\n\n"
            "If it was not you, ignore this email; your password stays the same."
        ),
    )


def send_verification_link(*, user: User) -> None:
    link = _page(f"/verify-email#token={verify_token_make(user)}")
    _send(
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
    link = _page(f"/confirm-email-change#token={token}")
    _send(
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
    _send(
        kind="sign_in_code",
        user=user,
        subject="Your sign-in code",  # not the code itself: a subject shows on locked screens and in notifications
        body=(
            f"Your code to sign in to {user.email}:\n\n    {code[:4]} {code[4:]}\n\n"
            f"Enter it in the browser that asked for it. It works once, for "
            f"{_age(settings.LOGIN_CODE_MAX_AGE_SECONDS)}, and only there; asking for a new code cancels it.\n\n"
            f"Asked on {_now()} from:\nBrowser: {_one_line(user_agent)}\nIP address: {ip_address or 'unknown'}\n\n"
            "If it was not you, ignore this email: nobody can sign in with the code without reading this mailbox, "
            "and your password stays the same. Never give the code to anyone; we never ask for it."
        ),
    )


def notify_sign_in_code_unconfirmed(*, user: User) -> None:
    """A sign-in code asked for an account whose address is not confirmed: no code is sent (services/email_code.py
    says why); the password reset, which confirms the address, is the way in."""
    _send(
        kind="sign_in_code_unconfirmed_notice",
        user=user,
        subject="Sign in to your account",
        body=(
            f"Someone asked for a code to sign in to {user.email}. This address has not been confirmed yet, so no "
            "code can be sent to it.\n\n"
            f"To sign in, reset your password at {_page('/forgot-password')}: that also confirms the address.\n\n"
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


# Notices (no link that acts, no token) -------------------------------------------------------------------------------


def notify_email_in_use(*, email: str) -> None:
    """Someone asked to move an account to ``email``, which already has one: the link is not sent, this is."""
    _send(
        kind="email_in_use_notice",
        to=email,
        subject="Someone tried to use your email address",
        body=(
            f"Someone asked to change the email address of another account to {email}, which already has an "
            "account, so nothing was changed.\n\n"
            "If it was you, sign in with this address instead. If not, you need not do anything; "
            f"you can reset your password at {_page('/forgot-password')}"
        ),
    )


def notify_email_changed(*, old_email: str, new_email: str) -> None:
    """To the OLD address, once the change is confirmed."""
    # If it was not the owner, they have lost the account: a reset link now goes to the new address, not this one.
    then = f": {support} at once." if (support := _support()) else f". {_reset_goes_elsewhere()}"
    _send(
        kind="email_changed_notice",
        to=old_email,
        subject="Your email address was changed",
        body=(
            f"On {_now()} the email address of your account was changed from {old_email} to {new_email}. "
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
        f"{_security_page()}\n\n"
        if factors_removed
        else ""
    )
    if providers_removed:
        names = ", ".join(_one_line(name, limit=64) for name in providers_removed)
        also += (
            f"Your email address had not been confirmed, so this reset disconnected the sign-in providers connected "
            f"to the account ({names}): they were connected before anyone proved they read this mailbox. Connect "
            f"your own at {_page(ACCOUNT_PAGE)}\n\n"
        )
    if providers_kept:
        names = ", ".join(_one_line(name, limit=64) for name in providers_kept)
        also += (
            f"These sign-in providers can still sign in to your account, without the password: {names}. If you did "
            f"not connect them, disconnect them at {_page(ACCOUNT_PAGE)}\n\n"
        )
    _send(
        kind="password_changed_notice",
        user=user,
        subject="Your password was changed",
        body=(
            f"On {_now()} the password of your account ({user.email}) was changed, and its other sessions "
            f"were signed out.\n\n{also}{_not_you()}"
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
    _send(
        kind="password_set_by_operator_notice",
        user=user,
        subject=subject,
        body=f"On {_now()} an administrator {what}, and every session was signed out.\n\n{_operator_not_asked()}",
    )


def _operator_not_asked() -> str:
    """An operator changed the account's password or second factors: the owner can take it back with a reset (the
    address is still theirs), and tell support, if there is one."""
    then = f"\nThen {support}, and say what happened." if (support := _support()) else ""
    return f"If you did not ask for this, reset your password now:\n{_page('/forgot-password')}{then}"


def _reset_goes_elsewhere() -> str:
    """The account's address changed, and nobody to turn to: what the old address can still know and keep."""
    return (
        "Password reset links now go to the new address, not to this one. Keep this email: it records the change "
        "and when it was made."
    )


def notify_email_changed_by_operator(*, old_email: str, new_email: str) -> None:
    """To the OLD address: an operator changed the account's address in the admin."""
    then = f"If you did not ask for this, {support}." if (support := _support()) else _reset_goes_elsewhere()
    _send(
        kind="email_changed_by_operator_notice",
        to=old_email,
        subject="Your email address was changed",
        body=(
            f"On {_now()} an administrator changed the email address of your account from {old_email} to "
            f"{new_email}. Sign in with the new address from now on.\n\n{then}"
        ),
    )


def notify_new_device_sign_in(*, user: User, user_agent: str, ip_address: str | None) -> None:
    """A sign-in from a browser that has not signed in to this account before (no device cookie of it)."""
    _send(
        kind="new_sign_in_notice",
        user=user,
        subject="New sign-in to your account",
        body=(
            f"Your account ({user.email}) was signed in to from a new device on {_now()}.\n\n"
            f"Browser: {_one_line(user_agent)}\n"
            f"IP address: {ip_address or 'unknown'}\n\n"
            f"If it was you, you need not do anything.\n{_not_you()}"
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
            f"{_page('/forgot-password')}"
        )
    elif first_factor == OIDC:  # they signed in at a connected provider: that account is what to secure
        subject = "Someone signed in with a connected provider but did not complete two-step verification"
        proved = f"signed in to your account ({user.email}) through a sign-in provider connected to it"
        exposed = (
            "The second step kept them out, but they can sign in to your account at that provider. If it was you, "
            "you need not do anything. If not, secure your account at the provider, and disconnect it from this "
            f"account at {_page('/security')}"
        )
    else:
        subject = "Someone signed in with your password but did not complete two-step verification"
        proved = f"entered the right password of your account ({user.email})"
        exposed = (
            "The second step kept them out, but they know your password. If it was you, you need not do anything.\n"
            f"{_not_you()}"
        )
    _send(
        kind="second_step_failed_notice",
        user=user,
        subject=subject,
        body=(
            f"On {_now()} someone {proved}, then {what}\n\n"
            f"Browser: {_one_line(user_agent)}\n"
            f"IP address: {ip_address or 'unknown'}\n\n"
            f"{exposed}"
        ),
    )


def notify_refresh_reuse(*, user: User) -> None:
    """A refresh token was presented twice and its session revoked as possibly stolen."""
    _send(
        kind="session_reuse_notice",
        user=user,
        subject="A session of your account was signed out",
        body=(
            f"On {_now()} a sign-in token of your account ({user.email}) was used twice, which can mean it was "
            "copied, so that session was signed out. If you only see this after two tabs or devices refreshed at "
            f"once, sign in again.\n\n{_not_you()}"
        ),
    )


def notify_account_deleted(*, email: str, by_operator: bool = False) -> None:
    """``by_operator``: an operator deleted it in the admin (services/account_deletion.py), not its owner."""
    support = _support()
    if by_operator:  # not "if it was not you": the owner did not do it, and that is no sign of an intruder
        what = f"an administrator deleted the account for {email}"
        then = f"If you did not expect this, {support}." if support else "The account and its data cannot be restored."
    elif support:
        what, then = f"the account for {email} was deleted", f"If it was not you, {support} at once."
    else:  # only the owner's password (and second factor, if any) deletes it: if not them, someone knows those
        what = f"the account for {email} was deleted"
        then = (
            "If it was not you, someone knew your password: change it wherever else you use it. The account cannot "
            f"be restored, but the address is free again: you can register a new account at {_page('/register')}"
        )
    _send(
        kind="account_deleted_notice",
        to=email,
        subject="Your account was deleted",
        body=f"On {_now()} {what}, with its data, and every session was signed out.\n\n{then}",
    )


# MFA notices (no code, no secret; each tells the owner what changed, so an attacker's change does not go unseen) ----


ACCOUNT_PAGE = "/account"  # the SPA's account page: profile, sign-in providers, deletion


def _security_page() -> str:
    return _page("/security")


def _factor_notice(
    *, kind: str, user: User, subject: str, what: str, listed: str = "second factors", page: str = "/security"
) -> None:
    """A second factor (or a sign-in provider) of ``user`` changed: ``what`` happened, dated, with where to see them
    (``page``) and what to do if it was not the owner."""
    _send(
        kind=kind,
        user=user,
        subject=subject,
        body=f"On {_now()} {what}\n\nYour {listed} are listed at {_page(page)}\n\n{_not_you()}",
    )


def notify_totp_enabled(*, user: User) -> None:
    _factor_notice(
        kind="totp_enabled_notice",
        user=user,
        subject="An authenticator app was enabled on your account",
        what=f"an authenticator app was enabled on your account ({user.email}). From now on, signing in asks for "
        "one of its codes after the password.",
    )


def notify_totp_disabled(*, user: User) -> None:
    _factor_notice(
        kind="totp_disabled_notice",
        user=user,
        subject="The authenticator app was disabled on your account",
        what=f"the authenticator app of your account ({user.email}) was disabled; its codes no longer sign in.",
    )


def notify_recovery_code_used(*, user: User, remaining: int) -> None:
    left = f"{remaining} recovery code{'s' if remaining != 1 else ''} remain{'s' if remaining == 1 else ''}"
    _factor_notice(
        kind="recovery_code_used_notice",
        user=user,
        subject="A recovery code of your account was used",
        what=f"a recovery code of your account ({user.email}) was used. It cannot be used again; {left}. You can "
        "generate new ones on the security page.",
    )


def notify_recovery_codes_regenerated(*, user: User) -> None:
    _factor_notice(
        kind="recovery_codes_regenerated_notice",
        user=user,
        subject="New recovery codes were generated for your account",
        what=f"new recovery codes were generated for your account ({user.email}); the previous ones no longer work.",
    )


def notify_passkey_added(*, user: User, name: str) -> None:
    _factor_notice(
        kind="passkey_added_notice",
        user=user,
        subject="A passkey was added to your account",
        what=f'a passkey named "{_one_line(name, limit=64)}" was added to your account ({user.email}). It can '
        "now be used to sign in.",
        listed="passkeys",
    )


def notify_passkey_removed(*, user: User, name: str) -> None:
    _factor_notice(
        kind="passkey_removed_notice",
        user=user,
        subject="A passkey was removed from your account",
        what=f'the passkey named "{_one_line(name, limit=64)}" was removed from your account ({user.email}); it '
        "no longer signs in.",
        listed="passkeys",
    )


def notify_mfa_reset(*, user: User) -> None:
    """An operator removed every second factor of the account (the admin's "Reset second factors")."""
    _send(
        kind="mfa_reset_notice",
        user=user,
        subject="The second factors of your account were reset",
        body=(
            f"On {_now()} an administrator removed the second factors of your account ({user.email}): its "
            "authenticator app, recovery codes and passkeys. A password alone signs in again until you set up "
            f"a new one at {_security_page()}\n\n{_operator_not_asked()}"
        ),
    )


# Sign-in providers (backend/oidc): each connection or disconnection is told, as a factor's is: an identity connected
# by someone else signs in to the account without the password.


def notify_oidc_connected(*, user: User, provider_name: str, provider_email: str) -> None:
    account = f" as {_one_line(provider_email, limit=254)}" if provider_email else ""
    _factor_notice(
        kind="oidc_connected_notice",
        user=user,
        subject=f"{_one_line(provider_name, limit=64)} was connected to your account",
        what=f"your {_one_line(provider_name, limit=64)} account{account} was connected to your account "
        f"({user.email}). It can now be used to sign in.",
        listed="sign-in providers",
        page=ACCOUNT_PAGE,
    )


def notify_oidc_disconnected(*, user: User, provider_name: str, provider_email: str) -> None:
    account = f" ({_one_line(provider_email, limit=254)})" if provider_email else ""
    _factor_notice(
        kind="oidc_disconnected_notice",
        user=user,
        subject=f"{_one_line(provider_name, limit=64)} was disconnected from your account",
        what=f"your {_one_line(provider_name, limit=64)} account{account} was disconnected from your account "
        f"({user.email}); it no longer signs in.",
        listed="sign-in providers",
        page=ACCOUNT_PAGE,
    )
