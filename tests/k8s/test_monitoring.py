"""k8s/components/monitoring, built offline with the fixture in tests/k8s/monitoring.

kubernetes-validate knows only built-in kinds, and the Prometheus Operator CRD schemas
cannot be downloaded here, so the ServiceMonitor and PrometheusRule are checked for the
structure the operator needs, and every PromQL expression (alerts and dashboard) is
parsed and must only use metrics that a real /metrics scrape exposes, or cluster
metrics from cAdvisor and kube-state-metrics listed below; every label it matches or
groups by must exist on those series, or be one Prometheus and its Kubernetes service
discovery add to every target (TARGET_LABELS).
"""

import json
import re
from pathlib import Path

import kubernetes_validate
import promql_parser
import pytest

from backend.common.signals import cache_lookup, rate_limit_rejected
from backend.observability.metrics import email_outcome
from tests.backend.observability.helpers import scrape
from tests.k8s.kustomize import kustomize

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "k8s" / "monitoring"
# Set on every scraped series by Prometheus (job, instance) and the Prometheus Operator's
# Kubernetes service discovery (namespace, pod, container, service, endpoint).
TARGET_LABELS = {"namespace", "pod", "container", "job", "instance", "service", "endpoint"}
# Not ours: exported by the cluster's cAdvisor (kubelet) and kube-state-metrics, with their own labels.
CLUSTER_METRICS = {
    "container_cpu_usage_seconds_total": {"cpu", "id", "image", "name", "node", "metrics_path"},
    "container_memory_working_set_bytes": {"id", "image", "name", "node", "metrics_path"},
    "kube_pod_container_resource_limits": {"node", "resource", "unit", "uid"},
    "kube_pod_container_status_restarts_total": {"uid"},
    "kube_deployment_status_replicas_available": {"deployment"},
    "kube_ingress_tls": {"ingress", "tls_host", "secret"},
    "kube_cronjob_status_last_schedule_time": {"cronjob"},
    "kube_cronjob_status_last_successful_time": {"cronjob"},
    "kube_job_failed": {"job_name", "condition"},
    # cert-manager's controller, scraped in its own namespace: the certificate's namespace is exported_namespace.
    "certmanager_certificate_ready_status": {"name", "exported_namespace", "condition", "issuer_name", "issuer_kind"},
    "certmanager_certificate_renewal_timestamp_seconds": {"name", "exported_namespace", "issuer_name", "issuer_kind"},
    "certmanager_certificate_expiration_timestamp_seconds": {
        "name",
        "exported_namespace",
        "issuer_name",
        "issuer_kind",
    },
}
# Written by Prometheus itself for every target.
PROMETHEUS_METRICS = {"up": set()}
REQUIRED_ALERTS = {
    "BackendHighErrorRate",
    "BackendHighLatencyP99",
    "BackendRedisFailing",
    "BackendScrapeFailing",
    "BackendNoReplicasAvailable",
    "BackendPodRestarting",
    "BackendHighCPU",
    "BackendHighMemory",
    "BackendRefreshTokenReuseSpike",
    "BackendPasswordBreachCheckUnavailable",
    "BackendEmailsFailing",
    "BackendScheduledJobFailing",
    "BackendMigrationFailed",
    "BackendCertificateNotReady",
    "BackendCertificateRenewalOverdue",
    "BackendCertificateUnwatched",
    "BackendCertificateExpiresSoon",
}


@pytest.fixture(scope="module")
def built() -> dict[str, dict]:
    return {doc["kind"]: doc for doc in kustomize(FIXTURE)}


def _alert_expressions(built: dict[str, dict]) -> list[str]:
    return [rule["expr"] for group in built["PrometheusRule"]["spec"]["groups"] for rule in group["rules"]]


def _dashboard(built: dict[str, dict]) -> dict:
    return json.loads(next(iter(built["ConfigMap"]["data"].values())))


def _dashboard_expressions(built: dict[str, dict]) -> list[str]:
    return [target["expr"] for panel in _dashboard(built)["panels"] for target in panel["targets"]]


