"""Recovery codes: ten single-use codes that finish a sign-in when the authenticator app or the passkeys are lost.

Each is 16 random base32 characters (80 bits), shown once as ``xxxx-xxxx-xxxx-xxxx``; only the SHA-256 of its
normalized form is stored (80 random bits need no slow hash). Using one is a conditional update
(``used_at`` still empty), so of two parallel requests with the same code exactly one succeeds.
"""

import hashlib
import secrets
from typing import Any

from django.utils import timezone

from backend.accounts.emails.security_notices import notify_recovery_code_used, notify_recovery_codes_regenerated
from backend.accounts.models import User
from backend.audit.models import AuditEvent
from backend.audit.services import audit_on_commit
from backend.common.db import atomic

from ..errors import MfaStateConflict
from ..models import RecoveryCode
from ..selectors import mfa_enabled
from .enrolment import mfa_writes_lock

CODE_COUNT = 10
_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"  # base32, lowercase: no 0/1/8/9 to confuse with O/I/L/B
_LENGTH = 16
_GROUP = 4

CODES_NEED_A_FACTOR = "Recovery codes come with a second factor: enable the authenticator app first."
CODES_JUST_REPLACED = (
    "New recovery codes were made by another request a moment ago: the codes it showed are the ones that work. "
    "If you did not see them, make new codes again."
)


def _code_new() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(_LENGTH))
    return "-".join(raw[i : i + _GROUP] for i in range(0, _LENGTH, _GROUP))


def _normalize(code: str) -> str:
    """What the user typed, as stored: copied with spaces, typed in capitals or without hyphens, it still matches."""
    return (code or "").strip().lower().replace("-", "").replace(" ", "")


def _hash(code: str) -> str:
    return hashlib.sha256(_normalize(code).encode()).hexdigest()


def _code_ids(*, user: User) -> frozenset[Any]:
    """Which set of codes the user has now: each generation has new row ids, whatever has been used since."""
    return frozenset(RecoveryCode.objects.filter(user=user).values_list("pk", flat=True))


def _generate(*, user: User) -> list[str]:
    codes: list[str] = []
    while len(codes) < CODE_COUNT:  # a duplicate among ten 80-bit codes is all but impossible; skip it anyway
        code = _code_new()
        if code not in codes:
            codes.append(code)
    RecoveryCode.objects.filter(user=user).delete()
    RecoveryCode.objects.bulk_create([RecoveryCode(user=user, code_hash=_hash(code)) for code in codes])
    audit_on_commit(event=AuditEvent.Event.RECOVERY_CODES_GENERATED, user_id=user.pk)
    return codes


def recovery_codes_issue_if_first(*, user: User) -> list[str]:
    """Ten new codes, in clear, when the user has none at all (their first factor was just enabled); else []:
    a second factor keeps the codes already given (used ones included, so a user who spent them all is not
    silently handed new ones; they regenerate)."""
    with atomic():
        mfa_writes_lock(user=user)
        if RecoveryCode.objects.filter(user=user).exists():
            return []
        return _generate(user=user)


def recovery_codes_regenerate(*, user: User) -> list[str]:
    """Ten new codes, in clear; every earlier one is refused from now on. The owner is emailed.

    MfaStateConflict, and nothing changed, when the account has no second factor (checked under the factor writers'
    lock: codes made while the last factor goes would outlive it, and a later first factor would then issue none),
    or when its codes were replaced by another request since this one began (a double submit). Only hashes are
    stored, so that request's codes cannot be shown again: replacing them would leave its answer, which the user
    may be reading, with dead codes. The earlier codes this request read are the ones it means to replace; any
    other set means someone else's answer holds the live ones, and this one stands down."""
    meant_to_replace = _code_ids(user=user)
    with atomic():
        mfa_writes_lock(user=user)
        if not mfa_enabled(user=user):
            raise MfaStateConflict(CODES_NEED_A_FACTOR)
        if _code_ids(user=user) != meant_to_replace:
            raise MfaStateConflict(CODES_JUST_REPLACED)
        codes = _generate(user=user)
        notify_recovery_codes_regenerated(user=user)
    return codes


def recovery_code_use(*, user: User, code: str) -> bool:
    """Spend ``code`` if it is one of the user's unused codes; True when it was. Audited and emailed."""
    normalized = _normalize(code)
    if len(normalized) != _LENGTH:
        return False
    row_id = (
        RecoveryCode.objects.filter(user=user, code_hash=_hash(normalized), used_at__isnull=True)
        .values_list("pk", flat=True)
        .first()
    )
    if row_id is None:
        return False
    # The conditional update is the single-use guarantee: a parallel request with the same code updates nothing.
    if not RecoveryCode.objects.filter(pk=row_id, used_at__isnull=True).update(used_at=timezone.now()):
        return False
    remaining = RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
    audit_on_commit(event=AuditEvent.Event.RECOVERY_CODE_USED, user_id=user.pk)
    notify_recovery_code_used(user=user, remaining=remaining)
    return True


def recovery_codes_delete(*, user: User) -> None:
    """Remove every code (the user's last factor went: codes alone must not become a way in)."""
    RecoveryCode.objects.filter(user=user).delete()
