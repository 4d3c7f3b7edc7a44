"""Which address is a request's client (backend/common/request_meta.py) when proxies are trusted by their networks
(TRUSTED_PROXY_NETWORKS): a peer outside them is the client whatever its X-Forwarded-For says, and behind them the
nearest entry that is not a proxy's; and the startup checks that refuse a network that does not parse, or both ways of
trusting proxies at once. Trusting a count of proxies is tested through the rate limits
(test_throttles_client_address.py)."""

import ipaddress
import logging

import pytest
from django.test import RequestFactory

from backend.common import request_meta
from backend.common.request_meta import client_address, client_ip

# The ingress' pod network, a CDN's published range, and an IPv6 range of the same CDN.
NETWORKS = ["10.0.0.0/8", "173.245.48.0/20", "2001:db8:ffff::/48"]


@pytest.fixture
def networks(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    settings.TRUSTED_PROXY_NETWORKS = NETWORKS


def _client_ip(remote_addr: str, forwarded: str | None = None) -> str | None:
    request = RequestFactory(REMOTE_ADDR=remote_addr).get("/")
    if forwarded is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(request)


@pytest.mark.usefixtures("networks")
@pytest.mark.parametrize(
    ("remote_addr", "forwarded", "client"),
    [
        # A client that connects to the app itself is its own address, whatever it sends.
        ("198.51.100.7", "203.0.113.1", "198.51.100.7"),
        ("198.51.100.7", "203.0.113.1, 173.245.48.9", "198.51.100.7"),
        ("198.51.100.7", None, "198.51.100.7"),
        # Behind the ingress alone: the address it appended, not those the client prepended.
        ("10.0.0.2", "203.0.113.7", "203.0.113.7"),
        ("10.0.0.2", "1.2.3.4, 203.0.113.7", "203.0.113.7"),
        # Through the CDN, then the ingress: the address the CDN appended.
        ("10.0.0.2", "1.2.3.4, 203.0.113.7, 173.245.48.9", "203.0.113.7"),
        # Straight to the ingress, bypassing the CDN: the address the ingress saw, not the one the client made up
        # (with TRUSTED_PROXY_COUNT=2 the app took 1.2.3.4).
        ("10.0.0.2", "1.2.3.4, 198.51.100.7", "198.51.100.7"),
        # Every entry a proxy's: the leftmost, the client the first proxy saw.
        ("10.0.0.2", "10.1.1.1, 173.245.48.9", "10.1.1.1"),
        # A trusted peer with no header at all (a probe from inside the cluster) is its own client.
        ("10.0.0.2", None, "10.0.0.2"),
        # Empty entries are skipped.
        ("10.0.0.2", " , 203.0.113.7 ,, ", "203.0.113.7"),
    ],
    ids=[
        "direct-forged",
        "direct-forged-naming-a-proxy",
        "direct",
        "ingress",
        "ingress-client-prepended",
        "cdn-and-ingress",
        "cdn-bypassed",
        "all-trusted",
        "probe",
        "empty-entries",
    ],
)
def test_behind_trusted_networks_the_client_is_the_nearest_address_that_is_not_a_proxy(remote_addr, forwarded, client):
    assert _client_ip(remote_addr, forwarded) == client


@pytest.mark.usefixtures("networks")
@pytest.mark.parametrize(
    ("remote_addr", "forwarded"),
    [
        # The walk stops there: the entry after it along (a made-up address) is never taken instead.
        ("10.0.0.2", "203.0.113.7, not-an-ip, 173.245.48.9"),
        ("10.0.0.2", "unknown"),
        # A peer that is no address is no proxy: as with no proxy trusted, its client is unknown.
        ("", "203.0.113.7"),
    ],
    ids=["junk-entry", "junk-only-entry", "junk-remote-addr"],
)
def test_behind_trusted_networks_an_entry_that_names_no_address_leaves_the_client_unknown(remote_addr, forwarded):
    request = RequestFactory(REMOTE_ADDR=remote_addr).get("/", HTTP_X_FORWARDED_FOR=forwarded)

    assert (client_address(request), client_ip(request)) == (None, None)


@pytest.mark.usefixtures("networks")
@pytest.mark.parametrize(
    ("remote_addr", "forwarded", "client"),
    [
        ("2001:db8:ffff::2", "2001:db8:1::5", "2001:db8:1::5"),
        ("2001:db8:1::5", "203.0.113.1", "2001:db8:1::5"),
        ("10.0.0.2", "2001:db8:1::5, 2001:db8:ffff::9", "2001:db8:1::5"),
        # A dual-stack server sees IPv4 peers as IPv4-mapped: the IPv4 networks hold them.
        ("::ffff:10.0.0.2", "203.0.113.7", "203.0.113.7"),
        ("10.0.0.2", "203.0.113.7, ::ffff:173.245.48.9", "203.0.113.7"),
        ("::ffff:198.51.100.7", "203.0.113.1", "::ffff:198.51.100.7"),
        # Some gateways forward the port too.
        ("10.0.0.2", "203.0.113.7:51000, 173.245.48.9:443", "203.0.113.7"),
        ("10.0.0.2", "[2001:db8:1::5]:443, [2001:db8:ffff::9]:443", "2001:db8:1::5"),
        ("10.0.0.2", "[::ffff:203.0.113.7]:443, [::ffff:173.245.48.9]:443", "::ffff:203.0.113.7"),
    ],
    ids=[
        "ipv6-proxy",
        "ipv6-direct-forged",
        "ipv6-behind-ipv4-ingress",
        "mapped-peer",
        "mapped-entry",
        "mapped-direct-forged",
        "ipv4-ports",
        "ipv6-ports",
        "mapped-ports",
    ],
)
def test_behind_trusted_networks_ipv6_mapped_and_port_forms_are_read_as_their_address(remote_addr, forwarded, client):
    # (compared as addresses: how Python writes an IPv4-mapped one depends on its version)
    request = RequestFactory(REMOTE_ADDR=remote_addr).get("/", HTTP_X_FORWARDED_FOR=forwarded)

    assert client_address(request) == ipaddress.ip_address(client)


def test_a_bare_address_among_the_trusted_networks_trusts_that_address_alone(settings):
    settings.TRUSTED_PROXY_NETWORKS = ["192.0.2.10"]

    trusted = _client_ip("192.0.2.10", "203.0.113.7")
    neighbour = _client_ip("192.0.2.11", "203.0.113.7")

    assert (trusted, neighbour) == ("203.0.113.7", "192.0.2.11")


def test_networks_are_read_again_when_the_setting_changes(settings):
    settings.TRUSTED_PROXY_NETWORKS = ["10.0.0.0/8"]
    behind_the_first = _client_ip("10.0.0.2", "203.0.113.7")
    settings.TRUSTED_PROXY_NETWORKS = ["192.168.0.0/16"]
    behind_the_second = _client_ip("10.0.0.2", "203.0.113.7")

    assert (behind_the_first, behind_the_second) == ("203.0.113.7", "10.0.0.2")
    assert client_address(RequestFactory(REMOTE_ADDR="192.168.1.1").get("/")) == ipaddress.ip_address("192.168.1.1")


@pytest.mark.usefixtures("networks")
def test_a_header_from_a_peer_outside_the_networks_is_told_once_but_no_header_is_not(caplog, monkeypatch):
    # (the sign of an ingress left out of the networks: every client would be taken for it)
    monkeypatch.setattr(request_meta, "_untrusted_peer_warned", False)
    caplog.set_level(logging.WARNING, logger="backend.common.request_meta")

    quiet = [_client_ip("198.51.100.7"), _client_ip("10.0.0.2")]
    assert not [record for record in caplog.records if "TRUSTED_PROXY_NETWORKS" in record.getMessage()]
    told = [_client_ip("198.51.100.7", "203.0.113.1"), _client_ip("198.51.100.8", "203.0.113.2")]

    assert (quiet, told) == (["198.51.100.7", "10.0.0.2"], ["198.51.100.7", "198.51.100.8"])
    [warning] = [record for record in caplog.records if "TRUSTED_PROXY_NETWORKS" in record.getMessage()]
    assert warning.levelname == "WARNING"
    assert "X-Forwarded-For from a peer outside TRUSTED_PROXY_NETWORKS" in warning.getMessage()
    assert "198.51.100" not in warning.getMessage()  # no address of a client in the log line


# -- the startup checks ---------------------------------------------------------------------------------------------
def check_trusted_proxies() -> list:
    from backend.common.checks import check_trusted_proxies as check

    return check()


def test_a_trusted_network_that_does_not_parse_is_refused_and_named(settings):
    settings.TRUSTED_PROXY_NETWORKS = ["10.0.0.0/8", "10.0.0.0/33", "cloudflare"]

    errors = check_trusted_proxies()

    assert [(error.id, error.msg) for error in errors] == [
        ("common.E002", "TRUSTED_PROXY_NETWORKS has '10.0.0.0/33', which is not an IP network or address."),
        ("common.E002", "TRUSTED_PROXY_NETWORKS has 'cloudflare', which is not an IP network or address."),
    ]
    assert errors[0].hint == (
        "Use comma-separated CIDRs or addresses, such as 10.0.0.0/8,173.245.48.0/20,2400:cb00::/32."
    )


def test_trusting_proxies_both_by_network_and_by_count_is_refused_with_the_fix(settings):
    settings.TRUSTED_PROXY_NETWORKS = ["10.0.0.0/8"]
    settings.TRUSTED_PROXY_COUNT = 1

    [error] = check_trusted_proxies()

    assert error.id == "common.E003"
    assert error.msg.startswith("TRUSTED_PROXY_NETWORKS and TRUSTED_PROXY_COUNT=1 are both set")
    assert error.hint == (
        "Keep one: set TRUSTED_PROXY_COUNT=0 to trust the networks (the safer choice behind a CDN), "
        "or leave TRUSTED_PROXY_NETWORKS empty to count the proxies."
    )


@pytest.mark.parametrize(
    ("given", "count"),
    [([*NETWORKS, "192.0.2.10", "10.0.0.1/8"], 0), ([], 2), ([], 0)],
    ids=["networks", "count", "neither"],
)
def test_either_way_of_trusting_proxies_alone_passes_the_checks(settings, given, count):
    settings.TRUSTED_PROXY_NETWORKS = given
    settings.TRUSTED_PROXY_COUNT = count

    assert check_trusted_proxies() == []
