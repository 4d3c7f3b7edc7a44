"""How a session was authenticated: the methods (``amr``, RFC 8176's claim) and the assurance level they add up to
(``aal``, after NIST SP 800-63B's AAL1/AAL2). docs/mfa.md explains what needs which level."""

from collections.abc import Iterable

PASSWORD = "pwd"  # noqa: S105  (the method's name, not a password)
TOTP = "otp"
RECOVERY_CODE = "recovery_code"
PASSKEY = "passkey"
EMAIL_CODE = "email_code"  # a one-time code emailed to the account's address (not in RFC 8176's registry)
# A sign-in at an OpenID Connect provider (backend/oidc; not in RFC 8176's registry): a full sign-in there, so it
# counts as a recent authentication, as the password does.
OIDC = "oidc"

# A first factor: what a sign-in starts with, before any second factor (a passkey is both, below).
FIRST_FACTORS = frozenset({PASSWORD, EMAIL_CODE, OIDC})

# A second factor: with the password, two factors; a passkey is two by itself (the device, and the user
# verification that unlocks it).
SECOND_FACTORS = frozenset({TOTP, RECOVERY_CODE, PASSKEY})


def assurance_level(methods: Iterable[str]) -> int:
    """2 when the methods prove two factors (a first factor and a second factor, or a user-verified passkey), else
    1."""
    used = set(methods)
    if PASSKEY in used or (used & FIRST_FACTORS and used & SECOND_FACTORS):
        return 2
    return 1


def proves_recent_authentication(methods: Iterable[str]) -> bool:
    """Whether a sign-in with these methods counts as a recent authentication for sensitive actions
    (services/reauthentication.py): any method but an emailed code alone, which proves only that its user reads the
    mailbox (backend/mfa/services/email_code.py says why that is not enough)."""
    return bool(set(methods) - {EMAIL_CODE})


def amr_join(methods: Iterable[str]) -> str:
    """The stored form: comma-separated, in sign-in order, each method once."""
    return ",".join(dict.fromkeys(methods))


def amr_split(stored: str) -> list[str]:
    return [method for method in stored.split(",") if method]
