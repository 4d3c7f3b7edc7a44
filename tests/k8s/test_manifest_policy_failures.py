"""Each check of test_rendered_manifests.py, on a purposely broken copy of the prod render, reports the break.

Without these, a check that silently passes everything would look the same as a clean render.
"""

import pytest

from tests.k8s import app_policy, policy, topology
from tests.k8s.kustomize import render_overlay
from tests.k8s.test_rendered_manifests import SPA_PATHS


@pytest.fixture
def prod() -> list[dict]:
    return render_overlay("prod")


def _backend(docs: list[dict]) -> dict:
    return policy.one(docs, "Deployment", "backend")["spec"]["template"]["spec"]["containers"][0]


def _pod(docs: list[dict], kind: str, name: str) -> dict:
    doc = policy.one(docs, kind, name)
    spec = doc["spec"]["jobTemplate"]["spec"] if kind == "CronJob" else doc["spec"]
    return spec["template"]["spec"]


def test_the_unbroken_prod_render_passes_every_check(prod):
    assert policy.security_violations(prod) == []
    assert app_policy.route_violations(prod, spa_paths=SPA_PATHS) == []


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("readOnlyRootFilesystem", False, "readOnlyRootFilesystem is not true"),
        ("allowPrivilegeEscalation", True, "allowPrivilegeEscalation is not false"),
        ("runAsNonRoot", False, "runAsNonRoot is not true"),
        ("capabilities", {"drop": ["ALL"], "add": ["NET_ADMIN"]}, "capabilities are not exactly 'drop ALL'"),
        ("seccompProfile", {"type": "Unconfined"}, "seccompProfile is not RuntimeDefault"),
    ],
)
def test_a_weakened_security_context_is_reported(prod, field, value, message):
    _pod(prod, "CronJob", "backend-purge-audit")["containers"][0]["securityContext"][field] = value
    assert policy.security_violations(prod) == [f"CronJob/backend-purge-audit/backend: {message}"]


def test_an_init_container_without_a_security_context_is_reported(prod):
    _pod(prod, "Job", "backend-migrate")["initContainers"] = [
        {"name": "wait", "image": "busybox:1.36", "resources": {}}
    ]
    assert "Job/backend-migrate/wait: readOnlyRootFilesystem is not true" in policy.security_violations(prod)
    assert "Job/backend-migrate/wait: no cpu request and limit" in policy.resource_violations(prod)


def test_a_mounted_service_account_token_is_reported(prod):
    _pod(prod, "Deployment", "frontend")["automountServiceAccountToken"] = True
    assert policy.security_violations(prod) == ["Deployment/frontend: automountServiceAccountToken is not false"]


def test_missing_limits_and_a_request_above_its_limit_are_reported(prod):
    del _backend(prod)["resources"]["limits"]["memory"]
    _pod(prod, "Deployment", "frontend")["containers"][0]["resources"]["requests"]["cpu"] = "2"
    assert policy.resource_violations(prod) == [
        "Deployment/backend/backend: no memory request and limit",
        "Deployment/frontend/frontend: cpu request above its limit",
    ]


def test_an_unbounded_emptydir_and_missing_ephemeral_storage_are_reported(prod):
    del _pod(prod, "Job", "backend-migrate")["volumes"][0]["emptyDir"]["sizeLimit"]
    del _backend(prod)["resources"]["requests"]["ephemeral-storage"]
    _pod(prod, "Deployment", "frontend")["containers"][0]["resources"]["limits"]["ephemeral-storage"] = "16Mi"
    assert sorted(policy.ephemeral_storage_violations(prod)) == [
        "Deployment/backend/backend: mounts an emptyDir but requests no ephemeral-storage",
        "Deployment/frontend/frontend: ephemeral-storage limit 16Mi is below its emptyDirs' sizeLimits",
        "Job/backend-migrate: emptyDir tmp has no sizeLimit",
    ]


def test_missing_probes_are_reported(prod):
    del _backend(prod)["startupProbe"]
    del _pod(prod, "Deployment", "frontend")["containers"][0]["livenessProbe"]
    assert policy.probe_violations(prod, startup_required={"backend"}) == [
        "Deployment/backend/backend: no startupProbe",
        "Deployment/frontend/frontend: no livenessProbe",
    ]


