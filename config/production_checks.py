"""What the production settings refuse to start with, besides a missing value (config/settings/production.py).

Each function returns the problem with a value, as the sentence ImproperlyConfigured will show, or None.
"""

import ipaddress
from urllib.parse import SplitResult, urlsplit

KEY_MIN_LENGTH = 50
# A key of 50 random characters from any usual alphabet (hex included) has far more; one that repeats a few
# characters was typed, not generated.
KEY_MIN_DISTINCT = 10
GENERATE_KEY = "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"
# Backends that never deliver: console prints every reset link (a usable token) to stdout, so into the logs;
# locmem keeps it in memory. Named exactly: importing a backend here could need the apps loaded.
UNDELIVERED_EMAIL_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend": "prints every reset link, a usable token, into the logs",
    "django.core.mail.backends.locmem.EmailBackend": "keeps every reset link in memory and sends nothing",
}


def signing_key_problem(name: str, value: str) -> str | None:
    """HS256 tokens (and Django's signed values) can be brute-forced offline from one sample when the key is
    short or not random, so a key must be at least 50 characters that do not merely repeat a few."""
    fix = f"Generate one with: {GENERATE_KEY}"
    if len(value) < KEY_MIN_LENGTH:
        return f"{name} is {len(value)} characters long; it needs at least {KEY_MIN_LENGTH} random characters. {fix}"
    if len(set(value)) < KEY_MIN_DISTINCT:
        return f"{name} has too few different characters ({len(set(value))}) to be random. {fix}"
    if value.startswith("django-insecure"):
        return f"{name} is a django-insecure development key. {fix}"
    return None


def email_backend_problem(backend: str) -> str | None:
    reason = UNDELIVERED_EMAIL_BACKENDS.get(backend)
    if reason is None:
        return None
    return (
        f"EMAIL_BACKEND={backend} {reason}. Set an SMTP relay "
        "(django.core.mail.backends.smtp.EmailBackend and EMAIL_HOST), see docs/deploy.md."
    )


SMTP_EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def smtp_settings_problem(backend: str, host: str, from_email: str) -> str | None:
    """With the SMTP backend, EMAIL_HOST and DEFAULT_FROM_EMAIL as set in the environment ("" when unset). email.py's
    defaults (localhost, no-reply@localhost) suit a laptop: in a container nothing listens on localhost:25, and
    relays refuse a localhost sender, so every email would fail only after its retries (docs/operations.md). A relay
    beside the app (a sidecar) is set explicitly, EMAIL_HOST=localhost."""
    if backend != SMTP_EMAIL_BACKEND:
        return None
    if not host.strip():
        return (
            "EMAIL_HOST is not set: with the SMTP backend it names your relay (e.g. smtp.example.com; localhost only "
            "for a relay beside the app). See docs/deploy.md."
        )
    if not from_email.strip():
        return (
            "DEFAULT_FROM_EMAIL is not set: emails need a sender at a domain your relay may send for, "
            "e.g. 'Your App <no-reply@app.example.com>'. See docs/deploy.md."
        )
    address = from_email.rsplit("<", 1)[-1].rstrip(">").strip()
    domain = address.rpartition("@")[2].lower() if "@" in address else ""
    if not domain or domain == "localhost" or "." not in domain:
        return (
            f"DEFAULT_FROM_EMAIL={from_email} has no domain a relay sends for ({domain or 'none'}): use an address "
            "at your own domain, e.g. 'Your App <no-reply@app.example.com>'."
        )
    return None


def frontend_url_form_problem(url: str) -> str | None:
    """FRONTEND_URL is the origin emailed links start with and passkeys are bound to: a scheme, a host and maybe a
    port, nothing else. (Any settings; frontend_url_problem adds production's https rule.)"""
    example = "e.g. https://app.example.com or http://127.0.0.1:8000"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  # urllib checks it when asked
    except ValueError as error:
        return f"FRONTEND_URL={url} cannot be read ({error}): write it as scheme://host[:port], {example}."
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"FRONTEND_URL={url} must be an http:// or https:// URL with a host, {example}."
    if parts.path.strip("/") or parts.query or parts.fragment:
        return f"FRONTEND_URL={url} must be an origin only, with no path: the app is served at its root ({example})."
    return None


def breach_api_url_problem(url: str) -> str | None:
    """PASSWORD_BREACH_API_URL is the range API's address that a 5-character hash prefix is appended to: an http(s)
    URL with a host, in ASCII (urllib sends the path as it is). Checked at the start, so that a mistyped one stops
    the app instead of failing every password set."""
    example = "such as https://api.pwnedpasswords.com/range/"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  # urllib checks it when asked
    except ValueError as error:
        return (
            f"PASSWORD_BREACH_API_URL={url!r} cannot be read ({error}): write the URL the prefix is appended to, "
            f"{example}."
        )
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"PASSWORD_BREACH_API_URL={url!r} must be an http:// or https:// URL with a host, {example}."
    if not url.isascii() or any(character.isspace() for character in url):
        return (
            f"PASSWORD_BREACH_API_URL={url!r} must be written in ASCII with no spaces (percent-encode the rest), "
            f"{example}."
        )
    return None


