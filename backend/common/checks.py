"""System checks that turn a mistyped setting into a clear startup error instead of a 500 later."""

import ipaddress
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from config.startup_checks import SETTINGS_TAG

from .ratelimit import Rate


@register(SETTINGS_TAG)
def check_rate_limits(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    for scope, text in settings.RATE_LIMITS.items():
        try:
            Rate.parse(text)
        except ValueError as exc:
            errors.append(Error(str(exc), hint=f"Fix RATE_LIMIT_{scope.upper()} in the environment.", id="common.E001"))
    return errors


@register(SETTINGS_TAG)
def check_trusted_proxies(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """A network that does not parse would fail every request (backend/common/request_meta.py); the two settings
    together would leave it to the code to pick one way of finding the client, silently."""
    errors = unparsable_networks(
        "TRUSTED_PROXY_NETWORKS",
        settings.TRUSTED_PROXY_NETWORKS,
        what="an IP network or address",
        hint="Use comma-separated CIDRs or addresses, such as 10.0.0.0/8,173.245.48.0/20,2400:cb00::/32.",
        id="common.E002",
    )
    if settings.TRUSTED_PROXY_NETWORKS and settings.TRUSTED_PROXY_COUNT:
        errors.append(
            Error(
                f"TRUSTED_PROXY_NETWORKS and TRUSTED_PROXY_COUNT={settings.TRUSTED_PROXY_COUNT} are both set: the "
                "one finds the client's address by the proxies' networks, the other by its position in "
                "X-Forwarded-For.",
                hint="Keep one: set TRUSTED_PROXY_COUNT=0 to trust the networks (the safer choice behind a CDN), "
                "or leave TRUSTED_PROXY_NETWORKS empty to count the proxies.",
                id="common.E003",
            )
        )
    return errors


def unparsable_networks(setting: str, items: Any, *, what: str, hint: str, id: str) -> list[CheckMessage]:
    """An Error for each entry of the network list ``setting`` (``items``) that is not ``what``: an IP network, or
    an address as a network of one (ipaddress.ip_network, host bits allowed)."""
    errors: list[CheckMessage] = []
    for item in items:
        try:
            ipaddress.ip_network(str(item).strip(), strict=False)
        except ValueError:
            errors.append(Error(f"{setting} has {item!r}, which is not {what}.", hint=hint, id=id))
    return errors