def _expressions(built: dict[str, dict]) -> list[str]:
    return _alert_expressions(built) + _dashboard_expressions(built)


def _nodes(expr: str, kind: type) -> list:
    found: list = []
    promql_parser.walk(promql_parser.parse(expr), lambda node: found.append(node) if isinstance(node, kind) else None)
    return found


def _selectors(expr: str) -> list:
    return _nodes(expr, promql_parser.VectorSelector)


def _grouping_labels(expr: str) -> set[str]:
    """Labels named in by (...)/without (...) and on (...)/ignoring (...)."""
    labels = {
        label for node in _nodes(expr, promql_parser.AggregateExpr) if node.modifier for label in node.modifier.labels
    }
    for node in _nodes(expr, promql_parser.BinaryExpr):
        if node.modifier is not None and node.modifier.matching is not None:
            labels |= set(node.modifier.matching.labels)
    return labels


@pytest.fixture(scope="module")
def scraped_labels(django_db_setup, django_db_blocker) -> dict[str, set[str]]:
    """Each sample name of a real /metrics scrape, with the labels it carries."""
    from django.db import connection
    from django.test import Client

    with django_db_blocker.unblock():
        client = Client()
        client.get("/healthz")  # create every labelled series once, the way traffic would
        # A query of this process, so db_queries_total exists even when this module runs alone.
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        cache_lookup.send(sender=None, namespace="tasks.list", hit=True)
        rate_limit_rejected.send(sender=None, scope="login_ip")
        email_outcome(kind="password_reset", outcome="failed")
        values = scrape(client.get("/metrics").content.decode())
    labels: dict[str, set[str]] = {}
    for name, pairs in values:
        labels.setdefault(name, set()).update(label for label, _ in pairs)
    return labels


def test_the_component_builds_into_the_overlays_namespace(built):
    assert set(built) == {"Service", "ServiceMonitor", "PrometheusRule", "ConfigMap", "NetworkPolicy"}
    assert {doc["metadata"]["namespace"] for doc in built.values()} == {"monitoring-fixture"}


@pytest.mark.parametrize("kind", ["Service", "ConfigMap", "NetworkPolicy"])
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

    assert threshold in " ".join(rule["expr"].split())
    assert rule["for"] == duration


def test_the_dashboard_is_a_configmap_for_the_grafana_sidecar(built):
    config_map = built["ConfigMap"]

    assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
    [(name, raw)] = config_map["data"].items()
    assert name.endswith(".json")
    dashboard = json.loads(raw)
    titles = {panel["title"] for panel in dashboard["panels"]}
    assert {"Request rate by status", "5xx error ratio", "Latency percentiles", "Cache hit ratio by cache"} <= titles
    assert "Logins" in titles
    assert len({panel["id"] for panel in dashboard["panels"]}) == len(dashboard["panels"])


def _runbook_metrics() -> set[str]:
    """The metrics docs/operations.md's Metrics table lists: what the runbook tells the operator to watch."""
    section = (ROOT / "docs" / "operations.md").read_text().split("\n## Metrics\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([a-z_]+)`", row.split("|")[1])}


def test_the_dashboard_shows_every_metric_the_runbook_lists(built):
    # Given the runbook's table (it tells the operator to watch db_unavailable_responses_total in an outage, and the
    # emails' `rejected` outcome), when the dashboard's queries are read, then each metric has a panel.
    listed = _runbook_metrics()
    queried = {selector.name for expr in _dashboard_expressions(built) for selector in _selectors(expr)}

    assert {"http_requests_total", "emails_total", "db_unavailable_responses_total"} <= listed
    assert {name for name in listed if not any(q == name or q.startswith(f"{name}_") for q in queried)} == set()


def test_every_metric_the_alerts_and_dashboard_query_is_exported(built, scraped_labels):
    used = {selector.name for expr in _expressions(built) for selector in _selectors(expr)}

    assert used - set(CLUSTER_METRICS) - set(PROMETHEUS_METRICS), "the rules use app metrics at all"
    assert used - set(CLUSTER_METRICS) - set(PROMETHEUS_METRICS) - set(scraped_labels) == set()
    app_selectors = [s for expr in _expressions(built) for s in _selectors(expr) if s.name not in CLUSTER_METRICS]
    assert all(any(m.name == "job" and m.value == "backend" for m in s.matchers.matchers) for s in app_selectors), (
        "every app query is scoped to the backend's scrape job"
    )


