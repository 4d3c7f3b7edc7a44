"""``manage.py changepassword EMAIL``: Django's, which then signs the account out everywhere (API and admin sessions)
and tells its owner by email, as an operator setting a password in the admin does (admin.py). The address is read
as sign-in reads it (normalize_email). It overrides Django's command because backend.accounts comes before
django.contrib.auth in INSTALLED_APPS."""

import getpass
from typing import Any

from django.contrib.auth.management.commands import changepassword

from backend.audit.models import AuditEvent
from backend.audit.services import audit_on_commit
from backend.common.commands import OperatorCommandMixin
from backend.common.db import atomic

from ...emails.notices import notify_password_set_by_operator
from ...models import User
from ...normalization import normalize_email
from ...services import sessions_revoke_for_user


class Command(OperatorCommandMixin, changepassword.Command):
    help = f"{changepassword.Command.help} Then signs the account out everywhere and emails its owner."

    def work_kept(self) -> str:
        return (
            "If it had set the new password already, the account may still be signed in elsewhere: run it again, "
            "which signs it out everywhere once the password is set."
        )

    def handle(self, *args: Any, **options: Any) -> str:
        options["username"] = normalize_email(options["username"] or getpass.getuser())
        changed = super().handle(*args, **options)
        user = User._default_manager.using(options["database"]).get(email=options["username"])
        with atomic():
            revoked = sessions_revoke_for_user(user=user, audit_event=AuditEvent.Event.ADMIN_SESSIONS_REVOKED)
            audit_on_commit(event=AuditEvent.Event.PASSWORD_CHANGED, user_id=user.pk, actor_id=None)
            notify_password_set_by_operator(user=user)
        return f"{changed}\nSigned out {revoked} session(s) of the account; its owner was told by email."
