"""Misconfigured observability settings stop the app at start, with a message naming the setting."""

from backend.observability.checks import metrics_networks_check


def test_a_malformed_metrics_network_is_a_startup_error(settings):
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8", "10.0.0.0/33", "not-a-network"]

    errors = metrics_networks_check()

    assert [(e.id, e.msg) for e in errors] == [
        ("observability.E001", "METRICS_ALLOWED_NETWORKS has '10.0.0.0/33', which is not an IP network."),
        ("observability.E001", "METRICS_ALLOWED_NETWORKS has 'not-a-network', which is not an IP network."),
    ]


def test_valid_networks_pass(settings):
    settings.METRICS_ALLOWED_NETWORKS = ["127.0.0.0/8", "::1/128", " 192.168.0.0/16 "]

    assert metrics_networks_check() == []
