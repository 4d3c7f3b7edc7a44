"""Client facts taken from the request, honouring TRUSTED_PROXY_NETWORKS or TRUSTED_PROXY_COUNT."""

import ipaddress
import logging
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

logger = logging.getLogger(__name__)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def client_ip(request: HttpRequest) -> str | None:
    """The client's address as text (see client_address), or None when it does not parse."""
    address = client_address(request)
    return str(address) if address is not None else None


def client_address(request: HttpRequest) -> Address | None:
    """The client's address: REMOTE_ADDR, or the X-Forwarded-For entry our trusted proxies vouch for.

    With TRUSTED_PROXY_NETWORKS, a proxy is trusted by its address (`_ProxyNetworks.client`); with
    TRUSTED_PROXY_COUNT, the count is trusted and the entry is taken by position. The system checks refuse both.
    """
    candidate = request.META.get("REMOTE_ADDR", "")
    if settings.TRUSTED_PROXY_NETWORKS:
        # tuple() of the settings' tuple is that same tuple: no copy per request (a test's list is copied)
        networks = _proxy_networks(tuple(settings.TRUSTED_PROXY_NETWORKS))
        return networks.client(candidate, request.META.get("HTTP_X_FORWARDED_FOR", ""))
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


class _ProxyNetworks:
    """TRUSTED_PROXY_NETWORKS parsed, and the walk that finds the client behind the proxies in them."""

    def __init__(self, spec: tuple[str, ...]) -> None:
        networks = [ipaddress.ip_network(item.strip(), strict=False) for item in spec if item.strip()]
        self._ipv4 = tuple(network for network in networks if network.version == 4)
        self._ipv6 = tuple(network for network in networks if network.version == 6)
        # Every request asks about REMOTE_ADDR (the same few proxies) and usually one entry (a client that sends many
        # requests): the answer is remembered by the text, as _parsed remembers the address. Bounded the same way.
        self.classified = lru_cache(maxsize=4096)(self._classify)

    def _classify(self, text: str) -> tuple[Address | None, bool]:
        """The address ``text`` names (None if it names none) and whether it is one of our proxies."""
        address = _parsed(text)
        if address is None:
            return None, False
        # A dual-stack server sees an IPv4 proxy as ::ffff:a.b.c.d: the IPv4 networks hold it.
        mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
        if mapped is not None:
            return address, any(mapped in network for network in self._ipv4)
        networks = self._ipv4 if address.version == 4 else self._ipv6
        return address, any(address in network for network in networks)

    def client(self, remote_addr: str, forwarded: str) -> Address | None:
        """The nearest address that is not a proxy, walking from REMOTE_ADDR leftwards through X-Forwarded-For.

        A peer outside the networks is the client, whatever it says: a client that bypasses the CDN and sends
        a made-up X-Forwarded-For is taken for the address it connects from. Entries our proxies appended are
        skipped; the first that is not a proxy's is the client. Every entry a proxy's: the leftmost, the client
        the first proxy saw. An entry that names no address stops the walk: it is where the client would be, and
        its address is unknown (None, as for a REMOTE_ADDR that does not parse), never the next entry along.
        """
        address, trusted = self.classified(remote_addr)
        if not trusted:
            if forwarded:
                _warn_untrusted_peer()
            return address
        for entry in reversed(forwarded.split(",")):
            entry = entry.strip()
            if entry:
                address, trusted = self.classified(entry)
                if not trusted:
                    return address
        return address


@lru_cache(maxsize=8)
def _proxy_networks(spec: tuple[str, ...]) -> _ProxyNetworks:
    return _ProxyNetworks(spec)


_untrusted_peer_warned = False


def _warn_untrusted_peer() -> None:
    # The sign of a nearest proxy (the ingress) left out of the networks: every client would be taken for it and
    # share its per-IP rate limits. A client connecting directly with a made-up header looks the same, and is
    # rightly taken for its own address; the message says both. Once per process, like the count's warning.
    global _untrusted_peer_warned
    if _untrusted_peer_warned:
        return
    _untrusted_peer_warned = True
    logger.warning(
        "A request carried X-Forwarded-For from a peer outside TRUSTED_PROXY_NETWORKS: its client is taken to be "
        "REMOTE_ADDR, that peer. If the peer is one of your proxies (the ingress), every client shares its address "
        "and per-IP rate limits: add the proxy's network to TRUSTED_PROXY_NETWORKS. A client that connects directly "
        "and sends the header itself also looks like this."
    )


# Every request's log line and rate limit parse the client address, and a client sends many requests: the parsed
# address (immutable) is remembered by its text. Bounded; an address seen once more after eviction is parsed again.
@lru_cache(maxsize=4096)
def _parsed(candidate: str) -> Address | None:
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
