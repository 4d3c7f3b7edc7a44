"""What a password reset that proves the mailbox of an account that never had a confirmed address does to the
account's provider identities."""

from backend.accounts.models import User
from backend.audit.models import AuditEvent
from backend.audit.services import audit_on_commit

from ..models import OidcIdentity
from ..selectors import identity_provider_names


def oidc_identities_remove_by_password_reset(*, user: User) -> tuple[str, ...]:
    """A password reset just proved, for the first time, that its user reads the address of an account that never
    had a confirmed one (User.email_verified_once; backend/accounts/services/password_reset.py): disconnect every
    provider identity, each audited as ``oidc_disconnected``, and return the providers' names for the reset's notice.
    Whoever registered the address before its owner may have connected a provider of theirs (account pre-hijacking:
    connecting now needs a confirmed address, apis.StartApi), and it would sign them in after the reset, as a second
    factor of theirs would. Not for an account whose address was confirmed once and is unconfirmed again: its
    providers are its owner's. Inside the reset's transaction."""
    names = identity_provider_names(user=user)
    removed = OidcIdentity.objects.filter(user=user).delete()[0]
    for _ in range(removed):
        audit_on_commit(event=AuditEvent.Event.OIDC_DISCONNECTED, user_id=user.pk)
    return names
