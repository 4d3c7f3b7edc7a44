"""The notices of the account's second factors (authenticator app, recovery codes, passkeys, an operator's reset)
and of its sign-in providers (backend/oidc)."""

from ..models import User
from ._shared import ACCOUNT_PAGE, not_you, now, one_line, operator_not_asked, page, security_page, send

# MFA notices (no code, no secret; each tells the owner what changed, so an attacker's change does not go unseen) ----


def _factor_notice(
    *, kind: str, user: User, subject: str, what: str, listed: str = "second factors", path: str = "/security"
) -> None:
    """A second factor (or a sign-in provider) of ``user`` changed: ``what`` happened, dated, with where to see them
    (``path``) and what to do if it was not the owner."""
    send(
        kind=kind,
        user=user,
        subject=subject,
        body=f"On {now()} {what}\n\nYour {listed} are listed at {page(path)}\n\n{not_you()}",
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
        what=f'a passkey named "{one_line(name, limit=64)}" was added to your account ({user.email}). It can '
        "now be used to sign in.",
        listed="passkeys",
    )


def notify_passkey_removed(*, user: User, name: str) -> None:
    _factor_notice(
        kind="passkey_removed_notice",
        user=user,
        subject="A passkey was removed from your account",
        what=f'the passkey named "{one_line(name, limit=64)}" was removed from your account ({user.email}); it '
        "no longer signs in.",
        listed="passkeys",
    )


def notify_mfa_reset(*, user: User) -> None:
    """An operator removed every second factor of the account (the admin's "Reset second factors")."""
    send(
        kind="mfa_reset_notice",
        user=user,
        subject="The second factors of your account were reset",
        body=(
            f"On {now()} an administrator removed the second factors of your account ({user.email}): its "
            "authenticator app, recovery codes and passkeys. A password alone signs in again until you set up "
            f"a new one at {security_page()}\n\n{operator_not_asked()}"
        ),
    )


# Sign-in providers (backend/oidc): each connection or disconnection is told, as a factor's is: an identity connected
# by someone else signs in to the account without the password.


def notify_oidc_connected(*, user: User, provider_name: str, provider_email: str) -> None:
    account = f" as {one_line(provider_email, limit=254)}" if provider_email else ""
    _factor_notice(
        kind="oidc_connected_notice",
        user=user,
        subject=f"{one_line(provider_name, limit=64)} was connected to your account",
        what=f"your {one_line(provider_name, limit=64)} account{account} was connected to your account "
        f"({user.email}). It can now be used to sign in.",
        listed="sign-in providers",
        path=ACCOUNT_PAGE,
    )


def notify_oidc_disconnected(*, user: User, provider_name: str, provider_email: str) -> None:
    account = f" ({one_line(provider_email, limit=254)})" if provider_email else ""
    _factor_notice(
        kind="oidc_disconnected_notice",
        user=user,
        subject=f"{one_line(provider_name, limit=64)} was disconnected from your account",
        what=f"your {one_line(provider_name, limit=64)} account{account} was disconnected from your account "
        f"({user.email}); it no longer signs in.",
        listed="sign-in providers",
        path=ACCOUNT_PAGE,
    )