@pytest.mark.parametrize("source", ["alerts", "dashboard"])
def test_every_label_queried_exists_on_the_series_it_is_queried_on(built, scraped_labels, source):
    expressions = _alert_expressions(built) if source == "alerts" else _dashboard_expressions(built)

    def labels_of(name: str) -> set[str]:
        known = scraped_labels.get(name, CLUSTER_METRICS.get(name, PROMETHEUS_METRICS.get(name)))
        assert known is not None, f"unknown metric {name}"
        return known | TARGET_LABELS

    for expr in expressions:
        selectors = _selectors(expr)
        for selector in selectors:
            matched = {m.name for m in selector.matchers.matchers}
            assert matched <= labels_of(selector.name), (selector.name, matched - labels_of(selector.name))
        available = set().union(*(labels_of(selector.name) for selector in selectors))
        assert _grouping_labels(expr) <= available, (expr, _grouping_labels(expr) - available)


def test_every_sum_keeps_the_namespace(built):
    # One deployment per namespace: summing across them would mix staging into production.
    for expr in _expressions(built):
        for node in _nodes(expr, promql_parser.AggregateExpr):
            if str(node.op) == "sum":
                assert node.modifier is not None, expr
                assert "namespace" in node.modifier.labels, expr


# Left out of the request ratios: the kubelet's probes. Of the latency, the data export too: a streamed download,
# timed to the end of its stream, is slow by nature and would hold p99 and the slowest views above everything else.
NOT_IN_RATIOS = "healthz|readyz"
NOT_IN_LATENCY = "healthz|readyz|auth-me-export"


def _view_matcher(selector) -> tuple[str, str]:
    [view] = [m for m in selector.matchers.matchers if m.name == "view"]
    return str(view.op), view.value


def test_request_ratios_and_latency_leave_out_the_health_probes(built):
    rules = {r["alert"]: r["expr"] for g in built["PrometheusRule"]["spec"]["groups"] for r in g["rules"]}
    for alert, left_out in (("BackendHighErrorRate", NOT_IN_RATIOS), ("BackendHighLatencyP99", NOT_IN_LATENCY)):
        for selector in _selectors(rules[alert]):
            assert _view_matcher(selector) == (str(promql_parser.MatchOp.NotRe), left_out), alert


def test_the_dashboard_s_latency_panels_leave_out_what_the_latency_alert_does(built):
    panels = {panel["title"]: panel for panel in _dashboard(built)["panels"]}
    for title in ("Latency percentiles", "Slowest views (p95)"):
        for target in panels[title]["targets"]:
            for selector in _selectors(target["expr"]):
                assert _view_matcher(selector) == (str(promql_parser.MatchOp.NotRe), NOT_IN_LATENCY), title


def test_the_views_left_out_are_the_url_names_the_view_label_carries():
    from django.urls import reverse

    for name in NOT_IN_LATENCY.split("|"):
        reverse(name)  # raises NoReverseMatch for a name no URL has: the matcher would leave out nothing


def test_a_failing_redis_alerts_on_its_failure_counter(built):
    rule = _rule(built, "BackendRedisFailing")

    assert " ".join(rule["expr"].split()) == (
        'sum by (namespace) (increase(redis_failures_total{job="backend"}[5m])) > 0'
    )
    assert rule["for"] == "5m"


def test_the_error_ratio_alert_needs_a_minimum_request_rate(built):
    [rule] = [
        r for g in built["PrometheusRule"]["spec"]["groups"] for r in g["rules"] if r["alert"] == "BackendHighErrorRate"
    ]

    assert " ".join(rule["expr"].split()).endswith("[5m])) > 1")
    assert " and on (namespace) " in " ".join(rule["expr"].split())


