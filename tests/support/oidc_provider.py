"""A real OpenID Connect provider for tests: an HTTP server on 127.0.0.1 and a free port, on a thread.

It serves what the app's sign-in with providers (backend/oidc) uses, as a real provider does:

* ``GET /.well-known/openid-configuration``: the discovery document (issuer ``http://127.0.0.1:PORT``);
* ``GET /jwks``: its public RSA key(s) (made with cryptography);
* ``GET /authorize``: approves ``provider.user`` at once (no login page) and redirects (302) to the
  ``redirect_uri`` with ``code`` and ``state``. Like a real provider it keeps a session of its own: the first
  authorization signs its user in (now), later ones reuse that sign-in unless ``prompt=login`` or a ``max_age``
  older than it asks for a new one; the ID token's ``auth_time`` says when (``session_started_at``);
* ``POST /token``: checks the client's authentication (``client_secret_basic`` or ``client_secret_post``, as
  ``auth_method`` says; the other is refused), the ``redirect_uri``, the code (single use) and the PKCE verifier
  (S256), then answers an ID token signed with PyJWT (RS256).

Use::

    with OidcProvider() as idp:
        settings.OIDC_PROVIDERS = [idp.provider_config()]           # {"id": "testidp", "issuer": idp.issuer, ...}
        idp.user = OidcUser(sub="alice-1", email="alice@example.com", name="Alice")
        url = api.post("/api/auth/oidc/testidp/start/").json()["authorization_url"]
        code, state = idp.authorize(url)                            # follows the URL, reads Location
        api.post("/api/auth/oidc/callback/", {"code": code, "state": state})

A browser test points the browser at the authorization URL instead: the redirect takes it to the SPA's callback page.

Knobs, to make it misbehave (each stays set until changed): ``wrong_nonce``, ``wrong_audience``, ``wrong_issuer``,
``expired``, ``bad_signature``, ``audiences`` (several, with or without ``azp``), ``unpublished_key`` (signs with
a key its JWKS does not list), ``rotate_key()`` (a new key, published and used; the old one withdrawn),
``fail_with`` (the status every endpoint answers, e.g. 500), ``token_fail_with`` (the token endpoint only),
``delay_seconds`` (each answer waits that long), ``session_started_at`` (its user's sign-in at the provider, seconds
since the epoch: set it in the past for a provider session from before), ``sends_auth_time`` (False: no
``auth_time`` claim), ``honours_prompt`` (False: ``prompt`` and ``max_age`` ignored, the old sign-in reused).
``requests`` counts the calls per path; ``authorizations`` keeps each authorization request's
query.

And to forge what only a careless client accepts: ``signing_alg`` (the ID token's ``alg``: ``"HS256"`` signs with
the client secret as an HMAC key, ``"none"`` not at all, an RSA one such as ``"PS256"`` with the published key, whose
JWK declares RS256), ``omit_kid``, ``iat_offset_seconds`` (shifts ``iat`` and ``exp``), ``publish_extra_key(alg)``
(one more key in the JWKS, declared for ``alg``, signing nothing), ``discovery_overrides`` (merged into discovery).
"""

import base64
import hashlib
import json
import secrets
import threading
import time
import warnings
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.error import HTTPError
from urllib.parse import parse_qs, urlencode, urlsplit
from urllib.request import HTTPRedirectHandler, build_opener

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from .net import free_port


@dataclass
class OidcUser:
    """The person the provider signs in: the ID token's claims about them. ``email``/``name`` None: not sent."""

    sub: str = "test-subject-1"
    email: str | None = "idp.user@example.com"
    email_verified: Any = True  # a bool, or what a provider may send instead ("true"), or None: not sent
    name: str | None = "Idp User"


@dataclass
class _Grant:
    client_id: str
    redirect_uri: str
    nonce: str | None
    code_challenge: str
    user: OidcUser
    auth_time: int


@dataclass
class _Key:
    kid: str
    private: Any = field(repr=False)
    alg: str = "RS256"  # what its JWK declares

    @classmethod
    def new(cls, alg: str = "RS256") -> "_Key":
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return cls(kid=secrets.token_hex(8), private=private, alg=alg)

    def jwk(self) -> dict[str, Any]:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key()))
        return {**public, "kid": self.kid, "use": "sig", "alg": self.alg}


