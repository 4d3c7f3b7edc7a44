import uuid
from datetime import datetime
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .errors import SessionEnded
from .normalization import EMAIL_MAX_LENGTH, email_address_normalized, normalize_email, normalize_password

EMAIL_TAKEN_MESSAGE = "An account with this email already exists."


def _message_of(error: ValidationError) -> str:
    return " ".join(error.messages)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: Any) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=normalize_email(email), **extra)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        if not (extra["is_staff"] and extra["is_superuser"]):
            raise ValueError("A superuser must have is_staff=True and is_superuser=True.")
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> "User":
        return self.get(email=normalize_email(username or ""))


class User(AbstractBaseUser, PermissionsMixin):
    """An account. The email is the login; there is no username."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(
        "email address",
        max_length=EMAIL_MAX_LENGTH,
        unique=True,
        error_messages={"unique": "An account with this email already exists."},
    )
    name = models.CharField(max_length=150, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # Whether the owner followed a verification link sent to ``email`` (settings.EMAIL_VERIFICATION says whether
    # signing in needs it). A new address starts unverified; an email change verifies the new one by its link.
    email_verified = models.BooleanField(default=False, db_default=False)
    # Whether the account has had a confirmed address at some point (true whenever email_verified is: save() and
    # every writer that confirms keep it so). It stays true when the address is unconfirmed again (an operator's
    # change in the admin): a password reset removes the second factors and sign-in providers only of an account that
    # never had one (services/password_reset.py), since after a confirmation they are the owner's, and whoever reads
    # a new mailbox must not strip them.
    email_verified_once = models.BooleanField(default=False, db_default=False, editable=False)
    # Replaced by a random value each time all of the user's sessions are revoked. Django's own sessions (the
    # admin's) store a hash that includes it (get_session_auth_hash), so they end then too; "" until the first time.
    sessions_revocation_key = models.CharField(max_length=32, blank=True, default="", db_default="", editable=False)
    # Replaced by a random value by every email-change request; a change link is bound to it (link_tokens.py), so
    # only the latest request's link works: a change asked again after a typo leaves the first address no way in.
    email_change_key = models.CharField(max_length=32, blank=True, default="", db_default="", editable=False)
    # The latest email change asked and not yet confirmed or cancelled, as its link was made (link_tokens.py): the
    # new address, the session that asked, when, and the state the link is bound to. It lets the owner see and cancel
    # it; the selector shows it only while its link would still work. None when there is none.
    email_change_pending = models.JSONField(null=True, blank=True, default=None, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        ordering = ["-date_joined"]
        indexes = [
            # The admin's account list, newest first (its ordering, then the pk Django adds to make it total): read
            # from this index backwards instead of sorting every account for each page.
            models.Index(fields=["date_joined", "id"], name="accounts_user_joined_idx"),
        ]
        constraints = [
            # Defence in depth behind normalize_email(): no two accounts differ only by case. (Not by NFKC: the
            # database cannot compute it, so every write goes through normalize_email().)
            models.UniqueConstraint(
                Lower("email"),
                name="accounts_user_email_ci_unique",
                violation_error_message=EMAIL_TAKEN_MESSAGE,
            ),
        ]

    def __str__(self) -> str:
        return self.email

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Django's, keeping email_verified_once true whenever email_verified is (with ``update_fields`` naming
        email_verified, email_verified_once is written too). The queryset updates that confirm an address set both
        themselves. A deferred field is not read for it: a request's user has all but its id deferred, and its
        saves write other fields."""
        deferred = self.get_deferred_fields()
        confirmed = "email_verified" not in deferred and self.email_verified
        if confirmed and ("email_verified_once" in deferred or not self.email_verified_once):
            self.email_verified_once = True
            update_fields = kwargs.get("update_fields")
            if update_fields is not None and "email_verified" in update_fields:
                kwargs["update_fields"] = {*update_fields, "email_verified_once"}
        super().save(*args, **kwargs)

    def validate_constraints(self, exclude: Any = None) -> None:
        """The case-insensitive address constraint's refusal is the email field's, as the field's own unique check
        words it: a form then shows it once, on the field (the field's check then skips it), not a second time for
        the form as a whole."""
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict({})
            whole_form = errors.get(NON_FIELD_ERRORS, [])
            taken = [message for message in whole_form if _message_of(message) == EMAIL_TAKEN_MESSAGE]
            if taken:
                errors[NON_FIELD_ERRORS] = [message for message in whole_form if message not in taken]
                if not errors[NON_FIELD_ERRORS]:
                    del errors[NON_FIELD_ERRORS]
                errors.setdefault("email", []).extend(taken[:1])
            raise ValidationError(errors) from None

    def clean(self) -> None:
        given = self.email
        super().clean()  # (AbstractBaseUser's applies NFKC already)
        self.email = normalize_email(given)
        if self.email != given:
            # The field's validators judged the address as given (an admin form's); judge what is stored, or a
            # longer normal form fails at the database. (Unchanged, it was judged already: no second message.)
            try:
                email_address_normalized(self.email)
            except ValidationError as exc:
                raise ValidationError({"email": exc.error_list}) from exc

    def set_password(self, raw_password: str | None) -> None:
        """Django's, on the password in NFC (normalize_password).

        A password that is not in NFC as typed is also hashed as typed, and that hash thrown away: Django's
        ModelBackend calls this for an unknown address to spend the time a check would, and check_password
        checks such a password twice. Without it, a sign-in with an unnormalized password would take longer
        for an address that has an account, and so tell which do."""
        if raw_password is None:
            super().set_password(None)
            return
        normalized = normalize_password(raw_password)
        super().set_password(normalized)
        if normalized != raw_password:
            make_password(raw_password)

    def set_password_hashed(self, new: "NewPassword") -> None:
        """``set_password`` with the hash made before (NewPassword): for a change made under the account's row lock,
        which every sign-in of the account would otherwise wait on while the password is hashed."""
        self.password = new.hashed
        # As set_password leaves it: save() then tells the validators (password_changed).
        self._password: str | None = new.raw

    def check_password(self, raw_password: str | None) -> bool:
        """Whether ``raw_password`` is this account's password, in NFC as it is hashed now, or as typed: a password
        set before passwords were normalized was hashed as typed. That one is hashed again in NFC when it matches,
        so from then on it signs in however the device spells it."""
        if raw_password is None:
            return super().check_password(None)
        normalized = normalize_password(raw_password)
        checked_hash = self.password

        def rehash(password: str) -> None:  # Django's setter, called when the hash's hasher or parameters are old
            self._password_rehash(password, checked_hash=checked_hash)

        matches = check_password(normalized, checked_hash, rehash)
        if normalized == raw_password:
            return matches
        as_typed = check_password(raw_password, checked_hash)  # checked even after a match: the same time either way
        if as_typed and not matches:
            self._password_rehash(raw_password, checked_hash=checked_hash)
        return matches or as_typed

    def _password_rehash(self, raw_password: str, *, checked_hash: str) -> None:
        """Store ``raw_password``, just found to match ``checked_hash``, hashed as passwords are hashed now. Not
        ``save(update_fields=...)``, as Django's setter does: one UPDATE conditional on the row still holding
        ``checked_hash``, so an account deleted while the password was checked is no error (the sign-in is then
        refused as one to a deleted account), and a password changed meanwhile is never overwritten by a rehash of
        the old one. Either way nothing is written."""
        self.set_password(raw_password)
        self._password = None  # as Django's setter: a rehash is no password change (no password_changed signal)
        User.objects.filter(pk=self.pk, password=checked_hash).update(password=self.password)

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        """Django's hash of the password (a password change ends the admin sessions), with the revocation key
        mixed in once there is one: revoking all sessions ends the admin's too. Without a key the hash is
        Django's own, so existing admin sessions outlive the upgrade."""
        if not self.sessions_revocation_key:
            return str(super()._get_session_auth_hash(secret=secret))  # type: ignore[misc]
        key_salt = "backend.accounts.models.User.get_session_auth_hash"
        value = f"{self.password}:{self.sessions_revocation_key}"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()

    def refresh_from_db(self, using: str | None = None, fields: Any = None, from_queryset: Any = None) -> None:
        """As Django's, except that reading one deferred field loads every deferred field in one query.

        Authentication builds the request's user from the access token's id alone, with the rest deferred;
        views that need more (the profile, password checks) then pay one query, not one per field.
        """
        deferred = self.get_deferred_fields()
        if fields is not None and deferred and set(fields) <= deferred:
            fields = list(deferred)
            try:
                super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
            except self.DoesNotExist as exc:
                # The account was deleted after its token was accepted. DRF's serializers read a missing row as
                # null (a 200 profile of nulls), so this must not stay a DoesNotExist: the request is refused as a
                # signed-out session's is.
                raise SessionEnded() from exc
            return
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)


