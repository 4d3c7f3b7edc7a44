"""Signing in with a provider identity: which account it opens, or the account it creates (docs/sso.md, "Linking
rules").

a. An identity connected to an account signs in to that account (a deactivated one is refused, as the login
   refuses it).
b. Otherwise an address the provider does not say is verified (or none) cannot make an account: 400
   ``oidc_email_unverified`` (checked first, so an unverified claim cannot write sign-in failures into the
   activity of the account that has the address).
c. Otherwise, if an account has the ID token's address, nothing is linked: 400 ``oidc_account_exists``. Linking on
   a matching address would hand the account to whoever controls that address at the provider, which proves
   nothing here: a provider may give addresses it never confirmed, or reassign them; and someone who registered
   the victim's address with a password beforehand would share the account with its owner (pre-hijacking). The
   owner signs in as usual and connects the provider from the account page.
d. Otherwise a new account: the token's address, confirmed (the provider vouched for it), its name, no usable
   password (the emailed code and the password reset still work; docs/sso.md, "Accounts without a password"), and
   the identity connected. Counted on ``register_ip``, as a registration. Two callbacks creating it at once: the
   unique address and (provider, subject) let one win, and the other signs in to what it created.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import HttpRequest
from django.utils import timezone
from rest_framework.exceptions import AuthenticationFailed

from backend.accounts.models import User
from backend.accounts.normalization import email_address_normalized
from backend.audit.models import AuditEvent
from backend.audit.services import audit_login_failed, audit_on_commit
from backend.common.db import atomic
from backend.common.errors import ErrorCode
from backend.common.throttles import client_rate_identity, rate_limit_enforce

from ..errors import OidcAccountExists, OidcEmailUnverified
from ..models import OidcIdentity
from .identities import ProviderIdentity, identity_use_record

NAME_MAX = User._meta.get_field("name").max_length or 150


class AccountInactive(AuthenticationFailed):
    default_detail = "This account cannot sign in."
    default_code = ErrorCode.INVALID_CREDENTIALS


def oidc_sign_in_account(request: HttpRequest, *, seen: ProviderIdentity) -> tuple[User, bool]:
    """The account the identity ``seen`` signs in to, and whether it was just created (module docstring)."""
    counted = False
    for attempt in range(2):
        linked = (
            OidcIdentity.objects.select_related("user").filter(provider=seen.provider.id, subject=seen.subject).first()
        )
        if linked is not None:
            user = linked.user
            if not user.is_active:
                audit_login_failed(email=user.email)
                raise AccountInactive()
            identity_use_record(identity=linked, seen=seen)
            return user, False
        if not seen.email_verified:  # first: an address nobody vouched for says nothing about an account
            raise OidcEmailUnverified(seen.provider.name)
        if User.objects.filter(email=seen.email).exists():
            if attempt == 0:
                # A parallel callback for this same identity may have created the account (and linked it) since the
                # lookup above: decide again on what it wrote before calling the address taken.
                continue
            audit_login_failed(email=seen.email)  # the owner's activity shows the attempt
            raise OidcAccountExists(seen.provider.name)
        if not counted:  # counted as a registration (module docstring), once however many tries it takes
            rate_limit_enforce(request, "register_ip", client_rate_identity(request))
            counted = True
        try:
            return _account_create(seen), True
        except IntegrityError:
            if attempt:
                raise
            # Another request created the account (or took the address) meanwhile: decide again on what it wrote.
    raise AssertionError("unreachable")


def _account_create(seen: ProviderIdentity) -> User:
    try:
        email = email_address_normalized(seen.email)
    except ValidationError:  # an address no account can have: as good as none
        raise OidcEmailUnverified(seen.provider.name) from None
    user = User(email=email, name=seen.name[:NAME_MAX].strip(), email_verified=True)
    user.set_unusable_password()
    user.full_clean(exclude=["password"], validate_unique=False)  # the unique address: the database decides
    with atomic():
        user.save()
        OidcIdentity.objects.create(
            user=user, provider=seen.provider.id, subject=seen.subject, email=seen.email, last_used_at=timezone.now()
        )
        audit_on_commit(event=AuditEvent.Event.REGISTER, user_id=user.pk)
    return user