class _NoRedirect(HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class OidcProvider:
    """The provider (module docstring). ``start()``/``stop()``, or use it as a context manager."""

    def __init__(
        self,
        *,
        client_id: str = "sad-test-client",
        client_secret: str = "sad-test-secret",  # noqa: S107  (a test provider's)
        auth_method: str = "client_secret_basic",
    ) -> None:
        assert auth_method in ("client_secret_basic", "client_secret_post")
        self.client_id, self.client_secret, self.auth_method = client_id, client_secret, auth_method
        self.user = OidcUser()
        # Knobs (module docstring).
        self.wrong_nonce = False
        self.wrong_audience = False
        self.wrong_issuer = False
        self.expired = False
        self.bad_signature = False
        self.audiences: list[str] | None = None
        self.azp: str | None = None
        self.unpublished_key = False
        self.fail_with: int | None = None
        self.token_fail_with: int | None = None
        self.delay_seconds = 0.0
        self.session_started_at: float | None = None
        self.sends_auth_time = True
        self.honours_prompt = True
        self.signing_alg = "RS256"
        self.omit_kid = False
        self.iat_offset_seconds = 0
        self.discovery_overrides: dict[str, Any] = {}
        self.authorizations: list[dict[str, str]] = []
        self.requests: dict[str, int] = {}
        self.token_errors: list[str] = []  # why each refused token request was refused
        self._key = _Key.new()
        self._stray_key = _Key.new()  # never published (unpublished_key)
        self._extra_keys: list[_Key] = []  # published, never used (publish_extra_key)
        self._grants: dict[str, _Grant] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.port = 0

    # -- lifecycle ---------------------------------------------------------------------------------------------------
    def start(self) -> "OidcProvider":
        provider = self

        class Handler(_Handler):
            idp = provider

        for _ in range(5):
            try:
                self._server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
                break
            except OSError:
                continue
        assert self._server is not None, "could not start the test OpenID provider"
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, name="oidc-provider", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "OidcProvider":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- what tests use ----------------------------------------------------------------------------------------------
    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def provider_config(self, *, id: str = "testidp", name: str = "Test IdP", **extra: str) -> dict[str, str]:
        """This provider as one entry of OIDC_PROVIDERS."""
        return {
            "id": id,
            "name": name,
            "issuer": self.issuer,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            **extra,
        }

    def authorize(self, authorization_url: str) -> tuple[str, str]:
        """Open ``authorization_url`` as a browser would, without following the redirect; the ``code`` and
        ``state`` the redirect carries. AssertionError if it is not a redirect with both."""
        try:
            response = build_opener(_NoRedirect).open(authorization_url, timeout=10)
            status, location = response.status, response.headers.get("Location")
        except HTTPError as error:
            status, location = error.code, error.headers.get("Location")
        assert status == 302, f"the authorization endpoint answered {status}, not a redirect"
        assert location, "the authorization endpoint's redirect has no Location"
        query = parse_qs(urlsplit(location).query)
        return query["code"][0], query["state"][0]

    def rotate_key(self) -> None:
        """A new signing key, published in place of the old one (which no longer verifies anything)."""
        self._key = _Key.new()

    def publish_extra_key(self, alg: str = "RS256") -> None:
        self._extra_keys.append(_Key.new(alg))

    def id_token(self, claims: dict[str, Any]) -> str:
        """``claims`` signed as this provider signs its ID tokens now (the key and signing knobs apply)."""
        key = self._stray_key if self.unpublished_key else self._key
        headers = {} if self.omit_kid else {"kid": key.kid}
        if self.signing_alg.startswith("HS"):  # what anyone who holds the client secret could make
            with warnings.catch_warnings():  # a short secret, and meant to be: it is the forger's key
                warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
                token = jwt.encode(claims, self.client_secret, algorithm=self.signing_alg, headers=headers)
        else:
            signer = "" if self.signing_alg == "none" else key.private  # "": no key, as alg none takes
            token = jwt.encode(claims, signer, algorithm=self.signing_alg, headers=headers)
        if self.bad_signature:
            head, payload, signature = token.split(".")
            raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
            raw[0] ^= 0xFF
            token = f"{head}.{payload}.{base64.urlsafe_b64encode(bytes(raw)).rstrip(b'=').decode()}"
        return token

    # -- the endpoints (called by the handler) -------------------------------------------------------------------
    def _discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": [self.auth_method],
            **self.discovery_overrides,
        }

    def _authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        if query.get("client_id") != self.client_id or query.get("response_type") != "code":
            return 400, {}, {"error": "invalid_request"}
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return 400, {}, {"error": "invalid_request", "error_description": "PKCE S256 required"}
        code = secrets.token_urlsafe(24)
        with self._lock:
            self.authorizations.append(dict(query))
            now = time.time()
            max_age = query.get("max_age")
            if (
                self.session_started_at is None
                or (self.honours_prompt and query.get("prompt") == "login")
                or (self.honours_prompt and max_age is not None and now - self.session_started_at > int(max_age))
            ):
                self.session_started_at = now  # its user signs in (again) at the provider
            self._grants[code] = _Grant(
                client_id=query["client_id"],
                redirect_uri=query.get("redirect_uri", ""),
                nonce=query.get("nonce"),
                code_challenge=query["code_challenge"],
                user=OidcUser(**vars(self.user)),
                auth_time=int(self.session_started_at),
            )
        location = f"{query.get('redirect_uri', '')}?{urlencode({'code': code, 'state': query.get('state', '')})}"
        return 302, {"Location": location}, None

    def _token(self, form: dict[str, str], authorization: str | None) -> tuple[int, Any]:
        def refuse(status: int, error: str, why: str) -> tuple[int, Any]:
            self.token_errors.append(why)
            return status, {"error": error}

        if self.token_fail_with:
            return self.token_fail_with, {"error": "server_error"}
        client = self._client_authenticated(form, authorization)
        if client is not None:
            return refuse(401, "invalid_client", client)
        with self._lock:
            grant = self._grants.pop(form.get("code", ""), None)  # single use, right or wrong
        if grant is None or form.get("grant_type") != "authorization_code":
            return refuse(400, "invalid_grant", "unknown, used or missing code")
        if form.get("redirect_uri") != grant.redirect_uri:
            return refuse(400, "invalid_grant", "redirect_uri differs from the authorization request's")
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if challenge != grant.code_challenge:
            return refuse(400, "invalid_grant", "PKCE verifier does not match")
        return 200, {
            "access_token": secrets.token_urlsafe(16),
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": self.id_token(self._claims(grant)),
        }

    def _client_authenticated(self, form: dict[str, str], authorization: str | None) -> str | None:
        """None when the client authenticated as ``auth_method`` says; else why not."""
        if self.auth_method == "client_secret_basic":
            if not authorization or not authorization.startswith("Basic ") or "client_secret" in form:
                return "expected client_secret_basic"
            pair = base64.b64decode(authorization[6:]).decode()
            client_id, _, secret = pair.partition(":")
            from urllib.parse import unquote_plus

            if (unquote_plus(client_id), unquote_plus(secret)) != (self.client_id, self.client_secret):
                return "wrong client credentials"
            return None
        if authorization:
            return "expected client_secret_post"
        if (form.get("client_id"), form.get("client_secret")) != (self.client_id, self.client_secret):
            return "wrong client credentials"
        return None

    def _claims(self, grant: _Grant) -> dict[str, Any]:
        now = int(time.time()) + self.iat_offset_seconds
        claims: dict[str, Any] = {
            "iss": "http://evil.example" if self.wrong_issuer else self.issuer,
            "sub": grant.user.sub,
            "aud": self.audiences or ("someone-else" if self.wrong_audience else grant.client_id),
            "iat": now - 4000 if self.expired else now,
            "exp": now - 3600 if self.expired else now + 300,
        }
        if grant.nonce is not None:
            claims["nonce"] = "not-the-nonce" if self.wrong_nonce else grant.nonce
        if self.azp is not None:
            claims["azp"] = self.azp
        if self.sends_auth_time:
            claims["auth_time"] = grant.auth_time
        user = grant.user
        if user.email is not None:
            claims["email"] = user.email
        if user.email_verified is not None:
            claims["email_verified"] = user.email_verified
        if user.name is not None:
            claims["name"] = user.name
        return claims

    def _count(self, path: str) -> None:
        with self._lock:
            self.requests[path] = self.requests.get(path, 0) + 1


