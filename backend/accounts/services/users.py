"""Accounts: registration, sign-in by password, profile and password changes."""

from typing import NoReturn

from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import HttpRequest
from rest_framework.exceptions import AuthenticationFailed

from backend.audit.models import AuditEvent
from backend.audit.services import audit_login_failed, audit_on_commit
from backend.common.db import atomic
from backend.common.errors import ErrorCode
from backend.common.exceptions import WriteConflict
from backend.common.ratelimit import Usage, rate_limit_hit, rate_limit_refund

from ..emails.notices import notify_password_changed
from ..errors import SessionEnded
from ..login_limits import LOGIN, account_attempt
from ..models import AuthSession, NewPassword, User
from ..normalization import email_address_normalized, normalize_email, normalize_password
from .email_verification import email_verification_on_register
from .session_revocation import session_revoke, sessions_revoke_for_user
from .sessions import IssuedSession, acting_session_still_live, session_start


class InvalidCredentials(AuthenticationFailed):
    default_detail = "Invalid email or password."
    default_code = ErrorCode.INVALID_CREDENTIALS


def new_password_validate(password: str, *, user: User, field: str) -> None:
    """Django's password validators, reported against the API field that carried the password."""
    try:
        password_validation.validate_password(normalize_password(password), user=user)  # as it is hashed
    except ValidationError as exc:
        raise ValidationError({field: exc.error_list}) from exc


def user_register(
    *, email: str, password: str, name: str = "", user_agent: str, ip_address: str | None
) -> IssuedSession:
    """Create an account and sign it in on this device, all or nothing; send its verification link unless
    EMAIL_VERIFICATION is none."""
    user = _user_new(email=email, password=password, name=name)  # before the transaction: see _user_new
    with atomic():
        _user_insert(user)
        issued = session_start(user=user, user_agent=user_agent, ip_address=ip_address)
        audit_on_commit(event=AuditEvent.Event.REGISTER, user_id=user.pk, session_id=issued.session.pk)
        email_verification_on_register(user=user)
        return issued


def user_register_unverified(*, email: str, password: str, name: str = "") -> User:
    """EMAIL_VERIFICATION=mandatory: create the account and send its verification link; no session is started
    (signing in waits for the confirmation)."""
    user = _user_new(email=email, password=password, name=name)  # before the transaction: see _user_new
    with atomic():
        _user_insert(user)
        audit_on_commit(event=AuditEvent.Event.REGISTER, user_id=user.pk)
        email_verification_on_register(user=user)
        return user


def user_create(*, email: str, password: str, name: str = "") -> User:
    """Create a regular account (never staff). A duplicate email is a field error."""
    user = _user_new(email=email, password=password, name=name)
    _user_insert(user)
    return user


def _user_new(*, email: str, password: str, name: str) -> User:
    """The account, validated and its password hashed, not saved yet. Done before any transaction the caller
    opens: the password's checks may wait on the leaked-password API for seconds (breached_passwords.py), and
    hashing takes tens of milliseconds, during which a transaction would hold a pooled connection (on SQLite, the
    database's write lock)."""
    try:
        email = email_address_normalized(email)
    except ValidationError as exc:
        raise ValidationError({"email": exc.error_list}) from exc
    user = User(email=email, name=name.strip())
    new_password_validate(password, user=user, field="password")
    user.set_password(password)
    user.full_clean(exclude=["password"])
    return user


def _user_insert(user: User) -> None:
    """Save the account _user_new made; one that another registration of the address saved first is a field error."""
    try:
        with atomic():
            user.save()
    except IntegrityError as exc:
        if not User.objects.filter(email=user.email).exists():
            raise  # not the address (a column this code does not fill, during a rollout): a 500 that says so
        # Lost a race with another registration of the address (stored normalised, as the unique constraint's).
        raise ValidationError({"email": ["An account with this email already exists."]}) from exc


def user_update(*, user: User, name: str) -> User:
    """Change the profile. One UPDATE of the account's row: an account deleted while the request ran (its access token
    was checked before the deletion committed) leaves no row, and is refused as every request of a deleted account is
    (401 ``session_revoked``), not a 500 from ``save(update_fields=...)``."""
    user.name = name.strip()
    user.full_clean(exclude=["password"])
    if not User.objects.filter(pk=user.pk).update(name=user.name):
        raise SessionEnded()
    return user


def user_authenticate(*, email: str, password: str) -> User:
    """Check credentials; an unknown email costs the same hashing time as a wrong password."""
    user = authenticate(email=normalize_email(email), password=password)
    if not isinstance(user, User):
        audit_login_failed(email=email)
        raise InvalidCredentials()
    return user