def test_a_failing_scrape_alerts(built):
    [rule] = [
        r for g in built["PrometheusRule"]["spec"]["groups"] for r in g["rules"] if r["alert"] == "BackendScrapeFailing"
    ]

    assert rule["expr"].strip() == 'up{job="backend"} == 0'


def test_no_available_replica_alerts_from_the_deployment_itself(built):
    # (a scrape-based alert sees nothing once every pod is gone: no target, no `up` series)
    [rule] = [
        r
        for g in built["PrometheusRule"]["spec"]["groups"]
        for r in g["rules"]
        if r["alert"] == "BackendNoReplicasAvailable"
    ]
    [deployment] = [
        doc
        for doc in kustomize(ROOT / "k8s" / "overlays" / "prod")
        if doc["kind"] == "Deployment" and doc["metadata"]["labels"]["app.kubernetes.io/name"] == "backend"
    ]

    [selector] = _selectors(rule["expr"])
    assert selector.name == "kube_deployment_status_replicas_available"
    assert [(m.name, m.value) for m in selector.matchers.matchers] == [("deployment", deployment["metadata"]["name"])]
    assert " ".join(rule["expr"].split()).endswith(") == 0")
    assert rule["labels"]["severity"] == "critical"


def test_the_dashboard_is_per_namespace_and_lets_grafana_pick_its_uid(built):
    dashboard = _dashboard(built)
    variables = {variable["name"]: variable for variable in dashboard["templating"]["list"]}

    assert "uid" not in dashboard  # a fixed uid would clash when two namespaces ship this dashboard
    assert variables["namespace"]["query"]["query"] == 'label_values(up{job="backend"}, namespace)'
    for expr in _dashboard_expressions(built):
        for selector in _selectors(expr):
            assert any(m.name == "namespace" and m.value == "$namespace" for m in selector.matchers.matchers), expr


def test_the_service_monitor_names_the_job_after_the_app_label(built):
    monitor, service = built["ServiceMonitor"], built["Service"]

    assert monitor["spec"]["jobLabel"] == "app.kubernetes.io/name"
    assert service["metadata"]["labels"]["app.kubernetes.io/name"] == "backend"  # so job="backend"


