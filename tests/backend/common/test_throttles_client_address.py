"""Rate limits at the API by client address: addresses that cannot be spoofed behind no proxy or a trusted one,
IPv6 clients by their /64 prefix, and IPv4 clients seen as IPv4-mapped IPv6 addresses."""

import pytest
from rest_framework.test import APIClient

from tests.backend.accounts.helpers import login as _login
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


def test_without_trusted_proxies_x_forwarded_for_is_ignored(rates, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    rates(login_ip="1/1m")
    client = APIClient(REMOTE_ADDR="198.51.100.30")

    first = _login(client, "x@example.com", "wrong", HTTP_X_FORWARDED_FOR="203.0.113.1")
    spoofed = _login(client, "x@example.com", "wrong", HTTP_X_FORWARDED_FOR="203.0.113.2")

    assert (first.status_code, spoofed.status_code) == (401, 429)


@pytest.mark.parametrize(
    ("first", "same_client", "other_client"),
    [
        # The client prepends made-up addresses; the ingress still appends the real one last.
        ("203.0.113.7", "1.2.3.4, 203.0.113.7", "203.0.113.8"),
        # Some gateways forward the client's port too.
        ("203.0.113.9:51000", "203.0.113.9:52000", "[2001:db8::5]:443"),
    ],
)
def test_behind_one_proxy_only_the_address_it_appended_counts(rates, settings, first, same_client, other_client):
    settings.TRUSTED_PROXY_COUNT = 1
    rates(login_ip="1/1m")
    ingress = APIClient(REMOTE_ADDR="10.0.0.2")

    statuses = [
        _login(ingress, "x@example.com", "wrong", HTTP_X_FORWARDED_FOR=forwarded).status_code
        for forwarded in (first, same_client, other_client)
    ]

    assert statuses == [401, 429, 401]


def test_behind_proxies_trusted_by_network_clients_that_forge_the_header_keep_their_own_buckets(rates, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    settings.TRUSTED_PROXY_NETWORKS = ["10.0.0.0/8", "173.245.48.0/20"]  # the ingress' pods, the CDN
    rates(login_ip="1/1m")
    first, second = APIClient(REMOTE_ADDR="198.51.100.30"), APIClient(REMOTE_ADDR="198.51.100.31")
    ingress = APIClient(REMOTE_ADDR="10.0.0.2")

    def attempt(client: APIClient, forwarded: str) -> int:
        return _login(client, "x@example.com", "wrong", HTTP_X_FORWARDED_FOR=forwarded).status_code

    statuses = [
        attempt(first, "203.0.113.1"),  # straight to the app, with a made-up address
        attempt(first, "203.0.113.2"),  # another made-up address: still the first client's bucket
        attempt(second, "203.0.113.1"),  # the first's made-up address: the second client's own bucket
        # Straight to the ingress, bypassing the CDN, with a made-up address: the address the ingress saw.
        attempt(ingress, "203.0.113.3, 198.51.100.31"),
        # Through the CDN and the ingress, a third client: its own bucket, and then spent.
        attempt(ingress, "203.0.113.4, 198.51.100.32, 173.245.48.9"),
        attempt(ingress, "203.0.113.5, 198.51.100.32, 173.245.48.9"),
    ]

    assert statuses == [401, 429, 401, 429, 401, 429]


def test_an_ipv6_client_is_limited_by_its_64_prefix(rates):
    rates(login_ip="1/1m")

    first = _login(APIClient(REMOTE_ADDR="2001:db8:1:2::1"), "x@example.com", "wrong")
    same_prefix = _login(APIClient(REMOTE_ADDR="2001:db8:1:2:ffff::9"), "x@example.com", "wrong")
    other_prefix = _login(APIClient(REMOTE_ADDR="2001:db8:1:3::1"), "x@example.com", "wrong")

    assert (first.status_code, same_prefix.status_code, other_prefix.status_code) == (401, 429, 401)


def _assert_throttled(response) -> None:
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert set(response.json()) == {"detail", "code"}
    assert 1 <= int(response["Retry-After"]) <= 60


# A dual-stack server sees an IPv4 client as ::ffff:a.b.c.d: that is the IPv4 client, not a /64 of its own (which
# would be ::ffff:0:0/64, one bucket shared by every IPv4 client seen that way).
@pytest.mark.parametrize(
    ("first", "same_client"),
    [("::ffff:198.51.100.80", "198.51.100.80"), ("198.51.100.80", "::ffff:198.51.100.80")],
    ids=["mapped-then-ipv4", "ipv4-then-mapped"],
)
def test_an_ipv4_mapped_client_address_shares_the_per_ip_bucket_of_its_ipv4_address(rates, first, same_client):
    rates(login_ip="1/1m")

    first_response = _login(APIClient(REMOTE_ADDR=first), "x@example.com", "wrong")
    same = _login(APIClient(REMOTE_ADDR=same_client), "x@example.com", "wrong")
    other_mapped = _login(APIClient(REMOTE_ADDR="::ffff:198.51.100.81"), "x@example.com", "wrong")

    assert first_response.status_code == 401
    _assert_throttled(same)
    assert other_mapped.status_code == 401  # another IPv4 client seen as mapped: a bucket of its own


@pytest.mark.parametrize(
    ("first", "same_client", "other_client"),
    [
        ("::ffff:203.0.113.60", "203.0.113.60", "::ffff:203.0.113.61"),
        ("203.0.113.60", "[::ffff:203.0.113.60]:443", "[::ffff:203.0.113.61]:443"),
        ("1.2.3.4, ::ffff:203.0.113.60", "::ffff:1.2.3.4, 203.0.113.60", "::ffff:203.0.113.61"),
    ],
    ids=["mapped-then-ipv4", "with-port", "client-prepended"],
)
def test_behind_a_proxy_an_ipv4_mapped_forwarded_address_shares_the_bucket_of_its_ipv4_address(
    rates, settings, first, same_client, other_client
):
    settings.TRUSTED_PROXY_COUNT = 1
    rates(login_ip="1/1m")
    ingress = APIClient(REMOTE_ADDR="::ffff:10.0.0.2")

    responses = [
        _login(ingress, "x@example.com", "wrong", HTTP_X_FORWARDED_FOR=forwarded)
        for forwarded in (first, same_client, other_client)
    ]

    assert responses[0].status_code == 401
    _assert_throttled(responses[1])
    assert responses[2].status_code == 401


def test_an_ipv4_mapped_client_address_shares_the_accounts_per_address_bucket_of_its_ipv4_address(rates, user):
    # Failed sign-ins from a device the account does not know count per (account, client address)
    rates(login_email_ip="1/15m", login_ip="100/1m")

    first = _login(APIClient(REMOTE_ADDR="::ffff:198.51.100.82"), user.email, "wrong")
    same_client = _login(APIClient(REMOTE_ADDR="198.51.100.82"), user.email, DEFAULT_PASSWORD)
    other_client = _login(APIClient(REMOTE_ADDR="::ffff:198.51.100.83"), user.email, DEFAULT_PASSWORD)

    assert first.status_code == 401
    assert same_client.status_code == 429
    assert same_client.json()["code"] == "login_locked"
    assert other_client.status_code == 200


def test_fewer_proxies_than_trusted_is_told_once_but_a_request_with_no_proxy_is_not(settings, caplog, monkeypatch):
    # (with TRUSTED_PROXY_COUNT=2 behind one proxy, every client would be taken for that proxy's address)
    from django.test import RequestFactory

    from backend.common import request_meta
    from backend.common.request_meta import client_ip

    settings.TRUSTED_PROXY_COUNT = 3
    monkeypatch.setattr(request_meta, "_fewer_forwarded_warned", False)
    factory = RequestFactory(REMOTE_ADDR="10.0.0.2")

    probe = client_ip(factory.get("/healthz"))  # straight to the pod: no X-Forwarded-For at all
    assert not [record for record in caplog.records if "TRUSTED_PROXY_COUNT" in record.getMessage()]
    # (one entry, then two, then one again: a count that changes is still the same mistake)
    forwarded = ["203.0.113.1", "198.51.100.9, 203.0.113.2", "203.0.113.3"]
    shown = [client_ip(factory.get("/", HTTP_X_FORWARDED_FOR=header)) for header in forwarded]

    assert (probe, shown) == ("10.0.0.2", ["10.0.0.2"] * 3)
    [warning] = [record for record in caplog.records if "TRUSTED_PROXY_COUNT" in record.getMessage()]
    assert warning.levelname == "WARNING"
    assert "TRUSTED_PROXY_COUNT is 3 but a request came through 1 proxy(ies)" in warning.getMessage()
