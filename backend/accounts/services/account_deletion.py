"""Deleting an account for good: by its owner (DELETE /api/auth/me/) or by an operator (the admin)."""

from uuid import UUID

from django.contrib.admin.models import LogEntry
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType

from backend.audit.models import AuditEvent
from backend.audit.services import audit_on_commit
from backend.common.db import atomic
from backend.tasks.services import task_admin_history_unlink, tasks_delete_for_owner

from ..emails.notices import notify_account_deleted
from ..models import User
from .session_revocation import sessions_revoke_for_user
from .sessions import acting_session_still_live

# What the admin's history shows for an account that no longer exists, in place of its email (User.__str__).
DELETED_ACCOUNT_REPR = "deleted account"
# The email (the username: what the admin's history shows as an action's operator) of the one placeholder account
# that the admin's history of deleted operators moves to (_admin_history_keep). Not an address on purpose: no form
# or API accepts it, so nobody can register it, sign in with it, ask for its reset link or change an email to it.
DELETED_OPERATOR = "deleted operator"


def user_delete(*, user: User, acting_session_id: str | None = None, actor: User | None = None) -> None:
    """Delete ``user`` and everything they own, all or nothing, in one transaction:

    1. every session is revoked through the ordinary revocation path, so the session-cache tombstones are written
       when the transaction commits, before the response: the user's access tokens are refused at once, on every
       worker and pod (the rows then go with the user; the database check finds nothing live either);
    2. the tasks are deleted in batches (backend.tasks.services.tasks_delete_for_owner), and their cached reads
       retired after the commit;
    3. the user row goes; the user's idempotency keys go with it (cascade), and the audit rows about the account
       stay, with ``user`` (and ``actor``, where it was the user) set to NULL: the security trail is kept for
       AUDIT_RETENTION_DAYS like every other row, but no longer points to a person;
    4. the admin's history of the account and of its tasks (Django's LogEntry rows: added, changed) stays, with the
       email, the tasks' titles and the ids taken out of it, as the audit rows are (see _admin_history_unlink and
       backend.tasks.services.task_admin_history_unlink);
    5. the admin's history of what the account did as an operator (its LogEntry rows about other accounts and
       objects, which Django would delete with it) stays, credited to the "deleted operator" placeholder instead
       (_admin_history_keep): the other objects' history pages keep every action, without the operator's name;
    6. an ``account_deleted`` event is recorded, and a notice is emailed to the address after the commit.

    What the ``account_deleted`` row keeps: when, the session that asked (``acting_session_id``: it ties the row
    to the rest of that session's trail, also kept without a user), and the operator as actor when an operator
    deleted the account (``actor``; None when the user did). IP address and user agent are those of the request,
    as on every row. It does not keep the email address: the account's data is erased, and the address is the one
    field that would tie the remaining trail back to a person (and to a new account registered with the same
    address, which is allowed at once). Nor the user id: it is a foreign key, and the row it named is gone.

    ``actor`` must not be ``user``: a user deleting their own account passes no actor (a reference to the deleted
    row could not be stored). ``user`` must not be the "deleted operator" placeholder (ValueError): its deletion
    would take every deleted operator's history with it.
    """
    if user.email == DELETED_OPERATOR:
        raise ValueError("The deleted operator placeholder holds deleted operators' admin history: never deleted.")
    email, user_id = user.email, user.pk  # delete() clears user.pk
    actor_id = actor.pk if actor is not None and actor.pk != user_id else None
    with atomic():
        # The row locked first: of two deletions at once (two tabs, the user and an operator), the second finds
        # it gone and stops, instead of recording and announcing the deletion twice. (MongoDB ignores the lock.)
        if not User.objects.select_for_update().filter(pk=user_id).exists():
            return
        # The owner's own deletion: not from a session that a password change or a sign-out everywhere, committed
        # while this request ran, has signed out (acting_session_still_live).
        if actor is None:
            acting_session_still_live(user=user, session_id=acting_session_id)
        sessions_revoke_for_user(user=user, audit_event=None)
        task_admin_history_unlink(owner=user)
        tasks_delete_for_owner(owner=user)
        _admin_history_unlink(user_id=user_id)
        _admin_history_keep(user_id=user_id)
        user.delete()
        audit_on_commit(
            event=AuditEvent.Event.ACCOUNT_DELETED,
            user_id=None,
            session_id=acting_session_id,
            actor_id=actor_id,
        )
        notify_account_deleted(email=email, by_operator=actor_id is not None)  # its own words: no "if not you"


def _admin_history_unlink(*, user_id: UUID) -> None:
    """Take the account out of the admin's history (``django.contrib.admin`` LogEntry rows about the user).

    Each row names the account by ``object_repr``, the user's email as it was then (``User.__str__``), and by
    ``object_id``: kept, the email would tie the operators' actions on the account back to the person after the
    deletion (and to whoever registers the address next). The rows are scrubbed rather than deleted, as the audit
    rows are: which operator added or changed a user, when and which fields (``change_message`` names fields, not
    values) is the operators' own trail, which an investigation may need. The id goes too, as the audit rows'
    ``user`` does: the row it named is gone, and a kept id would only let the rows be matched up again. The
    deletion's own row (UserAdmin.log_deletions) is written with neither in the first place.
    """
    content_type = ContentType.objects.get_for_model(User, for_concrete_model=False)  # as the admin logs it
    LogEntry.objects.filter(content_type=content_type, object_id=str(user_id)).update(
        object_id=None, object_repr=DELETED_ACCOUNT_REPR
    )


def _admin_history_keep(*, user_id: UUID) -> None:
    """Move the admin's history of what the account did as an operator (``django.contrib.admin`` LogEntry rows by
    the user: whom they added, changed and deleted, when, which fields) to the "deleted operator" placeholder.

    LogEntry.user is Django's foreign key with on_delete=CASCADE: left alone, the deletion would erase an operator's
    actions from the history of every object they touched, their deletions of other accounts included, which is
    the trail an investigation needs most. Scrubbed instead, as the audit rows' ``actor`` is: the rows are credited
    to one shared placeholder, so they keep no name, email or id of the operator, nor tell one deleted operator's
    actions from another's. Run after _admin_history_unlink: the rows about the account itself are moved scrubbed.

    The placeholder (_deleted_operator) is made the first time an operator with history is deleted; deleting an
    account that never acted in the admin writes nothing. A row the operator's other admin tab writes meanwhile is
    not missed: on PostgreSQL its foreign key check waits for the user row user_delete holds locked, and then fails.
    """
    entries = LogEntry.objects.filter(user_id=user_id)
    if entries.exists():
        entries.update(user=_deleted_operator())


def _deleted_operator() -> User:
    """The placeholder account that deleted operators' admin history is credited to (made on first use).

    Not an account anyone can use: its username is no address (DELETED_OPERATOR), its password is unusable, it is
    inactive, not staff, has no name (the admin's history shows the username alone), and the user admin hides it,
    so no operator can edit, sign in as or delete it. get_or_create: two deletions at once both find the one row
    (on SQL the losing insert is rolled back to its savepoint and the row read instead)."""
    placeholder, _ = User.objects.get_or_create(
        email=DELETED_OPERATOR,
        defaults={"password": make_password(None), "is_active": False, "is_staff": False, "is_superuser": False},
    )
    return placeholder
