"""Talking to an OpenID Connect provider: its discovery document and keys, the code exchange, and the ID token's
verification (OpenID Connect Core 1.0 §3.1.3; docs/sso.md).

Why these libraries. PyJWT (already installed, as djangorestframework-simplejwt's dependency, and maintained) verifies
the ID token: signature (RS*, PS*, ES*, EdDSA, as the provider's JWKS says; never ``none`` or a shared-secret HS*
algorithm, which would let anyone who knows the client id forge one), ``iss``, ``aud``, ``exp``, ``iat``; the nonce
and ``azp`` are checked here. The two HTTP calls (discovery and keys are GETs, the exchange one POST) go through the
standard library's urllib with a timeout: nothing else installed is a better fit. Authlib or pyoidc would bring
their own HTTP stack, session state and a much larger surface for what is four requests and one ``jwt.decode``;
requests is installed only as a development tool's dependency. PyJWT's own PyJWKClient is not used either: it caches
in process memory, per worker, while this caches in the shared Django cache (one fetch for every replica).

Caching: the discovery document and the JWKS for an hour (DISCOVERY_CACHE_SECONDS), in the Django cache (a Redis
outage reads as a miss: fetched again). A token signed with a key the cached JWKS does not hold (the provider
rotated its keys) fetches the JWKS again, once.

Failures: a provider that cannot be reached, is slower than OIDC_HTTP_TIMEOUT_SECONDS, answers 5xx or something
that is not its JSON is OidcProviderUnavailable (503, Retry-After); a refused code or a token that does not verify
is OidcFailed (400). Each is logged with the provider's id and the reason; never a code, token or secret.
"""

import base64
import hashlib
import hmac
import json
import re
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import jwt
from django.conf import settings
from django.core.cache import cache

from backend.observability.logging import get_logger
from config.production_checks import is_loopback_host

from .config import Provider
from .errors import OidcFailed, OidcProviderUnavailable

logger = get_logger("backend.oidc")

