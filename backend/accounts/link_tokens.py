"""The signed tokens of emailed links: address verification and email change.

django.core.signing with a salt per purpose, so a token made for one link is no good for the other; each expires
after EMAIL_LINK_MAX_AGE_SECONDS. A token is bound to the state its link changes (a keyed hash of the account's
email and, for verification, of whether it is verified), so once used, or once the address changed meanwhile, it
stops matching: single use without storing anything. An email-change token is also bound to the password's hash
and the sessions' revocation key: a password change or reset, or signing out everywhere (what the owner does on
a "new sign-in" notice), cancels a change someone else asked for with a stolen password. And to the account's
``email_change_key``, which every change request replaces: a newer request cancels the links of the older ones.
"""

import hashlib
import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from backend.common.errors import ErrorCode
from backend.common.secret_keys import secret_keys

from .models import User
from .normalization import EMAIL_MAX_LENGTH

# The salts keep the module's former name (email_links.py): changing them would void every link already sent.
VERIFY_SALT = "backend.accounts.email_links.verify"
CHANGE_SALT = "backend.accounts.email_links.change"
_STATE_LENGTH = 24  # hex digits of the state hash a token carries


def _signed_length(payload: dict[str, Any]) -> int:
    """The length of ``signing.dumps(payload)``: its JSON in base64url without padding (4 characters per 3 bytes),
    ":", the timestamp in base62 (6 digits until the year 3770), ":", and the HMAC-SHA256 in base64url."""
    json_length = len(signing.JSONSerializer().dumps(payload))
    signature_length = len(signing.b64_encode(hashlib.sha256().digest()))
    return math.ceil(json_length * 4 / 3) + 1 + 6 + 1 + signature_length


# The longest token an emailed link can carry (the input serializer's cap). An email-change token carries the whole
# new address, so it is sized for the longest valid one: EMAIL_MAX_LENGTH characters, each at most 6 in the token's
# JSON, which escapes every non-ASCII or control character as \uXXXX (a control character, allowed in a quoted local
# part, is the worst case below). Never 12, a surrogate pair: validate_email admits no character beyond U+FFFF.
# A verification token carries no address and is shorter.
_ID = str(uuid.UUID(int=0))
LINK_TOKEN_MAX_LENGTH = _signed_length({"u": _ID, "n": "\x01" * EMAIL_MAX_LENGTH, "s": _ID, "h": "0" * _STATE_LENGTH})


class LinkError(Exception):
    """The link cannot be used: ``code`` is ErrorCode.LINK_EXPIRED or ErrorCode.LINK_INVALID."""

    def __init__(self, code: ErrorCode) -> None:
        super().__init__(code.value)
        self.code = code


def _state(parts: list[str], *, secret: str | None = None) -> str:
    """A keyed hash of the state a link is bound to: no address or flag is readable in the token."""
    return salted_hmac("backend.accounts.email_links.state", "\n".join(parts), secret=secret).hexdigest()[
        :_STATE_LENGTH
    ]


def _state_matches(value: object, parts: list[str]) -> bool:
    """Whether a token's state hash is that of ``parts`` under SECRET_KEY or a fallback: a link mailed before
    SECRET_KEY rotated works while the old key is listed, as its signature does (django.core.signing)."""
    return isinstance(value, str) and any(
        constant_time_compare(value, _state(parts, secret=key)) for key in secret_keys()
    )


def _verify_parts(user: User) -> list[str]:
    return ["verify", str(user.pk), user.email, "1" if user.email_verified else "0"]


def _change_parts(user: User) -> list[str]:
    # The email-change key only once a request set it: a link mailed by the release before it (no key yet) still
    # works until the account asks again, which is what cancels it.
    change_key = [user.email_change_key] if user.email_change_key else []
    return ["change", str(user.pk), user.email, user.password, user.sessions_revocation_key, *change_key]


