"""Limits on guessing an account's password that an attacker cannot turn against the account's owner.

OWASP's "device cookies" (Slow Down Online Guessing Attacks with Device Cookies): a browser that has signed in to an
account carries a signed cookie naming that account (cookies.py), and its failed sign-ins count on a bucket of its
own, (account, device). Nobody else's failures touch that bucket, so guessing from anywhere never locks the owner
out of the browsers they already use. A device the account does not know is limited per (account, client IP), and
all unknown devices together by a per-account ceiling, much higher: only many addresses can exhaust it, and even
then the owner's known devices sign in. login_ip (per client IP, any account) applies to unknown devices only.

The same scheme limits password-reset, sign-in-code and verification emails (PASSWORD_RESET, LOGIN_CODE,
EMAIL_VERIFY_RESEND), which could otherwise be exhausted by anyone to keep the owner from getting one. Scopes and
rates are in settings.RATE_LIMITS; docs/security.md has the reasoning.

Every attempt counts before the password is checked, so parallel guesses cannot slip past a limit; a successful
one is given back (AccountAttempt.refund), so only failures count.
"""

import hashlib
import hmac
import math
from dataclasses import dataclass, field

from django.conf import settings
from django.http import HttpRequest
from rest_framework.exceptions import APIException, Throttled

from backend.audit.services import audit_login_locked
from backend.common.errors import ErrorCode
from backend.common.ratelimit import Usage, rate_limit_hit
from backend.common.secret_keys import secret_keys
from backend.common.throttles import client_rate_identity, rate_limit_record, rate_limit_refund_recorded

from .cookies import device_cookie_get
from .models import User
from .normalization import normalize_email


def login_email_identity(email: str) -> str:
    """The address as stored (normalization.normalize_email: NFKC-normalized as Django's login form normalizes
    usernames, trimmed, lowercased), so that variant spellings of one address (padding, fullwidth letters) cannot
    each get a bucket of their own.

    Nothing is cut off: a prefix taken before trimming would give ``"   ops@example.com"`` a bucket of its own
    (its first 254 characters end before the address does) although Django's form strips it and signs in as
    ops@example.com. Input longer than an email can be is refused by both forms before any password is
    checked, so its bucket, whatever it is, guards nothing; the key is a fixed-size hash (ratelimit._key)."""
    return normalize_email(email)


def account_key(identity: str, account_id: object, revocation_key: str) -> str:
    """What a device cookie names its account by: a keyed hash of the normalized email, the account's id and its
    sessions' revocation key. The cookie does not carry the address itself, and every cookie handed out before a
    password change or reset, a sign-out everywhere, or the account's deletion (a new account at the address has
    another id) stops counting as a known device: whoever once had the password cannot have stocked up cookies,
    each with its own bucket, to guess the new one."""
    return account_keys(identity, account_id, revocation_key)[0]


def account_keys(identity: str, account_id: object, revocation_key: str) -> tuple[str, ...]:
    """account_key under SECRET_KEY, then under each of SECRET_KEY_FALLBACKS: a cookie set before SECRET_KEY rotated
    names its account by an older one, and still counts while that key is listed (its signature does too)."""
    material = f"device-account:{identity}\n{account_id}\n{revocation_key}".encode()
    return tuple(hmac.new(key.encode(), material, hashlib.sha256).hexdigest()[:32] for key in secret_keys())


def device_account(user: User) -> str:
    """account_key of ``user`` as stored now: what a device cookie set now names."""
    return device_accounts(user)[0]


def device_accounts(user: User) -> tuple[str, ...]:
    """account_keys of ``user`` as stored now: what a device cookie of this account may name (device_cookie_get)."""
    return account_keys(login_email_identity(user.email), user.pk, user.sessions_revocation_key)


def _account_keys_of(identity: str) -> tuple[str, ...]:
    # One indexed read: an attempt knows only the address typed. No account: no cookie can name it.
    found = User.objects.filter(email=identity).values_list("pk", "sessions_revocation_key").first()
    return account_keys(identity, *(found or (None, "")))


def wait_in_words(seconds: int) -> str:
    """A refusal's Retry-After for people: seconds, minutes, then hours."""
    if seconds < 120:
        return f"{seconds} seconds"
    if seconds < 2 * 3600:
        return f"{math.ceil(seconds / 60)} minutes"
    return f"{math.ceil(seconds / 3600)} hours"


@dataclass(frozen=True)
class AccountLimits:
    """The rate scopes of one guarded action."""

    device: str  # per (account, known device)
    ip: str  # per (account, client IP), unknown devices
    account: str  # per account, all unknown devices together: the ceiling
    client: str | None = None  # per client IP whatever the account, unknown devices
    audit_lockouts: bool = False