DISCOVERY_CACHE_SECONDS = 60 * 60
# Seconds of clock difference with the provider tolerated on exp and iat.
CLOCK_SKEW_SECONDS = 60
# A discovery document, a JWKS or a token response larger than this is not one.
MAX_RESPONSE_BYTES = 512 * 1024
_ALGORITHMS_BY_KEY_TYPE = {
    "RSA": {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"},
    "EC": {"ES256", "ES384", "ES512", "ES256K"},
    "OKP": {"EdDSA"},
}


# What no database here can store: a NUL (PostgreSQL's text refuses it) or a lone UTF-16 surrogate (a JSON string
# may hold "\ud800", which no UTF-8 encodes, so neither PostgreSQL nor SQLite takes it).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class _NotJson(Exception):
    pass


def storable(text: str) -> bool:
    """Whether ``text`` (a claim) can be written to the database as it is."""
    return _UNSTORABLE.search(text) is None


def oidc_failure(provider: Provider, reason: str) -> OidcFailed:
    """The OidcFailed to raise, with ``reason`` logged (``oidc_failed``, with the provider's id): the client is only
    told to start again, the server's log says why."""
    logger.warning("oidc_failed", provider=provider.id, reason=reason)
    return OidcFailed()


def _unavailable(provider: Provider, reason: str) -> OidcProviderUnavailable:
    logger.warning("oidc_provider_unavailable", provider=provider.id, reason=reason)
    return OidcProviderUnavailable()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """The token endpoint's answer is its own: a redirect would resend the code and the secret elsewhere."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _request(provider: Provider, request: urllib.request.Request) -> tuple[int, Any]:
    """Send ``request``; the status and the decoded JSON body of any answer below 500. OidcProviderUnavailable when
    the provider cannot be reached, times out or fails (5xx, a body that is not JSON)."""
    try:
        # http(s) only: the issuer is checked at startup (config.py), the endpoints by discovery() (_allowed_url).
        with _opener.open(request, timeout=settings.OIDC_HTTP_TIMEOUT_SECONDS) as response:
            status, raw = response.status, response.read(MAX_RESPONSE_BYTES + 1)
    except urllib.error.HTTPError as error:
        status = error.code
        try:
            raw = error.read(MAX_RESPONSE_BYTES + 1)
        except (OSError, ValueError):
            raw = b""
        finally:
            error.close()
    except (OSError, ValueError) as error:  # URLError and timeouts are OSErrors
        raise _unavailable(provider, f"{request.get_method()} {_where(request)}: {type(error).__name__}") from None
    if status >= 500:
        raise _unavailable(provider, f"{request.get_method()} {_where(request)}: HTTP {status}")
    try:
        if len(raw) > MAX_RESPONSE_BYTES:
            raise _NotJson()
        body = json.loads(raw) if raw else None
    except (ValueError, _NotJson):
        if status >= 400:
            return status, None
        raise _unavailable(provider, f"{request.get_method()} {_where(request)}: not JSON") from None
    return status, body


def _where(request: urllib.request.Request) -> str:
    parts = urlsplit(request.full_url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"  # never the query


def _allowed_url(provider: Provider, url: Any) -> bool:
    """An endpoint the discovery document names: https; or http on a loopback host, only when the issuer itself is
    one (a provider under test), so a real provider's document cannot send the code and the secret in the clear to
    a local service."""
    if not isinstance(url, str):
        return False
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return True
    issuer = urlsplit(provider.issuer)
    return (
        parts.scheme == "http"
        and is_loopback_host(parts.hostname or "")
        and issuer.scheme == "http"
        and is_loopback_host(issuer.hostname or "")
    )


def _cache_key(kind: str, provider: Provider) -> str:
    digest = hashlib.sha256(f"{provider.issuer}\n{provider.client_id}".encode()).hexdigest()[:32]
    return f"oidc:{kind}:{digest}"


def discovery(provider: Provider) -> dict[str, Any]:
    """The provider's discovery document ({issuer}/.well-known/openid-configuration), cached; its issuer must be
    the configured one, and its endpoints https (OpenID Connect Discovery 1.0 §4.3)."""
    key = _cache_key("discovery", provider)
    document = cache.get(key)
    if isinstance(document, dict):
        return document
    url = provider.issuer.rstrip("/") + "/.well-known/openid-configuration"
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310  (checked: above)
    status, document = _request(provider, request)
    if status != 200 or not isinstance(document, dict):
        raise _unavailable(provider, f"discovery: HTTP {status}")
    if document.get("issuer") != provider.issuer:
        raise _unavailable(provider, "discovery: its issuer is not the configured one (check OIDC_PROVIDERS)")
    for endpoint in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not _allowed_url(provider, document.get(endpoint)):
            raise _unavailable(provider, f"discovery: {endpoint} missing or not https")
    cache.set(key, document, DISCOVERY_CACHE_SECONDS)
    return document


def _jwks(provider: Provider, *, fresh: bool) -> list[dict[str, Any]]:
    key = _cache_key("jwks", provider)
    keys = None if fresh else cache.get(key)
    if isinstance(keys, list):
        return keys
    jwks_uri = discovery(provider)["jwks_uri"]  # http(s) only: discovery() checked it
    request = urllib.request.Request(jwks_uri, headers={"Accept": "application/json"})  # noqa: S310
    status, document = _request(provider, request)
    keys = document.get("keys") if isinstance(document, dict) else None
    if status != 200 or not isinstance(keys, list):
        raise _unavailable(provider, f"jwks: HTTP {status}, or no keys")
    keys = [entry for entry in keys if isinstance(entry, dict) and entry.get("use", "sig") == "sig"]
    cache.set(key, keys, DISCOVERY_CACHE_SECONDS)
    return keys


def code_exchange(provider: Provider, *, code: str, code_verifier: str, redirect_uri: str) -> str:
    """Exchange the authorization code at the token endpoint (with the PKCE verifier and the client's
    credentials, client_secret_basic unless the provider supports only client_secret_post); the ID token."""
    document = discovery(provider)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": code_verifier,
    }
    headers = {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"}
    methods = document.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    if "client_secret_basic" not in methods and "client_secret_post" in methods:
        form |= {"client_id": provider.client_id, "client_secret": provider.client_secret}
    else:  # RFC 6749 §2.3.1: each part form-encoded, then Base64
        pair = f"{quote(provider.client_id, safe='')}:{quote(provider.client_secret, safe='')}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
    request = urllib.request.Request(  # noqa: S310  (http(s) only: discovery() checked it)
        document["token_endpoint"], data=urlencode(form).encode(), headers=headers, method="POST"
    )
    status, body = _request(provider, request)
    if status != 200 or not isinstance(body, dict):
        error = body.get("error") if isinstance(body, dict) else None
        said = error if isinstance(error, str) else ""
        raise oidc_failure(provider, f"token endpoint refused the code: HTTP {status} {said}")
    id_token = body.get("id_token")
    if not isinstance(id_token, str) or not id_token:
        raise oidc_failure(provider, "token response without an id_token")
    return id_token


def _signing_key(provider: Provider, header: dict[str, Any]) -> tuple[Any, str]:
    """The JWKS key that signed a token with ``header``, and the algorithm to verify it with. A ``kid`` the cached
    JWKS does not hold fetches it again, once (the provider rotated its keys)."""
    kid, algorithm = header.get("kid"), header.get("alg")
    for fresh in (False, True):
        keys = _jwks(provider, fresh=fresh)
        candidates = [entry for entry in keys if kid is None or entry.get("kid") == kid]
        if kid is None and len(candidates) > 1:  # which key is unknown: only those of the token's algorithm
            candidates = [entry for entry in candidates if entry.get("alg") in (None, algorithm)]
        if candidates:
            break
    if len(candidates) != 1:
        raise oidc_failure(provider, f"no single key for kid {kid!r} in the JWKS")
    entry = candidates[0]
    allowed = _ALGORITHMS_BY_KEY_TYPE.get(str(entry.get("kty")), set())
    if "alg" in entry:
        allowed &= {entry["alg"]}
    if algorithm not in allowed:
        raise oidc_failure(provider, f"algorithm {algorithm!r} not allowed for the key")
    try:
        return jwt.PyJWK(entry, algorithm=algorithm).key, algorithm
    except jwt.PyJWTError as error:
        raise oidc_failure(provider, f"unusable JWK: {error}") from None


def id_token_verify(provider: Provider, id_token: str, *, nonce: str) -> dict[str, Any]:
    """The ID token's claims, once its signature, ``iss``, ``aud``, ``exp``, ``iat``, ``nonce`` and (several
    audiences) ``azp`` are right; OidcFailed otherwise."""
    try:
        header = jwt.get_unverified_header(id_token)
    except jwt.PyJWTError:
        raise oidc_failure(provider, "id_token is not a JWT") from None
    key, algorithm = _signing_key(provider, header)
    try:
        claims = jwt.decode(
            id_token,
            key=key,
            algorithms=[algorithm],
            audience=provider.client_id,
            issuer=provider.issuer,
            leeway=CLOCK_SKEW_SECONDS,
            options={"require": ["iss", "sub", "aud", "exp", "iat"]},
        )
    except jwt.PyJWTError as error:
        raise oidc_failure(provider, f"id_token: {type(error).__name__}: {error}") from None
    token_nonce = claims.get("nonce")
    # surrogatepass: a lone surrogate (no UTF-8 encodes it) must be a wrong nonce, not a UnicodeEncodeError.
    if not isinstance(token_nonce, str) or not hmac.compare_digest(
        token_nonce.encode("utf-8", "surrogatepass"), nonce.encode()
    ):
        raise oidc_failure(provider, "id_token: wrong nonce")
    audience = claims["aud"]
    if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != provider.client_id:
        raise oidc_failure(provider, "id_token: several audiences and azp is not this client")
    if "azp" in claims and claims["azp"] != provider.client_id:
        raise oidc_failure(provider, "id_token: azp is another client")
    subject = claims["sub"]
    if not isinstance(subject, str) or not subject or len(subject) > 255:
        raise oidc_failure(provider, "id_token: sub missing or too long")
    if not storable(subject):  # the identity is stored under it: a 500 later on otherwise
        raise oidc_failure(provider, "id_token: sub holds a NUL or a lone surrogate")
    return claims
