"""Starting a sign-in at a provider, and the signed cookie that carries the flow to its callback (docs/sso.md).

No server-side state: the cookie ``sad_oidc`` holds everything the callback needs (provider, state, nonce, PKCE
verifier, intent, when it started and, to connect or re-authenticate, the session that asked), signed with
SECRET_KEY under its own salt and dated, so any replica can finish the flow and nothing is left behind by one
abandoned at the provider. httpOnly, SameSite=Lax (the SPA posts the callback from its own page, which the provider
redirected to), dead after OIDC_FLOW_MAX_AGE_SECONDS, and Secure as the refresh cookie is: then named
``__Host-sad_oidc`` (flow_cookie_name says why); over local http, ``sad_oidc`` sent only to /api/auth/oidc/.
Signed, not encrypted: the verifier and the nonce are secrets of this browser only, which holds the cookie anyway,
and are worth nothing once the code is spent.

The state binds the provider's redirect to this browser (login CSRF: a callback with someone else's code would find
no cookie, or another state); the nonce binds the ID token to this flow (a replayed token has another); PKCE
(S256) binds the code to it (a code stolen from the redirect cannot be exchanged without the verifier).
"""

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponseBase

from ..client import discovery
from ..config import Provider, provider_get
from ..errors import OidcFailed

COOKIE_NAME = "sad_oidc"
COOKIE_PATH = "/api/auth/oidc/"
_SIGNING_SALT = "backend.oidc.flow"
SIGN_IN = "sign_in"
CONNECT = "connect"
# Re-authentication of a signed-in session with a connected provider (docs/sso.md, "Re-authentication"): the
# provider is asked to make its user sign in again (prompt=login, max_age=0), and the ID token's auth_time must say so.
REAUTHENTICATE = "reauthenticate"
INTENTS = (SIGN_IN, CONNECT, REAUTHENTICATE)
# The intents a signed-in session starts for itself: the callback needs that session's Bearer token.
SESSION_INTENTS = (CONNECT, REAUTHENTICATE)


@dataclass(frozen=True)
class Flow:
    provider_id: str
    state: str
    nonce: str
    code_verifier: str
    intent: str
    session_id: str | None  # the session that asked (SESSION_INTENTS); None to sign in
    started_at: int  # seconds since the epoch: an ID token's auth_time from before it is no new sign-in


def redirect_uri() -> str:
    """Where the provider sends the browser back: the SPA's page, registered at the provider (docs/sso.md)."""
    return f"{settings.FRONTEND_URL}/login/oidc/callback"


def _code_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def oidc_flow_start(*, provider: Provider, intent: str, session_id: str | None) -> tuple[str, str]:
    """A new flow at ``provider``: the authorization URL to send the browser to (the code flow, PKCE S256, a
    random state and nonce) and the signed value of its cookie. OidcProviderUnavailable if its discovery document
    cannot be had."""
    flow = Flow(
        provider_id=provider.id,
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        code_verifier=secrets.token_urlsafe(48),  # 64 characters, within RFC 7636's 43 to 128
        intent=intent,
        session_id=session_id if intent in SESSION_INTENTS else None,
        started_at=int(time.time()),
    )
    params = {
        "response_type": "code",
        "client_id": provider.client_id,
        "redirect_uri": redirect_uri(),
        "scope": provider.scopes,
        "state": flow.state,
        "nonce": flow.nonce,
        "code_challenge": _code_challenge(flow.code_verifier),
        "code_challenge_method": "S256",
    }
    if intent == REAUTHENTICATE:  # OpenID Connect Core 3.1.2.1: sign in again, whatever session the provider has
        params |= {"prompt": "login", "max_age": "0"}
    endpoint = urlsplit(discovery(provider)["authorization_endpoint"])
    query = "&".join(part for part in (endpoint.query, urlencode(params)) if part)
    url = urlunsplit((endpoint.scheme, endpoint.netloc, endpoint.path, query, ""))
    value = signing.dumps(
        {
            "p": flow.provider_id,
            "s": flow.state,
            "n": flow.nonce,
            "v": flow.code_verifier,
            "i": flow.intent,
            "sid": flow.session_id,
            "t": flow.started_at,
        },
        salt=_SIGNING_SALT,
        compress=True,
    )
    return url, value


def flow_cookie_name() -> str:
    """With Secure, ``__Host-sad_oidc`` (Path=/): browsers then take the cookie only from this very host, so a
    sibling subdomain cannot plant a flow of its own (its signed value is good in any browser) and make the
    callback sign this browser in to the planter's account. Local http cannot use the prefix: ``sad_oidc`` on the
    API's path."""
    return f"__Host-{COOKIE_NAME}" if settings.REFRESH_COOKIE_SECURE else COOKIE_NAME


def _flow_cookie_path() -> str:
    return "/" if settings.REFRESH_COOKIE_SECURE else COOKIE_PATH  # the prefix requires Path=/


def flow_cookie_set(response: HttpResponseBase, value: str) -> None:
    response.set_cookie(
        flow_cookie_name(),
        value,
        max_age=settings.OIDC_FLOW_MAX_AGE_SECONDS,
        path=_flow_cookie_path(),
        secure=settings.REFRESH_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def flow_cookie_clear(response: HttpResponseBase) -> None:
    response.delete_cookie(flow_cookie_name(), path=_flow_cookie_path(), samesite="Lax")


def flow_from_cookie(request: HttpRequest, *, state: str) -> tuple[Flow, Provider]:
    """The flow this browser started, if its cookie is ours, younger than OIDC_FLOW_MAX_AGE_SECONDS, names a
    configured provider and holds ``state``; OidcFailed otherwise."""
    raw = request.COOKIES.get(flow_cookie_name())
    if not raw:
        raise OidcFailed()
    try:
        data = signing.loads(raw, salt=_SIGNING_SALT, max_age=settings.OIDC_FLOW_MAX_AGE_SECONDS)
        flow = Flow(
            provider_id=str(data["p"]),
            state=str(data["s"]),
            nonce=str(data["n"]),
            code_verifier=str(data["v"]),
            intent=str(data["i"]),
            session_id=data.get("sid"),
            started_at=int(data["t"]),
        )
    except (signing.BadSignature, TypeError, KeyError, AttributeError, ValueError):
        raise OidcFailed() from None
    if flow.intent not in INTENTS or not hmac.compare_digest(flow.state.encode(), state.encode()):
        raise OidcFailed()
    provider = provider_get(flow.provider_id)
    if provider is None:  # removed from OIDC_PROVIDERS since the flow started
        raise OidcFailed()
    return flow, provider