def test_the_scrape_token_the_service_monitor_documents_is_the_one_the_pods_read():
    # Given the authorization the ServiceMonitor says to add when METRICS_TOKEN is set
    text = (ROOT / "k8s" / "components" / "monitoring" / "servicemonitor.yaml").read_text()
    [(secret, key)] = re.findall(r"credentials: \{name: ([\w-]+), key: (\w+)\}", text)
    # When the production pods are rendered
    docs = kustomize(ROOT / "k8s" / "overlays" / "prod")
    [config] = [d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"].startswith("sad-backend-config")]
    [deployment] = [d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "backend"]
    token_file = Path(config["data"]["METRICS_TOKEN_FILE"])
    pod = deployment["spec"]["template"]["spec"]
    [mount] = [m for m in pod["containers"][0]["volumeMounts"] if Path(m["mountPath"]) == token_file.parent]
    [volume] = [v for v in pod["volumes"] if v["name"] == mount["name"]]

    # Then Prometheus sends the very Secret key the backend checks the token against (one token to rotate)
    assert (volume["secret"]["secretName"], token_file.name) == (secret, key)


def test_the_certificate_alerts_watch_the_ingress_certificate(built):
    rules = {r["alert"]: r for g in built["PrometheusRule"]["spec"]["groups"] for r in g["rules"]}
    ingress_tls = "web-tls"  # k8s/base/ingress.yaml's secretName, the Certificate cert-manager's ingress-shim creates

    for alert in (
        "BackendCertificateNotReady",
        "BackendCertificateRenewalOverdue",
        "BackendCertificateUnwatched",
        "BackendCertificateExpiresSoon",
    ):
        for selector in _selectors(rules[alert]["expr"]):
            # cert-manager names the Certificate after the Secret; kube-state-metrics names the Ingress' secret
            matchers = selector.matchers.matchers
            assert any(m.name in {"name", "secret"} and m.value == ingress_tls for m in matchers), alert
    assert rules["BackendCertificateExpiresSoon"]["labels"]["severity"] == "critical"
    assert "< 7 * 86400" in rules["BackendCertificateExpiresSoon"]["expr"]


def test_an_ingress_certificate_no_cert_manager_metric_watches_alerts(built):
    # Given the expiry alerts read cert-manager's metrics, which its chart does not expose to Prometheus by default
    [rule] = [
        r
        for g in built["PrometheusRule"]["spec"]["groups"]
        for r in g["rules"]
        if r["alert"] == "BackendCertificateUnwatched"
    ]
    expr = " ".join(rule["expr"].split())

    # Then the namespaces whose Ingress serves the certificate without any cert-manager series for it alert, per
    # namespace: cert-manager's exported_namespace becomes namespace, and an absent one (honorLabels) leaves it be
    [left, right] = expr.split(" unless on (namespace) ")
    assert [s.name for s in _selectors(left)] == ["kube_ingress_tls"]
    assert [s.name for s in _selectors(right)] == ["certmanager_certificate_expiration_timestamp_seconds"]
    assert '"namespace", "$1", "exported_namespace", "(.+)"' in right


def _rule(built: dict[str, dict], alert: str) -> dict:
    [rule] = [r for g in built["PrometheusRule"]["spec"]["groups"] for r in g["rules"] if r["alert"] == alert]
    return rule


@pytest.mark.parametrize("overlay", ["prod", "prod-mongodb", "staging"])
def test_every_scheduled_job_the_overlays_run_is_watched_and_nothing_else(built, overlay):
    # Given the CronJobs an overlay renders (the purges: a failing one lets sessions and audit rows pile up unseen)
    docs = kustomize(ROOT / "k8s" / "overlays" / overlay)
    cronjobs = {doc["metadata"]["name"] for doc in docs if doc["kind"] == "CronJob"}
    assert cronjobs
    rule = _rule(built, "BackendScheduledJobFailing")

    # Then every selector of the alert matches each of them by name, and not the backend's other objects
    for selector in _selectors(rule["expr"]):
        [matcher] = [m for m in selector.matchers.matchers if m.name == "cronjob"]
        assert str(matcher.op) == str(promql_parser.MatchOp.Re)
        assert all(re.fullmatch(matcher.value, name) for name in cronjobs), (matcher.value, cronjobs)
        assert not any(re.fullmatch(matcher.value, name) for name in ("backend", "backend-migrate", "frontend"))


def test_a_scheduled_job_alerts_when_its_latest_run_did_not_succeed_or_none_ever_did(built):
    rule = _rule(built, "BackendScheduledJobFailing")
    expr = " ".join(rule["expr"].split())

    # Then it compares the latest schedule with the latest success, or alerts on no success at all
    [later, never] = expr.split(" or ")
    assert [s.name for s in _selectors(later)] == [
        "kube_cronjob_status_last_schedule_time",
        "kube_cronjob_status_last_successful_time",
    ]
    assert ") > max by (namespace, cronjob) (" in later
    assert " unless on (namespace, cronjob) kube_cronjob_status_last_successful_time" in never
    # and waits longer than a run may take, so a run still going is not a failure
    deadlines = {
        doc["spec"]["jobTemplate"]["spec"]["activeDeadlineSeconds"]
        for doc in kustomize(ROOT / "k8s" / "overlays" / "prod")
        if doc["kind"] == "CronJob"
    }
    assert promql_parser.parse_duration(rule["for"]).total_seconds() > max(deadlines)


def test_a_failed_migration_alerts_on_the_job_the_overlays_run(built):
    rule = _rule(built, "BackendMigrationFailed")
    [job] = [d for d in kustomize(ROOT / "k8s" / "overlays" / "prod") if d["kind"] == "Job"]

    [selector] = _selectors(rule["expr"])
    assert selector.name == "kube_job_failed"
    assert {(m.name, m.value) for m in selector.matchers.matchers} == {
        ("job_name", job["metadata"]["name"]),
        ("condition", "true"),
    }
    assert rule["labels"]["severity"] == "critical"
