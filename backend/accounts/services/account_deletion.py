"""Deleting an account for good: by its owner (DELETE /api/auth/me/) or by an operator (the admin)."""

from uuid import UUID

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from backend.audit.models import AuditEvent
from backend.audit.services import audit_on_commit
from backend.common.db import atomic
from backend.tasks.services import task_admin_history_unlink, tasks_delete_for_owner

from ..emails import notify_account_deleted
from ..models import User
from .sessions import sessions_revoke_for_user

# What the admin's history shows for an account that no longer exists, in place of its email (User.__str__).
DELETED_ACCOUNT_REPR = "deleted account"


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
    5. an ``account_deleted`` event is recorded, and a notice is emailed to the address after the commit.

    What the ``account_deleted`` row keeps: when, the session that asked (``acting_session_id``: it ties the row
    to the rest of that session's trail, also kept without a user), and the operator as actor when an operator
    deleted the account (``actor``; None when the user did). IP address and user agent are those of the request,
    as on every row. It does not keep the email address: the account's data is erased, and the address is the one
    field that would tie the remaining trail back to a person (and to a new account registered with the same
    address, which is allowed at once). Nor the user id: it is a foreign key, and the row it named is gone.

    ``actor`` must not be ``user``: a user deleting their own account passes no actor (a reference to the deleted
    row could not be stored).
    """
    email, user_id = user.email, user.pk  # delete() clears user.pk
    actor_id = actor.pk if actor is not None and actor.pk != user_id else None
    with atomic():
        # The row locked first: of two deletions at once (two tabs, the user and an operator), the second finds
        # it gone and stops, instead of recording and announcing the deletion twice. (MongoDB ignores the lock.)
        if not User.objects.select_for_update().filter(pk=user_id).exists():
            return
        sessions_revoke_for_user(user=user, audit_event=None)
        task_admin_history_unlink(owner=user)
        tasks_delete_for_owner(owner=user)
        _admin_history_unlink(user_id=user_id)
        user.delete()
        audit_on_commit(
            event=AuditEvent.Event.ACCOUNT_DELETED,
            user_id=None,
            session_id=acting_session_id,
            actor_id=actor_id,
        )
        notify_account_deleted(email=email)


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
