"""Client facts taken from the request, honouring TRUSTED_PROXY_COUNT."""

import ipaddress
import logging
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

logger = logging.getLogger(__name__)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address as text (see client_address), or None when it does not parse."""
    address = client_address(request)
    return str(address) if address is not None else None


def client_address(request: HttpRequest) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The client's address: REMOTE_ADDR, or the X-Forwarded-For entry added by our outermost trusted proxy."""
    candidate = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            candidate = forwarded[-proxies]
        elif forwarded:
            _warn_fewer_forwarded(len(forwarded), proxies)
    return _parsed(candidate)


_fewer_forwarded_warned = False


def _warn_fewer_forwarded(found: int, proxies: int) -> None:
    # A request straight to the pod (a probe) has no entry at all; one with fewer than the count went through fewer
    # proxies than configured, and its client would be taken as REMOTE_ADDR: a proxy, shared by every client.
    # Once per process: the setting is wrong for every request that comes the same way.
    global _fewer_forwarded_warned
    if _fewer_forwarded_warned:
        return
    _fewer_forwarded_warned = True
    logger.warning(
        "TRUSTED_PROXY_COUNT is %d but a request came through %d proxy(ies) (X-Forwarded-For entries): its client "
        "is taken to be REMOTE_ADDR, the nearest proxy, so per-IP rate limits would count every client together. "
        "Set TRUSTED_PROXY_COUNT to the number of proxies in front of the app.",
        proxies,
        found,
    )


# Every request's log line and rate limit parse the client address, and a client sends many requests: the parsed
# address (immutable) is remembered by its text. Bounded; an address seen once more after eviction is parsed again.
@lru_cache(maxsize=4096)
def _parsed(candidate: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(_without_port(candidate))
    except ValueError:
        return None


def _without_port(address: str) -> str:
    """Some proxies (e.g. Azure Application Gateway) forward ``1.2.3.4:5678`` or ``[2001:db8::1]:443``."""
    if address.startswith("["):
        return address[1:].split("]", 1)[0]
    if address.count(":") == 1:
        return address.split(":", 1)[0]
    return address


def user_agent(request: HttpRequest) -> str:
    return request.META.get("HTTP_USER_AGENT", "")