def _load(token: str, *, salt: str) -> dict[str, Any]:
    try:
        data = signing.loads(token, salt=salt, max_age=settings.EMAIL_LINK_MAX_AGE_SECONDS)
    except signing.SignatureExpired:
        raise LinkError(ErrorCode.LINK_EXPIRED) from None
    except (signing.BadSignature, ValueError, TypeError, UnicodeError):
        raise LinkError(ErrorCode.LINK_INVALID) from None
    if not isinstance(data, dict):
        raise LinkError(ErrorCode.LINK_INVALID)
    return data


def verify_token_make(user: User) -> str:
    return signing.dumps({"u": str(user.pk), "h": _state(_verify_parts(user))}, salt=VERIFY_SALT)


def verify_token_user(token: str) -> User:
    """The active account a verification token was made for, if it still matches its state."""
    data = _load(token, salt=VERIFY_SALT)
    user = _active_user(data.get("u"))
    if user is None or not _state_matches(data.get("h"), _verify_parts(user)):
        raise LinkError(ErrorCode.LINK_INVALID)
    return user


@dataclass(frozen=True)
class EmailChange:
    user: User
    new_email: str
    session_id: str | None  # the session that asked for the change, which stays signed in


def change_payload(*, user: User, new_email: str, session_id: str | None) -> dict[str, Any]:
    """What an email-change token carries: also what the account keeps of its pending change (User.
    email_change_pending), so that change_pending_read() holds it to the same state as the link."""
    return {"u": str(user.pk), "n": new_email, "s": session_id, "h": _state(_change_parts(user))}


def change_token_make(*, user: User, new_email: str, session_id: str | None) -> str:
    return signing.dumps(change_payload(user=user, new_email=new_email, session_id=session_id), salt=CHANGE_SALT)


@dataclass(frozen=True)
class PendingChange:
    new_email: str
    session_id: str | None
    requested_at: datetime
    expires_at: datetime


def change_pending_read(user: User) -> PendingChange | None:
    """The account's pending change (User.email_change_pending) if its link would still be accepted as far as the
    account's own state says: not expired, and the address, password, sessions' revocation key and email-change key
    unchanged since. (Whether the session that asked is still live is the caller's to check, as for a link.)"""
    data = user.email_change_pending
    if not isinstance(data, dict) or not _state_matches(data.get("h"), _change_parts(user)):
        return None
    new_email, session_id, requested = data.get("n"), data.get("s"), data.get("t")
    if not isinstance(new_email, str) or not (session_id is None or isinstance(session_id, str)):
        return None
    try:
        requested_at = datetime.fromisoformat(requested) if isinstance(requested, str) else None
    except ValueError:
        requested_at = None
    if requested_at is None or requested_at.tzinfo is None:
        return None
    expires_at = requested_at + timedelta(seconds=settings.EMAIL_LINK_MAX_AGE_SECONDS)
    if expires_at <= timezone.now():
        return None
    return PendingChange(new_email=new_email, session_id=session_id, requested_at=requested_at, expires_at=expires_at)


def change_token_read(token: str) -> EmailChange:
    """The change an email-change token asks for, if its account still has the address, password, sessions'
    revocation key and email-change key it was asked with."""
    data = _load(token, salt=CHANGE_SALT)
    user = _active_user(data.get("u"))
    new_email, session_id = data.get("n"), data.get("s")
    if (
        user is None
        or not _state_matches(data.get("h"), _change_parts(user))
        or not isinstance(new_email, str)
        or not (session_id is None or isinstance(session_id, str))
    ):
        raise LinkError(ErrorCode.LINK_INVALID)
    return EmailChange(user=user, new_email=new_email, session_id=session_id)


def _active_user(user_id: object) -> User | None:
    if not isinstance(user_id, str):
        return None
    try:
        return User.objects.filter(pk=user_id, is_active=True).first()
    except (ValueError, TypeError, ValidationError):  # not a UUID
        return None
