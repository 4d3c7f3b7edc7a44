"""The user row's lock, which serialises the writes to one account that must not interleave.

Each of them takes the account's row before any other row of the account, so none can deadlock another: a sign-out
everywhere (by the UPDATE of the revocation key; inside a password change or reset and an account deletion too),
the factor writers (mfa_writes_lock, backend/mfa/services/enrolment.py), the spending of a second step's answer
(backend/mfa/services/challenges.py), a session's last check before a password change or a deletion
(sessions.acting_session_still_live), an email change's request and confirmation (email_change.py), a data export
(data_export.py) and connecting a sign-in provider (backend/oidc/services/identities.py). Where a writer needs a
column of the row as well (a sign-in's revocation key, a sign-in code's address), it reads it under
select_for_update itself. MongoDB ignores the lock.
"""

from uuid import UUID

from ..models import User


def user_row_lock(*, user_id: UUID) -> None:
    """Inside a transaction, lock the row of user ``user_id`` until the transaction ends; nothing is read. An account
    deleted meanwhile leaves nothing to lock, and that is no error."""
    User.objects.select_for_update().filter(pk=user_id).values_list("pk", flat=True).first()
