"""What every email of the accounts app is written with: the queueing with its sign-off, the SPA's pages, the date,
a client-supplied value as one line, and the advice a notice gives when the change was not its reader's. For this
package's modules only, as the module's leading underscore says: its own names need none."""

import re

from django.conf import settings
from django.utils import timezone

from backend.common.mail import email_queue

from ..models import User

_SIGN_OFF = "\n\n-- \nScalable Auth Dashboard"


def send(*, kind: str, subject: str, body: str, user: User | None = None, to: str = "") -> None:
    """Queue one plain-text email to ``to`` (by default ``user``'s address) for after the current transaction commits.
    ``user``: the account it is about, named (by id) in the logs of a failed delivery."""
    to = to or (user.email if user is not None else "")
    email_queue(kind=kind, to=to, subject=subject, body=body + _SIGN_OFF, user_id=user.pk if user else None)


def page(path: str) -> str:
    return f"{settings.FRONTEND_URL}{path}"


def now() -> str:
    return timezone.now().strftime("%Y-%m-%d %H:%M UTC")


def one_line(text: str, *, limit: int = 200) -> str:
    """A client-supplied value (a User-Agent) as one short line."""
    text = re.sub(r"\s+", " ", text or "").strip()
    return text[:limit] + ("…" if len(text) > limit else "") or "unknown"


def support() -> str:
    """The words "contact support at X", or "" with no SUPPORT_CONTACT: the caller then says what the reader can do."""
    return f"contact support at {settings.SUPPORT_CONTACT}" if settings.SUPPORT_CONTACT else ""


def not_you() -> str:
    # A reset signs everyone out but keeps the account's second factors: one an intruder added (a passkey signs in
    # without the password) must be removed by hand, so every notice that advises the reset says where.
    return (
        "If it was not you, reset your password now; that signs out every session:\n"
        f"{page('/forgot-password')}\n"
        "A reset keeps your authenticator app and passkeys: remove any you do not recognise at "
        f"{page('/security')}\n"
        f"Your signed-in devices are listed at {page('/account')}"
    )


ACCOUNT_PAGE = "/account"  # the SPA's account page: profile, sign-in providers, deletion


def security_page() -> str:
    return page("/security")


def operator_not_asked() -> str:
    """An operator changed the account's password or second factors: the owner can take it back with a reset (the
    address is still theirs), and tell support, if there is one."""
    then = f"\nThen {contact}, and say what happened." if (contact := support()) else ""
    return f"If you did not ask for this, reset your password now:\n{page('/forgot-password')}{then}"
