"""Second factors (a TOTP authenticator, recovery codes, passkeys) and the short-lived challenges of the flows that
use them. docs/mfa.md describes the flows; services/ writes these rows, selectors.py reads them."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class TotpAuthenticator(models.Model):
    """A user's authenticator app (RFC 6238, 30-second steps, 6 digits). One per user.

    ``confirmed_at`` is None while enrolment waits for a first code; only a confirmed one is a factor.
    ``secret_encrypted`` is the base32 secret encrypted with MFA_ENCRYPTION_KEYS (crypto.py), never stored in clear.
    ``last_used_step`` is the time step of the last accepted code: a code of that step or an earlier one is a
    replay, refused (an atomic compare-and-set in services/totp.py).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="totp_authenticator")
    secret_encrypted = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_used_step = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.user_id} TOTP ({'confirmed' if self.confirmed_at else 'pending'})"


class RecoveryCode(models.Model):
    """One single-use recovery code, stored as a SHA-256 hash (the codes carry 80 random bits, so a fast hash
    is enough). A user has none until their first factor is enabled, then ten; regenerating replaces them all."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "code_hash"], name="mfa_recovery_code_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} recovery code ({'used' if self.used_at else 'unused'})"


class Passkey(models.Model):
    """A WebAuthn credential (passkey or security key) registered by a user; a second factor, and, when it is
    discoverable, a way to sign in without a password. ``credential_id`` and ``public_key`` are base64url."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="passkeys")
    name = models.CharField(max_length=64)
    credential_id = models.CharField(max_length=1400, unique=True)
    public_key = models.TextField()
    sign_count = models.BigIntegerField(default=0)
    transports = models.CharField(max_length=128, blank=True)  # comma-separated hints for the browser
    discoverable = models.BooleanField(default=False)  # a resident key: usable for passwordless sign-in
    backed_up = models.BooleanField(default=False)  # synced by its provider (a multi-device passkey)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.user_id} passkey {self.name}"


class MfaChallenge(models.Model):
    """A short-lived, single-purpose, single-use step of a flow: the second step of a sign-in, a passwordless
    sign-in, a passkey registration, a passkey re-authentication or a sign-in with an emailed code. The client holds
    a random token; only its SHA-256 is stored. ``webauthn_challenge`` is the challenge the authenticator must sign,
    base64url; ``code_hash`` the SHA-256 of the token and the emailed code (services/email_code.py)."""

    class Purpose(models.TextChoices):
        SIGN_IN = "sign_in", "Second step of a sign-in"
        PASSWORDLESS = "passwordless", "Passwordless sign-in with a passkey"
        PASSKEY_REGISTER = "passkey_register", "Passkey registration"
        REAUTHENTICATE = "reauthenticate", "Re-authentication with a passkey"
        EMAIL_CODE = "email_code", "Sign-in with an emailed code"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    purpose = models.CharField(max_length=32, choices=Purpose.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    # None for a passwordless sign-in until a passkey names its user.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # The session re-authenticating or registering a passkey (not a foreign key: sessions are purged).
    session_id = models.UUIDField(null=True, blank=True)
    webauthn_challenge = models.CharField(max_length=128, blank=True)
    code_hash = models.CharField(max_length=64, blank=True, default="", db_default="")
    # What the first step proved (a sign-in's "pwd"), carried into the session's amr.
    first_factor = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="mfa_challenge_expires_idx")]

    def __str__(self) -> str:
        return f"{self.purpose} challenge {self.id}"
