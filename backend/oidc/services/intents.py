"""What each intent of a flow (flow.py: sign in, connect an identity, re-authenticate) requires when it starts, and
what it does when the provider sends the browser back (docs/sso.md). The views (apis.py) read the cookie and the
Bearer token, and turn the outcome into an answer."""

from dataclasses import dataclass

from django.http import HttpRequest

from backend.accounts.assurance import OIDC
from backend.accounts.models import AuthSession, User
from backend.accounts.selectors import session_authentication
from backend.accounts.services.reauthentication import (
    SECOND_FACTOR_NEEDED,
    ReauthenticationRequired,
    session_recent_authentication_require,
)
from backend.mfa.selectors import email_confirmation_required, reauthentication_level, reauthentication_method_allowed

from ..config import Provider
from ..errors import OidcFailed, OidcNeedsConfirmedEmail
from ..models import OidcIdentity
from .flow import CONNECT, REAUTHENTICATE, SESSION_INTENTS, Flow
from .identities import identity_connect, provider_identity_get, session_reauthenticate_by_identity
from .sign_in import oidc_sign_in_account


@dataclass(frozen=True)
class IdentityConnected:
    """CONNECT: the identity now connected to the account of the session that started the flow."""

    identity: OidcIdentity


@dataclass(frozen=True)
class SessionReauthenticated:
    """REAUTHENTICATE: the session that started the flow, re-authenticated."""

    session: AuthSession


@dataclass(frozen=True)
class ProviderSignIn:
    """SIGN_IN: the account the identity signs in to (its first factor passed), whether it was just created (a
    registration), and whether the person signed in at the provider during the flow (``recent``: a silent sign-in,
    on the provider's own session, is no recent authentication here)."""

    user: User
    created: bool
    recent: bool


CallbackOutcome = IdentityConnected | SessionReauthenticated | ProviderSignIn


def oidc_start_allowed(*, user: User, intent: str, session_id: str | None) -> None:
    """Whether ``user``'s session ``session_id`` may start a flow to ``intent`` (CONNECT or REAUTHENTICATE; SIGN_IN
    needs no session): 403 ``reauthentication_required`` or 403 ``email_not_verified`` otherwise. The
    callback asks again (oidc_callback_finish): the account may change while the user is at the provider."""
    if intent == CONNECT:
        _connect_allowed(user=user, session_id=session_id)
    if intent == REAUTHENTICATE:
        _reauthentication_by_provider_allowed(user)


def oidc_callback_finish(
    request: HttpRequest, *, flow: Flow, provider: Provider, code: str, session_user: User | None
) -> CallbackOutcome:
    """Finish ``flow`` with the provider's ``code`` (exchanged and verified: provider_identity_get). For CONNECT and
    REAUTHENTICATE, ``session_user`` is the user of the session that started it, whose Bearer token the caller
    checked; what start/ required is required again before the code is spent. Raises OidcFailed,
    OidcProviderUnavailable and the refusals of identity_connect, session_reauthenticate_by_identity and
    oidc_sign_in_account."""
    if flow.intent not in SESSION_INTENTS:
        seen = provider_identity_get(flow=flow, provider=provider, code=code)
        user, created = oidc_sign_in_account(request, seen=seen)
        return ProviderSignIn(user=user, created=created, recent=seen.signed_in_during(flow))
    if session_user is None:  # only the session that started the flow finishes it (the caller checks the token)
        raise OidcFailed()
    if flow.intent == CONNECT:
        _connect_allowed(user=session_user, session_id=flow.session_id)
    seen = provider_identity_get(flow=flow, provider=provider, code=code)
    if flow.intent == REAUTHENTICATE:
        _reauthentication_by_provider_allowed(session_user)  # again: a second factor may have been added meanwhile
        session = session_authentication(session_id=str(flow.session_id))
        reauthenticated = session_reauthenticate_by_identity(user=session_user, session=session, seen=seen, flow=flow)
        return SessionReauthenticated(session=reauthenticated)
    identity, _ = identity_connect(user=session_user, seen=seen, session_id=flow.session_id)
    return IdentityConnected(identity=identity)


def _connect_allowed(*, user: User, session_id: str | None) -> None:
    """A connected identity signs in without the password, so connecting one needs what a sensitive action needs: a
    recent authentication of the session at the account's level (403 ``reauthentication_required``), and a confirmed
    address (403 ``email_not_verified``). Asked at start/ and again when the provider sends the user back (up
    to OIDC_FLOW_MAX_AGE_SECONDS later), before the code is spent: a flow started in a recent session (by a script in
    the page, say) must not finish once the session is no longer recent, nor after the address changed."""
    if session_id is None:  # not a session's access token: nothing can be recent
        raise ReauthenticationRequired()
    session_recent_authentication_require(session_id=session_id, level=reauthentication_level(user))
    if email_confirmation_required(user=user):
        raise OidcNeedsConfirmedEmail()


def _reauthentication_by_provider_allowed(user: User) -> None:
    """Like the password, a provider proves one factor: an account with a second factor re-authenticates with it
    (403, as POST reauthenticate/ says)."""
    if not reauthentication_method_allowed(user=user, method=OIDC):
        raise ReauthenticationRequired(SECOND_FACTOR_NEEDED)