@pytest.mark.parametrize(
    ("image", "message"),
    [
        ("ghcr.io/example-org/scalable-auth-dashboard-backend:latest", "is :latest"),
        ("ghcr.io/example-org/scalable-auth-dashboard-backend", "has no tag"),
        ("localhost:5000/backend", "has no tag"),
    ],
)
def test_latest_and_untagged_images_are_reported(prod, image, message):
    _backend(prod)["image"] = image
    assert policy.image_violations(prod) == [f"Deployment/backend/backend: image {image} {message}"]


def test_a_service_selecting_job_pods_or_a_missing_port_is_reported(prod):
    backend = policy.one(prod, "Service", "backend")
    del backend["spec"]["selector"]["app.kubernetes.io/component"]
    policy.one(prod, "Service", "frontend")["spec"]["ports"][0]["targetPort"] = 80
    found = topology.service_violations(prod)
    assert "Service/backend selects the pods of Job/backend-migrate, which serve nothing" in found
    assert "Service/frontend port 8080: targetPort 80 is not on Deployment/frontend" in found


def test_an_ingress_that_misses_a_django_prefix_is_reported(prod):
    ingress = policy.one(prod, "Ingress", "web")
    paths = ingress["spec"]["rules"][0]["http"]["paths"]
    [admin] = [entry for entry in paths if entry["path"] == "/admin"]
    admin["path"] = "/administration"
    found = app_policy.route_violations(prod, spa_paths=SPA_PATHS)
    assert "app.example.com/admin/x: Django serves /admin but the Ingress sends it to frontend" in found
    assert "app.example.com/administration: routed to the backend, but no Django URL starts there" in found


def test_an_ingress_that_exposes_a_probe_or_metrics_is_reported(prod):
    paths = policy.one(prod, "Ingress", "web")["spec"]["rules"][0]["http"]["paths"]
    paths[-1]["backend"]["service"]["name"] = "backend"  # "/" to the backend
    found = app_policy.route_violations(prod, spa_paths=SPA_PATHS)
    assert "app.example.com/healthz: a probe path is public through the Ingress" in found
    assert "app.example.com/metrics: goes to backend, not the SPA's frontend" in found


def test_an_ingress_naming_a_missing_service_is_reported(prod):
    paths = policy.one(prod, "Ingress", "web")["spec"]["rules"][0]["http"]["paths"]
    paths[0]["backend"]["service"]["name"] = "api"
    assert topology.ingress_backend_violations(prod) == ["Ingress path /api: no Service api"]


def test_a_probe_on_the_spa_fallback_or_with_a_foreign_host_is_reported(prod):
    backend = _backend(prod)
    backend["startupProbe"]["httpGet"]["path"] = "/health"
    backend["readinessProbe"]["httpGet"]["httpHeaders"] = [{"name": "Host", "value": "pod.internal"}]
    assert app_policy.probe_violations(prod) == [
        "backend.startupProbe: /health is not a Django view",
        "backend.readinessProbe: Host 'pod.internal' is not in ALLOWED_HOSTS ['app.example.com', 'localhost']",
    ]


def test_a_readiness_timeout_shorter_than_readyz_can_take_is_reported(prod):
    [config] = [c for c in policy.of_kind(prod, "ConfigMap") if c["metadata"]["name"].startswith("sad-backend-config")]
    del config["data"]["DB_POOL_TIMEOUT"]  # the default, 10 s (.env.example)
    assert app_policy.readiness_violations(prod) == [
        "backend.readinessProbe: timeoutSeconds 8 <= /readyz's worst case 12 s"
    ]
    config["data"]["DB_POOL_TIMEOUT"] = "3"
    _backend(prod)["readinessProbe"]["timeoutSeconds"] = 3
    assert app_policy.readiness_violations(prod) == [
        "backend.readinessProbe: timeoutSeconds 3 <= /readyz's worst case 7 s"
    ]