class _Handler(BaseHTTPRequestHandler):
    idp: OidcProvider

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _answer(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        payload = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _misbehaving(self) -> bool:
        idp = self.idp
        if idp.delay_seconds:
            time.sleep(idp.delay_seconds)
        if idp.fail_with:
            self._answer(idp.fail_with, {"error": "server_error"})
            return True
        return False

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        self.idp._count(parts.path)
        if self._misbehaving():
            return
        if parts.path == "/.well-known/openid-configuration":
            self._answer(200, self.idp._discovery())
        elif parts.path == "/jwks":
            self._answer(200, {"keys": [key.jwk() for key in (self.idp._key, *self.idp._extra_keys)]})
        elif parts.path == "/authorize":
            query = {name: values[0] for name, values in parse_qs(parts.query).items()}
            status, headers, body = self.idp._authorize(query)
            self._answer(status, body, headers)
        else:
            self._answer(404, {"error": "not_found"})

    def do_POST(self) -> None:
        parts = urlsplit(self.path)
        self.idp._count(parts.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode()
        if self._misbehaving():
            return
        if parts.path != "/token":
            self._answer(404, {"error": "not_found"})
            return
        form = {name: values[0] for name, values in parse_qs(raw).items()}
        status, body = self.idp._token(form, self.headers.get("Authorization"))
        self._answer(status, body)
