"""The account's MFA status as GET /api/auth/mfa/ shows it: its factors and how the current session signed in."""

from typing import Any

from django.db.models import Count, Q
from webauthn.helpers import bytes_to_base64url

from backend.accounts import selectors as account_selectors
from backend.accounts.assurance import amr_split
from backend.accounts.models import User
from backend.accounts.services import reauthenticated_until

from .models import RecoveryCode, TotpAuthenticator
from .selectors import (
    email_confirmation_required,
    passkey_list,
    passkey_registration_pending,
    reauthentication_level,
    webauthn_account_get,
)


def mfa_factors_get(*, user: User) -> dict[str, Any]:
    """The user's factors: the authenticator app's state, the recovery codes left, the passkeys (oldest first)."""
    totp = TotpAuthenticator.objects.filter(user=user).only("confirmed_at").first()
    codes = RecoveryCode.objects.filter(user=user).aggregate(
        total=Count("pk"), remaining=Count("pk", filter=Q(used_at__isnull=True))
    )
    passkeys = passkey_list(user=user)
    enabled = totp is not None and totp.confirmed_at is not None
    return {
        "mfa_enabled": enabled or bool(passkeys),
        "totp": {
            "enabled": enabled,
            "pending": totp is not None and totp.confirmed_at is None,
            "confirmed_at": totp.confirmed_at if totp is not None else None,
        },
        "recovery_codes": {"remaining": codes["remaining"], "total": codes["total"]},
        "passkeys": passkeys,
    }


def mfa_status_get(*, user: User, session_id: str | None) -> dict[str, Any]:
    """``mfa_factors_get``, what the browser files the passkeys under (``webauthn``), and the authentication of
    ``session_id`` (the caller's own session); its ``reauthenticated_until`` is null when the session's level is
    below the account's. ``email_confirmation_required``: a factor may not be added until the address is
    confirmed (services/enrolment.py), so the SPA can say so before the user tries."""
    status = mfa_factors_get(user=user)
    status["email_confirmation_required"] = email_confirmation_required(user=user)
    account = webauthn_account_get(user=user)
    status["webauthn"] = {
        "rp_id": account.rp_id,
        "user_handle": bytes_to_base64url(account.user_handle),
        "user_name": account.user_name,
        "user_display_name": account.user_display_name,
        "registration_pending": passkey_registration_pending(user=user),
    }
    session = account_selectors.session_authentication(session_id=session_id) if session_id else None
    # Sensitive actions ask for the account's level (2 with a second factor), whatever the session signed in with
    # (accounts/services/reauthentication.py): a recent authentication below it allows nothing.
    level = reauthentication_level(user)
    status["session"] = (
        {
            "amr": amr_split(session.amr),
            "aal": session.aal,
            "authenticated_at": session.authenticated_at,
            "reauthenticated_until": reauthenticated_until(session) if session.aal >= level else None,
        }
        if session is not None
        else {"amr": [], "aal": 0, "authenticated_at": None, "reauthenticated_until": None}
    )
    return status


def mfa_export_get(*, user: User) -> dict[str, Any]:
    """``mfa_factors_get`` with what else the data export owes the user about their factors: when the authenticator
    app was set up, and when each recovery code was issued and used. Reads no secret: the TOTP secret and the
    codes' hashes are not even loaded, so no serializer can let one through."""
    factors = mfa_factors_get(user=user)
    totp = TotpAuthenticator.objects.filter(user=user).only("created_at").first()
    codes = RecoveryCode.objects.filter(user=user)
    return {
        **factors,
        "totp": {**factors["totp"], "created_at": totp.created_at if totp is not None else None},
        "recovery_codes": {
            **factors["recovery_codes"],
            # All codes are issued together (regenerating replaces them all): one date says when.
            "issued_at": codes.order_by("-created_at").values_list("created_at", flat=True).first(),
            "used_at": list(codes.filter(used_at__isnull=False).order_by("used_at").values_list("used_at", flat=True)),
        },
    }