def test_a_readiness_timeout_shorter_than_a_query_on_a_silent_database_can_take_is_reported(prod):
    # A pooled connection whose server went silent (a partition) holds /readyz's query for tcp_user_timeout: by
    # default (.env.example's 5000 ms) within the probe's 8 s with Redis' 2 s on top, not when raised.
    assert app_policy.readiness_violations(prod) == []
    [config] = [c for c in policy.of_kind(prod, "ConfigMap") if c["metadata"]["name"].startswith("sad-backend-config")]
    config["data"]["DB_TCP_USER_TIMEOUT_MS"] = "8000"
    assert app_policy.readiness_violations(prod) == [
        "backend.readinessProbe: timeoutSeconds 8 <= /readyz's worst case 10 s"
    ]


def test_hosts_body_size_and_proxy_count_out_of_step_with_django_are_reported(prod):
    [config] = [c for c in policy.of_kind(prod, "ConfigMap") if c["metadata"]["name"].startswith("sad-backend-config")]
    config["data"].update(
        ALLOWED_HOSTS="localhost", MAX_REQUEST_BODY_BYTES="1048576", TRUSTED_PROXY_COUNT="0", FRONTEND_URL="http://x"
    )
    assert app_policy.edge_violations(prod) == [
        "Ingress-nginx is the one proxy: TRUSTED_PROXY_COUNT=1 and FORWARDED_ALLOW_IPS set",
        "Ingress body limit 256k != MAX_REQUEST_BODY_BYTES 1048576",
        "Ingress host app.example.com is not in ALLOWED_HOSTS ['localhost']",
        "FRONTEND_URL http://x is not https://app.example.com",
        "CSRF_TRUSTED_ORIGINS ['https://app.example.com'] lacks http://x",
    ]


def test_an_hpa_on_a_missing_deployment_or_at_the_pdbs_floor_is_reported(prod):
    hpa = policy.one(prod, "HorizontalPodAutoscaler", "backend")
    pdb = policy.one(prod, "PodDisruptionBudget", "backend")
    del pdb["spec"]["maxUnavailable"]
    pdb["spec"]["minAvailable"] = 3
    assert topology.hpa_violations(prod) == ["HPA/backend: minReplicas 3 <= PDB minAvailable 3"]
    assert topology.pdb_violations(prod) == ["PDB/backend: no pod of 3 may ever be evicted"]
    hpa["spec"]["scaleTargetRef"]["name"] = "web"
    assert topology.hpa_violations(prod) == ["HPA/backend targets Deployment/web, which is not rendered"]


def test_an_hpa_on_memory_on_a_tiny_request_or_fighting_spec_replicas_is_reported(prod):
    hpa = policy.one(prod, "HorizontalPodAutoscaler", "backend")
    hpa["spec"]["metrics"].append({"type": "Resource", "resource": {"name": "memory", "target": {}}})
    policy.one(prod, "Deployment", "backend")["spec"]["replicas"] = 3
    _backend(prod)["resources"]["requests"]["cpu"] = "250m"
    assert topology.hpa_violations(prod) == [
        "HPA/backend: Deployment/backend sets spec.replicas, which every apply would reset the count to",
        "HPA/backend: does not scale on CPU alone",
        "HPA/backend: backend requests 250m CPU, under half its limit 1: a utilization target on so small a "
        "request scales out long before a pod is busy",
    ]


def test_a_pdb_that_allows_no_eviction_is_reported(prod):
    policy.one(prod, "PodDisruptionBudget", "frontend")["spec"]["maxUnavailable"] = 0
    assert topology.pdb_violations(prod) == ["PDB/frontend: no pod of 3 may ever be evicted"]


