"""/metrics answers scrapers on the cluster network and no one else."""

import pytest
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.django_db


def test_metrics_are_hidden_when_disabled(client, settings):
    settings.METRICS_ENABLED = False

    response = client.get("/metrics")

    assert response.status_code == 404


@pytest.mark.parametrize("header", ["HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP"])
def test_a_request_that_came_through_a_proxy_is_refused(client, header):
    response = client.get("/metrics", **{header: "203.0.113.9"})

    assert response.status_code == 404
    assert b"http_requests_total" not in response.content


@pytest.mark.parametrize("remote_addr", ["203.0.113.9", "2001:db8::1", "not-an-ip", ""])
def test_a_client_outside_the_allowed_networks_is_refused(client, remote_addr):
    response = client.get("/metrics", REMOTE_ADDR=remote_addr)

    assert response.status_code == 404


# The default METRICS_ALLOWED_NETWORKS (config/settings/base.py; the tests do not override it) covers every private
# range pod networks use, the shared address space 100.64.0.0/10 (CGNAT) included: EKS custom networking and other
# CNIs give pods addresses there (k8s/base/networkpolicies.yaml treats it as private too).
@pytest.mark.parametrize(
    "remote_addr", ["127.0.0.1", "10.244.1.7", "172.16.0.5", "192.168.1.2", "100.64.0.1", "100.127.255.254", "fd00::5"]
)
def test_the_default_networks_let_pod_networks_scrape(client, remote_addr):
    assert client.get("/metrics", REMOTE_ADDR=remote_addr).status_code == 200


@pytest.mark.parametrize("remote_addr", ["100.63.255.254", "100.128.0.1", "198.51.100.7"])
def test_the_default_networks_refuse_public_addresses_next_to_them(client, remote_addr):
    assert client.get("/metrics", REMOTE_ADDR=remote_addr).status_code == 404


def test_unsafe_methods_are_refused(client):
    assert client.post("/metrics").status_code == 404


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token", "Basic c2NyYXBlOnRva2Vu", "Bearer"])
def test_a_missing_or_wrong_token_is_401_when_a_token_is_configured(client, settings, authorization):
    settings.METRICS_TOKEN = "scrape-token-123"
    extra = {"HTTP_AUTHORIZATION": authorization} if authorization else {}

    response = client.get("/metrics", **extra)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'


def test_the_right_token_from_an_allowed_network_gets_the_metrics(client, settings):
    settings.METRICS_TOKEN = "scrape-token-123"
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]

    response = client.get("/metrics", REMOTE_ADDR="10.1.2.3", HTTP_AUTHORIZATION="Bearer scrape-token-123")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    names = {family.name for family in text_string_to_metric_families(response.content.decode())}
    assert {"http_requests", "auth_events", "db_queries"} <= names


def test_an_ipv4_mapped_ipv6_address_is_matched_as_ipv4(client):
    assert client.get("/metrics", REMOTE_ADDR="::ffff:127.0.0.1").status_code == 200


def test_a_scrape_needs_no_allowed_host_and_is_not_itself_logged(client, settings, json_logs):
    settings.ALLOWED_HOSTS = ["example.com"]

    response = client.get("/metrics", HTTP_HOST="10.244.1.7:8000")

    assert response.status_code == 200
    assert [line for line in json_logs() if line["event"] == "request"] == []
