"""k8s/components/monitoring, built offline with the fixture in tests/k8s/monitoring.

kubernetes-validate knows only built-in kinds, and the Prometheus Operator CRD schemas
cannot be downloaded here, so the ServiceMonitor and PrometheusRule are checked for the
structure the operator needs, and every PromQL expression (alerts and dashboard) is
parsed and must only use metrics that a real /metrics scrape exposes, or cluster
metrics from cAdvisor and kube-state-metrics listed below.
"""

import json
from pathlib import Path

import kubernetes_validate
import promql_parser
import pytest

from backend.common.signals import cache_lookup, rate_limit_rejected
from tests.backend.observability.helpers import metric_names
from tests.k8s.kustomize import kustomize

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "k8s" / "monitoring"
# Not ours: exported by the cluster's cAdvisor (kubelet) and kube-state-metrics.
CLUSTER_METRICS = {
    "container_cpu_usage_seconds_total",
    "container_memory_working_set_bytes",
    "kube_pod_container_resource_limits",
    "kube_pod_container_status_restarts_total",
}
REQUIRED_ALERTS = {
    "BackendHighErrorRate",
    "BackendHighLatencyP99",
    "BackendPodRestarting",
    "BackendHighCPU",
    "BackendHighMemory",
    "BackendRefreshTokenReuseSpike",
}


@pytest.fixture(scope="module")
def built() -> dict[str, dict]:
    return {doc["kind"]: doc for doc in kustomize(FIXTURE)}


def _expressions(built: dict[str, dict]) -> list[str]:
    rules = [rule["expr"] for group in built["PrometheusRule"]["spec"]["groups"] for rule in group["rules"]]
    dashboard = json.loads(next(iter(built["ConfigMap"]["data"].values())))
    targets = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    return rules + targets


def _selectors(expr: str) -> list:
    found: list = []
    promql_parser.walk(
        promql_parser.parse(expr),
        lambda node: found.append(node) if isinstance(node, promql_parser.VectorSelector) else None,
    )
    return found


def test_the_component_builds_into_the_overlays_namespace(built):
    assert set(built) == {"Service", "ServiceMonitor", "PrometheusRule", "ConfigMap"}
    assert {doc["metadata"]["namespace"] for doc in built.values()} == {"monitoring-fixture"}


@pytest.mark.parametrize("kind", ["Service", "ConfigMap"])
def test_built_in_kinds_pass_strict_schema_validation(built, kind):
    kubernetes_validate.validate(built[kind], kubernetes_validate.latest_version(), strict=True)


def test_the_service_monitor_scrapes_the_backend_services_http_port(built):
    monitor, service = built["ServiceMonitor"], built["Service"]

    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    selector = monitor["spec"]["selector"]["matchLabels"]
    assert selector.items() <= service["metadata"]["labels"].items()
    [endpoint] = monitor["spec"]["endpoints"]
    assert endpoint["port"] in {port["name"] for port in service["spec"]["ports"]}
    assert (endpoint["path"], endpoint["scheme"]) == ("/metrics", "http")
    assert promql_parser.parse_duration(endpoint["scrapeTimeout"]) < promql_parser.parse_duration(endpoint["interval"])


def test_every_alert_is_well_formed(built):
    rule = built["PrometheusRule"]
    assert rule["apiVersion"] == "monitoring.coreos.com/v1"
    alerts = [alert for group in rule["spec"]["groups"] for alert in group["rules"]]

    assert {alert["alert"] for alert in alerts} == REQUIRED_ALERTS
    for group in rule["spec"]["groups"]:
        assert group["name"]
        assert group["rules"]
    for alert in alerts:
        assert set(alert) == {"alert", "expr", "for", "labels", "annotations"}, alert["alert"]
        promql_parser.parse(alert["expr"])
        promql_parser.parse_duration(alert["for"])
        assert alert["labels"]["severity"] in {"warning", "critical"}
        assert alert["annotations"]["summary"]
        assert alert["annotations"]["description"]


@pytest.mark.parametrize(
    ("alert", "threshold", "duration"),
    [
        ("BackendHighErrorRate", "> 0.02", "5m"),
        ("BackendHighLatencyP99", "> 0.5", "10m"),
        ("BackendHighCPU", "> 0.8", "10m"),
        ("BackendHighMemory", "> 0.85", "10m"),
    ],
)
def test_alert_thresholds_match_the_runbook(built, alert, threshold, duration):
    [rule] = [r for g in built["PrometheusRule"]["spec"]["groups"] for r in g["rules"] if r["alert"] == alert]

    assert " ".join(rule["expr"].split()).endswith(threshold)
    assert rule["for"] == duration


def test_the_dashboard_is_a_configmap_for_the_grafana_sidecar(built):
    config_map = built["ConfigMap"]

    assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
    [(name, raw)] = config_map["data"].items()
    assert name.endswith(".json")
    dashboard = json.loads(raw)
    titles = {panel["title"] for panel in dashboard["panels"]}
    assert {"Request rate by status", "5xx error ratio", "Latency percentiles", "Cache hit ratio by namespace"} <= (
        titles
    )
    assert "Logins" in titles
    assert len({panel["id"] for panel in dashboard["panels"]}) == len(dashboard["panels"])


@pytest.mark.django_db
def test_every_metric_the_alerts_and_dashboard_query_is_exported(built, client):
    # Create every labelled series once, the way traffic would.
    client.get("/healthz")
    cache_lookup.send(sender=None, namespace="tasks.list", hit=True)
    rate_limit_rejected.send(sender=None, scope="login_ip")
    exported = metric_names(client.get("/metrics").content.decode())

    used = {selector.name for expr in _expressions(built) for selector in _selectors(expr)}

    assert used - CLUSTER_METRICS, "the rules use app metrics at all"
    assert used - CLUSTER_METRICS - exported == set()
    app_selectors = [s for expr in _expressions(built) for s in _selectors(expr) if s.name not in CLUSTER_METRICS]
    assert all(any(m.name == "job" and m.value == "backend" for m in s.matchers.matchers) for s in app_selectors), (
        "every app query is scoped to the backend's scrape job"
    )