def user_password_confirm(
    *, user: User, password: str, session_id: str | None, field: str = "current_password"
) -> None:
    """Check the current password a signed-in user gives to change it (or to re-authenticate); ``field`` names the
    input that carried it.

    A wrong one is a field error, audited, and counted against the session (``password_change_session``): the
    one that reaches the limit revokes the session (401 ``session_revoked``), so an access token in the wrong
    hands, or a script injected into the page, gets a few guesses and then nothing. Counted before the check and
    given back when right, as sign-ins are (login_limits.py): of a burst sent at once, only as many as the limit
    allows are checked, and the rest end the session unchecked. The API also counts it on the account's sign-in
    limits.
    """
    answer = _session_answer_hit(session_id)
    if answer is not None and answer.count > answer.limit:
        _session_answers_spent(user=user, session_id=session_id)
    if user.check_password(password):
        if answer is not None and session_id is not None:
            rate_limit_refund(answer, session_id)
        return
    audit_on_commit(event=AuditEvent.Event.PASSWORD_CHECK_FAILED, user_id=user.pk, session_id=session_id)
    warning = _session_wrong_answer_counted(user=user, session_id=session_id, failures=answer)
    raise ValidationError({field: ["The current password is incorrect." + warning]})


def user_password_confirm_counted(
    request: HttpRequest, *, user: User, password: str, session_id: str | None, field: str = "current_password"
) -> None:
    """user_password_confirm, the check also counted as a failed sign-in on ``user``'s account limits (per known
    device, or per address and account; not login_ip: the session already got past it): counted first, 429 when
    they refuse, given back if right (login_limits.py). Whoever holds a session cannot guess the password faster
    than a sign-in could."""
    attempt = account_attempt(request, email=user.email, limits=LOGIN, count_client=False)
    attempt.raise_if_refused()
    user_password_confirm(user=user, password=password, session_id=session_id, field=field)
    attempt.refund()


LAST_WRONG_ANSWER_WARNING = " One more wrong answer signs this session out."
SESSION_ANSWERS_SCOPE = "password_change_session"


def session_wrong_answer_count(*, user: User, session_id: str | None) -> str:
    """Count a wrong answer given by a signed-in session to prove it is its owner (a current password, or an
    authenticator code when re-authenticating): the answer that reaches ``password_change_session`` revokes the
    session and raises 401 ``session_revoked``. Passwords and codes share the bucket, so a stolen access token
    gets the same few guesses whichever it tries. (A code is counted once found wrong: the account's own
    authenticator-code limit already counts it before its check, mfa/services/second_factor.py.)

    Returns what the refusal of this answer adds to its message: LAST_WRONG_ANSWER_WARNING when the next wrong
    answer would sign the session out (its owner should know before it happens), else ''."""
    return _session_wrong_answer_counted(user=user, session_id=session_id, failures=_session_answer_hit(session_id))


def _session_answer_hit(session_id: str | None) -> Usage | None:
    if session_id is None or not settings.RATE_LIMIT_ENABLED:
        return None
    return rate_limit_hit(SESSION_ANSWERS_SCOPE, session_id)


def _session_wrong_answer_counted(*, user: User, session_id: str | None, failures: Usage | None) -> str:
    """What session_wrong_answer_count says of a wrong answer already counted as ``failures``."""
    if failures is None:
        return ""
    if failures.count < failures.limit:
        return LAST_WRONG_ANSWER_WARNING if failures.count == failures.limit - 1 else ""
    _session_answers_spent(user=user, session_id=session_id)


def _session_answers_spent(*, user: User, session_id: str | None) -> NoReturn:
    """The session has given as many wrong answers as it may: revoke it, 401 ``session_revoked``."""
    session = AuthSession.objects.filter(pk=session_id, user=user).first() if session_id is not None else None
    if session is not None:
        session_revoke(session=session, audit_event=AuditEvent.Event.PASSWORD_GUESSES_REVOKED)
    raise AuthenticationFailed(
        "Too many wrong answers to confirm it's you: this session has been signed out. Sign in again.",
        code=ErrorCode.SESSION_REVOKED,
    )


def user_change_password(*, user: User, new_password: str, keep_session_id: str | None) -> None:
    """Set a new password and revoke every session except the one making the change (the current password is
    checked first, by user_password_confirm, against ``user.password``).

    The same change sent twice at once from one session (a double click) is made once: the second finds, under the
    row lock, the password the first set, and answers the same success without writing, revoking, recording or
    emailing again. Any other change of the stored password since it was checked (the same session asking for another
    new password meanwhile; a sign-in that rehashed it) is a 409 ``conflict``: the check ran against a password that
    is no longer the stored one, and a retry checks the current password against the stored one. (Another session's
    change, a reset or a sign-out everywhere ended this session: 401, from acting_session_still_live.)"""
    new_password_validate(new_password, user=user, field="new_password")
    checked_hash = user.password
    hashed = NewPassword(new_password)  # before the row lock acting_session_still_live takes
    with atomic():
        acting_session_still_live(user=user, session_id=keep_session_id)
        stored_hash = User.objects.filter(pk=user.pk).values_list("password", flat=True).first()
        if stored_hash is None:
            raise SessionEnded()  # deleted meanwhile (a request of no session: nothing else refused it)
        if stored_hash != checked_hash:
            # Hashed again under the lock, only on this rare path: the stored hash has a salt of its own.
            if check_password(normalize_password(new_password), stored_hash):
                return
            raise WriteConflict()
        user.set_password_hashed(hashed)
        user.save(update_fields=["password"])
        sessions_revoke_for_user(user=user, except_session_id=keep_session_id, audit_event=None)
        audit_on_commit(event=AuditEvent.Event.PASSWORD_CHANGED, user_id=user.pk, session_id=keep_session_id)
        notify_password_changed(user=user)