def frontend_url_problem(url: str) -> str | None:
    """Password-reset links are FRONTEND_URL plus a token: over plain http anyone on the path reads the token.
    http is accepted only for a loopback host (a whole stack on one machine), whose links never leave the
    machine of whoever opens them."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return None
    if parts.scheme == "http" and parts.hostname and is_loopback_host(parts.hostname):
        return None
    return (
        f"FRONTEND_URL={url} is not an https:// URL; password-reset links carry a token and must not travel "
        "over plain http (http is accepted only for localhost, 127.0.0.0/8 and [::1])."
    )


def webauthn_origins_problem(origins: list[str]) -> str | None:
    """Passkeys are checked against the origin the browser reports (clientDataJSON): each of WEBAUTHN_ORIGINS must be
    an https origin, or plain http to a loopback host as FRONTEND_URL (browsers treat it as secure), and a bare
    origin: the browser never reports a path, so an origin with one matches nothing."""
    if not origins:
        return (
            "WEBAUTHN_ORIGINS is empty; set the origins the app is served from, e.g. https://app.example.com "
            "(unset, it is FRONTEND_URL)."
        )
    for origin in origins:
        parts = _urlsplit(origin)
        secure = parts.scheme == "https" or (parts.scheme == "http" and is_loopback_host(parts.hostname or ""))
        if not (secure and parts.hostname):
            return (
                f"WEBAUTHN_ORIGINS has {origin}, which is not an https:// origin; passkey sign-ins must not travel "
                "over plain http (http is accepted only for localhost, 127.0.0.0/8 and [::1]). List the https "
                "origins the app is served from, comma-separated."
            )
        if parts.path or parts.query or parts.fragment or parts.username is not None:
            return (
                f"WEBAUTHN_ORIGINS has {origin}, which is not a bare origin: write scheme://host[:port] with no path "
                f"(here {parts.scheme}://{parts.netloc.rpartition('@')[2]}); browsers report the origin alone, "
                "so no passkey would ever match."
            )
    return None


def webauthn_rp_id_problem(rp_id: str, origins: list[str]) -> str | None:
    """WebAuthn's rule: the RP ID is a domain (never an IP address) equal to each origin's host or a parent domain of
    it, else browsers refuse every passkey ceremony from that origin. A loopback IP origin is let through: no RP ID
    can serve an IP address, so browsers there offer no passkeys at all (auth.py lists http://127.0.0.1:PORT beside
    http://localhost:PORT for a laptop's FRONTEND_URL), and it never leaves the machine."""
    fix = "Set WEBAUTHN_RP_ID to the app's host name, or a parent domain that every WEBAUTHN_ORIGINS host ends with"
    if not rp_id:
        return f"WEBAUTHN_RP_ID is empty. {fix} (unset, it is FRONTEND_URL's host)."
    if _is_ip_address(rp_id.strip("[]")):
        return f"WEBAUTHN_RP_ID={rp_id} is an IP address; WebAuthn needs a domain name. {fix}."
    for origin in origins:
        host = _urlsplit(origin).hostname or ""
        if _is_ip_address(host) and is_loopback_host(host):
            continue
        if host != rp_id and not host.endswith(f".{rp_id}"):
            return (
                f"WEBAUTHN_RP_ID={rp_id} does not match the WebAuthn origin {origin}: the RP ID must be the origin's "
                f"host ({host}) or a parent domain of it (WebAuthn's rule), or browsers refuse every passkey there. "
                f"{fix} (a domain only: no scheme, no port), or remove {origin} from WEBAUTHN_ORIGINS."
            )
    return None


def _urlsplit(url: str) -> SplitResult:
    """urlsplit, with a URL it cannot parse (an invalid bracketed host) as an empty one."""
    try:
        return urlsplit(url)
    except ValueError:
        return urlsplit("")


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def is_loopback_host(host: str) -> bool:
    """``localhost`` or a loopback address (127.0.0.0/8, ::1); also read by backend/oidc for its http exception."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def redis_url_problem(url: str) -> str | None:
    """A REDIS_URL that django-redis cannot open (no scheme, a port that is no number) passes every import and fails
    every request; a database path that is no number is silently database 0. (Shown without its password.)"""
    shown = url.split("@")[-1]
    if url.split("://", 1)[0] not in ("redis", "rediss", "unix") or "://" not in url:
        return (
            "REDIS_URL must start with redis://, rediss:// (TLS) or unix:// (e.g. redis://redis:6379/0); "
            f"got {shown!r}."
        )
    if url.startswith("unix://"):
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  # urllib checks it when asked
    except ValueError:
        return f"REDIS_URL's port must be a number from 1 to 65535 (e.g. redis://redis:6379/0); got {shown!r}."
    database = parts.path.strip("/")
    if database and not (database.isascii() and database.isdigit()):
        return f"REDIS_URL's path must be a database number (e.g. redis://redis:6379/0); got {shown!r}."
    return None


def key_and_key_list_problem(name: str, single: str, keys: list[str]) -> str | None:
    """``NAMES`` wins over ``NAME``: a ``NAME`` the list does not hold is ignored, so an operator answering a leak by
    setting ``NAME`` to a new key, while the list still holds the leaked one, would keep the leaked key working.
    (``NAME`` among the list's keys is a rotation under way: docs/operations.md.)"""
    if single.strip() and keys and single.strip() not in keys:
        return (
            f"{name} is set but {name}S is used (it wins) and does not hold it. Unset {name}, or list the key in "
            f"{name}S (newest first: docs/operations.md)."
        )
    return None
