"""What adding a second factor (an authenticator app, a passkey) needs first: a confirmed email address, whenever
addresses can be confirmed (EMAIL_VERIFICATION ``optional`` or ``mandatory``; docs/security.md).

Against account pre-hijacking (Sudhodanan & Paverd, 2022): with ``optional`` verification anyone can register
someone else's address and is signed in at once. A factor added then would outlive the owner's password reset (the
owner's sign-in would ask for it, and a passkey signs the intruder in alone). Only whoever reads the mailbox can
confirm the address, so from then on a factor is the mailbox owner's. Checked here, in the services, so every caller
(the API, the admin, a shell) is held to it. With ``none`` no address can be confirmed: nothing changes.
"""

from backend.accounts.models import User

from ..errors import FactorNeedsConfirmedEmail
from ..selectors import email_confirmation_required


def factor_add_allowed(*, user: User) -> None:
    """Raise FactorNeedsConfirmedEmail (403 ``email_not_verified``) when ``user`` may not add a second factor yet:
    call before anything of the factor is written, so a refusal leaves nothing behind."""
    if email_confirmation_required(user=user):
        raise FactorNeedsConfirmedEmail()
