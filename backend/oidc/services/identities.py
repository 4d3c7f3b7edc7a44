"""Connecting and disconnecting provider identities (docs/sso.md, "Linking rules")."""

import time
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError
from django.utils import timezone

from backend.accounts.assurance import OIDC
from backend.accounts.emails.security_notices import notify_oidc_connected, notify_oidc_disconnected
from backend.accounts.models import AuthSession, User
from backend.accounts.normalization import normalize_email
from backend.accounts.services.locks import user_row_lock
from backend.accounts.services.reauthentication import session_reauthenticate, session_recent_authentication_require
from backend.audit.models import AuditEvent
from backend.audit.services import audit_on_commit
from backend.common.db import atomic
from backend.mfa.selectors import reauthentication_level

from ..client import CLOCK_SKEW_SECONDS, code_exchange, id_token_verify, oidc_failure, storable
from ..config import Provider
from ..errors import OidcIdentityTaken
from ..models import OidcIdentity
from .flow import Flow, redirect_uri

EMAIL_MAX = OidcIdentity._meta.get_field("email").max_length or 254


@dataclass(frozen=True)
class ProviderIdentity:
    """Who the provider says signed in: its ``sub``, and the email and name claims as given."""

    provider: Provider
    subject: str
    email: str  # normalized (accounts.normalization.normalize_email); "" when the token has none
    email_verified: bool
    name: str
    auth_time: int | None  # when the person last signed in at the provider (seconds since the epoch), if it says

    def signed_in_during(self, flow: Flow) -> bool:
        """Whether the person signed in at the provider during ``flow`` (its ``auth_time`` is no older than the
        flow), not merely had a session there: only that counts as a recent authentication here. A provider with a
        session of its own approves a sign-in silently, so without this, anyone who can send the browser through
        the flow (a script injected into the page) could get a fresh authentication at will."""
        if self.auth_time is None:
            return False
        return flow.started_at - CLOCK_SKEW_SECONDS <= self.auth_time <= time.time() + CLOCK_SKEW_SECONDS


def provider_identity_get(*, flow: Flow, provider: Provider, code: str) -> ProviderIdentity:
    """Exchange ``code`` (with the flow's PKCE verifier) and verify the ID token against the flow's nonce: who
    signed in at the provider. OidcFailed, OidcProviderUnavailable (client.py)."""
    id_token = code_exchange(provider, code=code, code_verifier=flow.code_verifier, redirect_uri=redirect_uri())
    claims = id_token_verify(provider, id_token, nonce=flow.nonce)
    return _identity_of(provider, claims)


def _identity_of(provider: Provider, claims: dict[str, Any]) -> ProviderIdentity:
    email = _text_claim(claims, "email")
    email = normalize_email(email) if email is not None else ""
    verified = claims.get("email_verified")
    # Some providers write the boolean as a string.
    verified = verified is True or (isinstance(verified, str) and verified.lower() == "true")
    name = _text_claim(claims, "name")
    auth_time = claims.get("auth_time")
    return ProviderIdentity(
        provider=provider,
        subject=str(claims["sub"]),
        email=email if len(email) <= EMAIL_MAX else "",
        email_verified=bool(email) and verified,
        name=" ".join(name.split()) if name is not None else "",
        auth_time=auth_time if isinstance(auth_time, int) and not isinstance(auth_time, bool) else None,
    )


def _text_claim(claims: dict[str, Any], claim: str) -> str | None:
    """The string claim ``claim``; None, as if absent, when it is not a string or holds what no database stores (a
    NUL, a lone surrogate): a provider's odd name or address must not stop a sign-in with a 500 (docs/sso.md)."""
    value = claims.get(claim)
    return value if isinstance(value, str) and storable(value) else None


def identity_use_record(*, identity: OidcIdentity, seen: ProviderIdentity) -> None:
    """Record a use of ``identity`` (a sign-in, connecting it again, a re-authentication): remember when, and the
    address the provider gave this time."""
    identity.last_used_at = timezone.now()
    identity.email = seen.email
    OidcIdentity.objects.filter(pk=identity.pk).update(last_used_at=identity.last_used_at, email=identity.email)


