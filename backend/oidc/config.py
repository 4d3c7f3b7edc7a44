"""OIDC_PROVIDERS, the OpenID Connect providers one can sign in with (docs/sso.md), read and checked.

Plain Python, no Django models: config/settings/auth.py calls ``providers_parse`` at startup, so a mistake stops the
start with an ImproperlyConfigured that says how to fix it, and the code reads the providers through
``providers_configured`` (tests override the setting with plain dicts, checked the same way). A client secret is
never part of a message or a repr.
"""

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from config.production_checks import is_loopback_host

DEFAULT_SCOPES = "openid email profile"
_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9_-]{0,31})$")
_FIELDS = frozenset({"id", "name", "issuer", "client_id", "client_secret", "scopes"})
EXAMPLE = (
    '[{"id": "google", "name": "Google", "issuer": "https://accounts.google.com", '
    '"client_id": "...", "client_secret": "..."}]'
)


@dataclass(frozen=True)
class Provider:
    """One configured provider. ``id`` names it in URLs and in the stored identities; ``issuer`` is its OpenID
    issuer URL, without a trailing slash unless the provider writes one (it must equal the ID token's ``iss``)."""

    id: str
    name: str
    issuer: str
    client_id: str
    client_secret: str = field(repr=False)
    scopes: str = DEFAULT_SCOPES


def _problem(index: int, what: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(
        f"OIDC_PROVIDERS[{index}]: {what} (docs/sso.md). OIDC_PROVIDERS is a JSON list such as {EXAMPLE}."
    )


def _provider(index: int, entry: Any) -> Provider:
    if not isinstance(entry, dict):
        raise _problem(index, "each provider is a JSON object")
    unknown = sorted(set(entry) - _FIELDS)
    if unknown:
        raise _problem(index, f"unknown key(s) {', '.join(map(repr, unknown))}; the keys are {sorted(_FIELDS)}")
    texts = {}
    for key in ("id", "name", "issuer", "client_id", "client_secret", "scopes"):
        value = entry.get(key, DEFAULT_SCOPES if key == "scopes" else "")
        if not isinstance(value, str):
            raise _problem(index, f'"{key}" must be a string')
        texts[key] = value.strip()
    provider_id = texts["id"]
    if not _SLUG.match(provider_id):
        raise _problem(
            index,
            f'"id" {provider_id!r} must be a slug: 1 to 32 lowercase letters, digits, "-" or "_", such as "google"',
        )
    for key in ("name", "client_id", "client_secret"):
        if not texts[key]:
            raise _problem(index, f'"{key}" of provider {provider_id!r} is missing or empty')
    parts = urlsplit(texts["issuer"])
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.query or parts.fragment:
        raise _problem(
            index,
            f'"issuer" of provider {provider_id!r} must be the provider\'s https URL, as its discovery '
            'document\'s "issuer" says (such as https://accounts.google.com)',
        )
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise _problem(
            index, f'"issuer" of provider {provider_id!r} must use https (http only for 127.0.0.1/localhost)'
        )
    if "openid" not in texts["scopes"].split():
        raise _problem(index, f'"scopes" of provider {provider_id!r} must include "openid"')
    return Provider(
        id=provider_id,
        name=texts["name"],
        issuer=texts["issuer"],
        client_id=texts["client_id"],
        client_secret=texts["client_secret"],
        scopes=" ".join(texts["scopes"].split()),
    )


def providers_parse(raw: Any) -> list[Provider]:
    """The providers ``raw`` (OIDC_PROVIDERS, decoded from JSON) lists; ImproperlyConfigured naming the first
    mistake and how to fix it. ``[]``: the feature is off."""
    if isinstance(raw, tuple):
        raw = list(raw)
    if not isinstance(raw, list):
        raise ImproperlyConfigured(f"OIDC_PROVIDERS must be a JSON list of providers, such as {EXAMPLE} (docs/sso.md).")
    providers = [entry if isinstance(entry, Provider) else _provider(index, entry) for index, entry in enumerate(raw)]
    seen: set[str] = set()
    for index, provider in enumerate(providers):
        if provider.id in seen:
            raise _problem(index, f'"id" {provider.id!r} is used twice: each provider needs its own')
        seen.add(provider.id)
    return providers


def providers_configured() -> list[Provider]:
    """The providers of settings.OIDC_PROVIDERS, in their configured order."""
    from django.conf import settings

    return providers_parse(settings.OIDC_PROVIDERS)


def provider_get(provider_id: str) -> Provider | None:
    return next((provider for provider in providers_configured() if provider.id == provider_id), None)


def provider_name(provider_id: str) -> str:
    """The configured name of ``provider_id``; its id when it is no longer configured (an identity still lists)."""
    provider = provider_get(provider_id)
    return provider.name if provider is not None else provider_id
