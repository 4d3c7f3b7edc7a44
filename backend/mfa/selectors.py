"""Reads of a user's second factors."""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from backend.accounts.models import User
from backend.accounts.services import email_verification_enabled, method_meets_level
from backend.common.ids import uuid_or_404

from .models import MfaChallenge, Passkey, RecoveryCode, TotpAuthenticator

# The API's names of the ways to finish a sign-in (a 202's ``methods``, mfa_methods below), not amr values: the
# authenticator app is "totp" here and "otp" in a session's amr (backend/accounts/assurance.py).
SIGN_IN_CHOICE_TOTP = "totp"
SIGN_IN_CHOICE_RECOVERY_CODE = "recovery_code"
SIGN_IN_CHOICE_PASSKEY = "passkey"


def _totp_confirmed(user: User) -> QuerySet[TotpAuthenticator]:
    # A pending enrolment (not yet confirmed with a first code) is no factor.
    return TotpAuthenticator.objects.filter(user=user, confirmed_at__isnull=False)


def totp_confirmed_get(*, user: User) -> TotpAuthenticator | None:
    """The user's enabled authenticator app, if any (a pending enrolment is not one)."""
    return _totp_confirmed(user).first()


def mfa_methods(*, user: User) -> list[str]:
    """What can finish this user's sign-in, in the order offered: ``totp``, ``recovery_code``, ``passkey``.
    Empty when the account has no second factor (a password alone signs in)."""
    has_totp = _totp_confirmed(user).exists()
    has_passkey = Passkey.objects.filter(user=user).exists()
    if not (has_totp or has_passkey):
        return []
    methods = [SIGN_IN_CHOICE_TOTP] if has_totp else []
    if RecoveryCode.objects.filter(user=user, used_at__isnull=True).exists():
        methods.append(SIGN_IN_CHOICE_RECOVERY_CODE)
    if has_passkey:
        methods.append(SIGN_IN_CHOICE_PASSKEY)
    return methods


def mfa_enabled(*, user: User) -> bool:
    """Whether a password alone no longer signs this user in: a confirmed authenticator app or a passkey."""
    return _totp_confirmed(user).exists() or Passkey.objects.filter(user=user).exists()


def reauthentication_level(user: User) -> int:
    """What a re-authentication of this user must prove: 2 (a second factor) when the account has one, else 1
    (backend/accounts/services/reauthentication.py says why the account's level, not the session's)."""
    return 2 if mfa_enabled(user=user) else 1


def reauthentication_method_allowed(*, user: User, method: str) -> bool:
    """Whether ``method`` (an amr value, backend/accounts/assurance.py) proves enough to re-authenticate ``user``: a
    second factor always; a first factor (the password, a provider's sign-in) only while the account has no second
    factor (reauthentication_level 1)."""
    return method_meets_level(level=reauthentication_level(user), method=method)


def email_confirmation_required(*, user: User) -> bool:
    """Whether ``user`` must confirm their email address before adding a second factor (services/enrolment.py):
    while it is unconfirmed and addresses can be confirmed at all. Read from the database, not from ``user``: a
    caller's copy may predate the confirmation."""
    if not email_verification_enabled():
        return False
    return not User.objects.filter(pk=user.pk, email_verified=True).exists()


def passkey_list(*, user: User) -> list[Passkey]:
    """The user's passkeys, oldest first."""
    return list(Passkey.objects.filter(user=user).order_by("created_at", "id"))


def passkey_get_for_user(*, user: User, passkey_id: str) -> Passkey:
    """The user's own passkey; anyone else's, or a malformed id, is a 404 (as if it did not exist)."""
    passkey = Passkey.objects.filter(user=user, id=uuid_or_404(passkey_id)).first()
    if passkey is None:
        raise Http404
    return passkey


@dataclass(frozen=True)
class WebAuthnAccount:
    """How the browser files this account's passkeys: the relying party, the user handle and the names shown."""

    rp_id: str
    user_handle: bytes  # the account's UUID, 16 opaque bytes (never the email: the spec forbids personal data here)
    user_name: str
    user_display_name: str


def webauthn_account_get(*, user: User) -> WebAuthnAccount:
    """What a new passkey is registered under, and what the SPA tells the browser about the existing ones."""
    return WebAuthnAccount(
        rp_id=settings.WEBAUTHN_RP_ID,
        user_handle=user.pk.bytes,
        user_name=user.email,
        user_display_name=user.name or user.email,
    )


def passkey_registration_pending(*, user: User) -> bool:
    """Whether a passkey registration of ``user`` was started and not finished (its challenge unused, unexpired): the
    browser may hold a passkey the server does not list yet, which the SPA must not tell it to forget."""
    return MfaChallenge.objects.filter(
        user=user,
        purpose=MfaChallenge.Purpose.PASSKEY_REGISTER,
        used_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).exists()