def identity_connect(*, user: User, seen: ProviderIdentity, session_id: str | None) -> tuple[OidcIdentity, bool]:
    """Connect the identity ``seen`` to ``user`` (its owner signed in at the provider, from a session of the
    account that asked). Already theirs: only its use is recorded (False). Another account's: OidcIdentityTaken.
    The owner is emailed and the connection audited."""
    try:
        with atomic():
            user_row_lock(user_id=user.pk)
            _connecting_session_still_allowed(user=user, session_id=session_id, provider=seen.provider)
            existing = OidcIdentity.objects.filter(provider=seen.provider.id, subject=seen.subject).first()
            if existing is not None:
                if existing.user_id != user.pk:
                    raise OidcIdentityTaken(seen.provider.name)
                identity_use_record(identity=existing, seen=seen)
                return existing, False
            identity = OidcIdentity.objects.create(
                user=user, provider=seen.provider.id, subject=seen.subject, email=seen.email
            )
            audit_on_commit(event=AuditEvent.Event.OIDC_CONNECTED, user_id=user.pk, session_id=session_id)
            notify_oidc_connected(user=user, provider_name=seen.provider.name, provider_email=seen.email)
            return identity, True
    except IntegrityError:
        # Connected at the same moment by another request (the unique (provider, subject)): whoever won decides.
        winner = OidcIdentity.objects.filter(provider=seen.provider.id, subject=seen.subject).first()
        if winner is None:
            raise
        if winner.user_id != user.pk:
            raise OidcIdentityTaken(seen.provider.name) from None
        return winner, False


def _connecting_session_still_allowed(*, user: User, session_id: str | None, provider: Provider) -> None:
    """Under the account's row lock, just before the identity is connected: what the callback checked before the
    provider's round trip (intents._connect_allowed), checked again. A password change, a reset or a sign-out
    everywhere committed during the code exchange signed the session out (refused as a signed-out session's callback
    is: ``oidc_failed``, with the reason logged); a second factor added meanwhile, or the session's
    authentication no longer recent, is 403 ``reauthentication_required``. Each of those changes takes the same lock
    (locks.py), so what committed before this is seen here, and what commits after finds the identity (a password
    reset then names it). The factor enrolments re-check their session the same way
    (mfa.services.enrolment.enrolling_session_still_allowed). ``session_id`` None: not a session's flow (a shell).
    (MongoDB takes no lock: there the window stays.)"""
    if session_id is None:
        return
    if not AuthSession.objects.live().filter(pk=session_id, user_id=user.pk).exists():
        raise oidc_failure(provider, "connect: the session was signed out during the flow")
    session_recent_authentication_require(session_id=session_id, level=reauthentication_level(user))


def identity_delete(*, identity: OidcIdentity, provider_name: str, session_id: str | None) -> None:
    """Disconnect ``identity`` (the caller checked the re-authentication). Allowed for an account's last way in:
    the emailed code and the password reset still sign in to it (docs/sso.md). Emailed and audited."""
    user = identity.user
    with atomic():
        if not OidcIdentity.objects.filter(pk=identity.pk).delete()[0]:
            return  # deleted meanwhile by another request, which told the owner
        audit_on_commit(event=AuditEvent.Event.OIDC_DISCONNECTED, user_id=user.pk, session_id=session_id)
        notify_oidc_disconnected(user=user, provider_name=provider_name, provider_email=identity.email)


def session_reauthenticate_by_identity(
    *, user: User, session: AuthSession, seen: ProviderIdentity, flow: Flow
) -> AuthSession:
    """Record a fresh authentication of ``session`` (``user``'s, which started ``flow``) with the identity ``seen``:
    it must be connected to ``user``, and its owner must have signed in at the provider during the flow (the
    re-authentication asked for prompt=login and max_age=0, which make a provider say when in ``auth_time``).
    OidcFailed otherwise, with the reason logged."""
    connected = OidcIdentity.objects.filter(user=user, provider=seen.provider.id, subject=seen.subject).first()
    if connected is None:
        raise oidc_failure(seen.provider, "reauthenticate: not an identity of the user")
    if not seen.signed_in_during(flow):
        raise oidc_failure(seen.provider, "reauthenticate: auth_time missing or old")
    identity_use_record(identity=connected, seen=seen)
    return session_reauthenticate(session=session, method=OIDC)