def test_network_policies_on_no_pod_or_any_port_are_reported(prod):
    policy.one(prod, "NetworkPolicy", "frontend-ingress")["spec"]["podSelector"] = {"matchLabels": {"app": "web"}}
    ingress = policy.one(prod, "NetworkPolicy", "backend-ingress")["spec"]["ingress"][0]
    ingress["from"][1]["podSelector"]["matchLabels"]["app.kubernetes.io/name"] = "spa"
    ingress["ports"][0]["port"] = "web"
    del policy.one(prod, "NetworkPolicy", "backend-egress-smtp")["spec"]["egress"][0]["ports"]
    assert topology.network_policy_violations(prod) == [
        "NetworkPolicy/backend-egress-smtp: an egress rule allows every port",
        "NetworkPolicy/backend-ingress: peer {'matchLabels': {'app.kubernetes.io/component': 'server', "
        "'app.kubernetes.io/name': 'spa'}} matches no pod",
        "NetworkPolicy/backend-ingress: port web not declared by ['Deployment/backend']",
        "NetworkPolicy/frontend-ingress: podSelector {'matchLabels': {'app': 'web'}} matches no pod",
    ]


def test_jobs_on_another_image_or_an_unknown_command_are_reported(prod):
    _pod(prod, "Job", "backend-migrate")["containers"][0]["image"] = "ghcr.io/example-org/other:1.0.0"
    _pod(prod, "CronJob", "backend-purge-audit")["containers"][0]["command"] = ["python", "manage.py", "purge_logs"]
    assert sorted(app_policy.job_violations(prod)) == [
        "CronJob/backend-purge-audit: ['python', 'manage.py', 'purge_logs'] "
        "is not a management command of this project",
        "CronJobs run ['purge_idempotency_keys', 'purge_sessions'], not purge_audit, purge_idempotency_keys, "
        "purge_sessions",
        "Job/backend-migrate: image ghcr.io/example-org/other:1.0.0 is not the backend's "
        "ghcr.io/example-org/scalable-auth-dashboard-backend:0.1.0",
    ]


def test_a_job_that_may_replace_a_pod_still_terminating_is_reported(prod):
    del policy.one(prod, "Job", "backend-migrate")["spec"]["podReplacementPolicy"]
    assert app_policy.job_violations(prod) == ["Job/backend-migrate: podReplacementPolicy is not Failed"]


def test_an_egress_port_added_in_any_policy_is_counted(prod):
    policy.one(prod, "NetworkPolicy", "backend-egress-redis")["spec"]["egress"][0]["ports"].append({"port": 27017})
    assert 27017 in topology.egress_ports(prod, {"app.kubernetes.io/name": "backend"})


def test_unbounded_request_time_and_an_http_liveness_probe_are_reported(prod):
    [config] = [c for c in policy.of_kind(prod, "ConfigMap") if c["metadata"]["name"].startswith("sad-backend-config")]
    config["data"].update(DB_STATEMENT_TIMEOUT="40", DB_LOCK_TIMEOUT="0")
    migrate = _pod(prod, "Job", "backend-migrate")["containers"][0]
    migrate["env"] = [e for e in migrate["env"] if e["name"] != "DB_LOCK_TIMEOUT"]
    backend = _backend(prod)
    backend["livenessProbe"] = {"httpGet": {"path": "/healthz", "port": "http"}, "failureThreshold": 3}
    assert app_policy.request_time_violations(prod) == [
        "DB_STATEMENT_TIMEOUT 40 s is not between 0 and the Ingress' read timeout 35 s",
        "DB_LOCK_TIMEOUT 0 s is not between 0 and DB_STATEMENT_TIMEOUT 40 s",
        "Job/backend-migrate: DB_LOCK_TIMEOUT 0 s is not a short lock wait (0 < s <= 5)",
        "backend.livenessProbe: not a tcpSocket probe (an HTTP one waits behind busy request threads)",
        "backend.livenessProbe: restarts after less than 60 s of failures",
    ]


def test_a_pool_smaller_than_the_request_and_background_threads_is_reported(prod):
    [config] = [c for c in policy.of_kind(prod, "ConfigMap") if c["metadata"]["name"].startswith("sad-backend-config")]
    config["data"].update(GUNICORN_THREADS="4", DB_POOL_MAX_SIZE="5")
    assert app_policy.pool_violations(prod) == [
        "gunicorn.conf.py: GUNICORN_THREADS=4 plus 2 background threads exceed DB_POOL_MAX_SIZE=5; "
        "threads will wait for database connections."
    ]