LOGIN = AccountLimits(
    device="login_email_device", ip="login_email_ip", account="login_email", client="login_ip", audit_lockouts=True
)
PASSWORD_RESET = AccountLimits(
    device="password_reset_email_device", ip="password_reset_email_ip", account="password_reset_email"
)
LOGIN_CODE = AccountLimits(device="login_code_email_device", ip="login_code_email_ip", account="login_code_email")
EMAIL_VERIFY_RESEND = AccountLimits(
    device="email_verify_resend_email_device", ip="email_verify_resend_email_ip", account="email_verify_resend_email"
)


@dataclass
class AccountAttempt:
    identity: str  # the normalized email
    account: str  # account_key(identity), what the device cookie carries
    device: str | None  # the id of a known device of this account, or None
    request: HttpRequest  # the one counted: a refund also corrects its X-RateLimit-* headers
    refused: Usage | None = None  # the exhausted limit, if the attempt may not go on
    _counted: list[tuple[Usage, str]] = field(default_factory=list)  # (usage, bucket) of the account's buckets

    @property
    def known_device(self) -> bool:
        return self.device is not None

    @property
    def refused_by_account(self) -> bool:
        """Refused by one of the account's buckets (a lockout), not by the per-IP limit."""
        return self.refused is not None and any(usage is self.refused for usage, _ in self._counted)

    def wait_text(self) -> str:
        """How long the refusal lasts, in words."""
        return wait_in_words(self.refused.reset_after if self.refused is not None else 0)

    def locked_message(self) -> str:
        """What a sign-in refused by the account's limits is told: how long to wait, and the way around it."""
        where = "from this device" if self.known_device else "to this account from devices it has not signed in from"
        return (
            f"Too many failed sign-ins {where}. Try again in {self.wait_text()}, or reset your password: "
            "the browser you reset it in can sign in at once."
        )

    def raise_if_refused(self) -> None:
        """For the API: a lockout is 429 ``login_locked``, the per-IP limit 429 ``throttled``; both with Retry-After."""
        if self.refused is None:
            return
        if self.refused_by_account:
            raise LoginLocked(self)
        self.raise_if_throttled()

    def raise_if_throttled(self) -> None:
        """For the API's emails (a reset link, a sign-in code, a verification link): any refusal is 429 ``throttled``
        with Retry-After, a lockout included. Only a sign-in tells a lockout apart (raise_if_refused)."""
        if self.refused is not None:
            raise Throttled(wait=self.refused.reset_after)

    def refund(self) -> None:
        """The password was right: give back what this attempt counted on the account's buckets."""
        for usage, bucket in self._counted:
            rate_limit_refund_recorded(self.request, usage, bucket)


def account_attempt(
    request: HttpRequest, *, email: str, limits: AccountLimits = LOGIN, count_client: bool = True
) -> AccountAttempt:
    """Count one attempt on ``email``'s account from this request's device and client: the (account, device) bucket
    for a known device, else ``limits.client`` (when ``count_client``), (account, IP) and the account's ceiling.
    Stops at the first exhausted limit, which ``refused`` then names; a lockout's start is audited once."""
    identity = login_email_identity(email)
    accounts = _account_keys_of(identity)
    attempt = AccountAttempt(
        identity=identity, account=accounts[0], device=device_cookie_get(request, accounts=accounts), request=request
    )
    if not settings.RATE_LIMIT_ENABLED:
        return attempt
    ip = client_rate_identity(request)
    checks: list[tuple[str, str, bool]] = []  # (scope, bucket, one of the account's)
    if attempt.device is not None:
        checks.append((limits.device, f"{identity}\n{attempt.device}", True))
    else:
        if limits.client and count_client:
            checks.append((limits.client, ip, False))
        checks += [(limits.ip, f"{identity}\n{ip}", True), (limits.account, identity, True)]
    for scope, bucket, of_account in checks:
        usage = rate_limit_hit(scope, bucket)
        if scope != limits.account or not usage.allowed:
            # Not the per-account ceiling's count in the X-RateLimit-* headers while it allows: it would tell
            # anyone how many sign-ins to this account failed elsewhere. (This device's own buckets are its own.)
            rate_limit_record(request, usage)
        if of_account:
            attempt._counted.append((usage, bucket))
        if not usage.allowed:
            attempt.refused = usage
            # The one attempt that finds the window just exhausted (the counter is atomic): the lockout starts.
            if of_account and limits.audit_lockouts and usage.count == usage.limit + 1:
                audit_login_locked(email=identity)
            break
    return attempt


class LoginLocked(Throttled):
    default_code = ErrorCode.LOGIN_LOCKED

    def __init__(self, attempt: AccountAttempt) -> None:
        # APIException's, not Throttled's: that one would append its own "Expected available in N seconds."
        APIException.__init__(self, attempt.locked_message(), ErrorCode.LOGIN_LOCKED)
        self.wait = attempt.refused.reset_after if attempt.refused is not None else None