class NewPassword:
    """A new password and its hash, made before the transaction that sets it (User.set_password_hashed): hashing
    takes tens of milliseconds, and a change that locks the account's row first would make every sign-in of the
    account wait on it."""

    __slots__ = ("hashed", "raw")

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.hashed = make_password(normalize_password(raw))

    def __repr__(self) -> str:  # never the password, in a log or an error page
        return "NewPassword(...)"


class AuthSessionQuerySet(models.QuerySet["AuthSession"]):
    """Sessions by liveness; the rule is stated once, on ``AuthSession``."""

    def live(self, now: datetime | None = None) -> "AuthSessionQuerySet":
        """Sessions whose tokens are honoured at ``now`` (default: the current time)."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=_now_or_current(now))

    def ended(self, now: datetime | None = None) -> "AuthSessionQuerySet":
        """Exactly the sessions ``live(now)`` leaves out: revoked, or expired by ``now``."""
        return self.filter(Q(revoked_at__isnull=False) | Q(expires_at__lte=_now_or_current(now)))


def _now_or_current(now: datetime | None) -> datetime:
    return timezone.now() if now is None else now


class AuthSession(models.Model):
    """One signed-in device: the server-side half of a refresh-token family.

    Only a SHA-256 hash of the current refresh token's ``jti`` is stored, so a
    database leak yields nothing that can be replayed. A refresh presenting any
    other (older) jti of this session is token reuse and revokes the session.

    A session is *live* while it is not revoked (``revoked_at`` is None) and has not
    expired (``expires_at`` is after now); otherwise it has *ended* and its tokens are
    refused. ``AuthSession.objects.live(now)`` / ``.ended(now)`` and, for a loaded row,
    ``is_live`` state this rule; everything else asks them.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="auth_sessions")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    user_agent = models.CharField(max_length=512, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    refresh_jti_hash = models.CharField(max_length=64)
    # The reuse grace window (settings.REFRESH_REUSE_INTERVAL_SECONDS): the hash of the refresh jti rotated last,
    # and when. Presented again within the window, it gets the current refresh token re-issued, not a revocation.
    previous_refresh_jti_hash = models.CharField(max_length=64, blank=True, default="", db_default="")
    rotated_at = models.DateTimeField(null=True, blank=True)
    # How the session was signed in (docs/mfa.md): the methods, comma-separated ("pwd", "pwd,otp", "passkey", ...),
    # the assurance level they add up to (1: one factor; 2: two, or a user-verified passkey), and when the user last
    # proved it at that level: sign-in or re-authentication. Sensitive actions need that to be recent.
    amr = models.CharField(max_length=64, default="pwd", db_default="pwd")
    aal = models.PositiveSmallIntegerField(default=1, db_default=1)
    authenticated_at = models.DateTimeField(null=True, blank=True)

    objects = AuthSessionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "revoked_at", "expires_at"], name="authsession_user_live_idx"),
            models.Index(fields=["expires_at"], name="authsession_expires_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} session {self.id}"

    @property
    def is_live(self) -> bool:
        """Whether this session would be in ``AuthSession.objects.live()`` now (checked on the loaded fields)."""
        return self.revoked_at is None and self.expires_at > timezone.now()
