"""k8s/deployer, the identity deploy.yml applies the overlays with: everything they render, nothing more sensitive.

The kinds come from the rendered staging, prod and prod-mongodb overlays; the extra verbs from the kubectl calls of
.github/actions/deploy-overlay (delete and wait for the Job, rollout status, describe, logs, events).
"""

import pytest

from tests.k8s.kustomize import ROOT, kustomize, render_overlay

DEPLOYED = ["staging", "prod", "prod-mongodb"]
# Client-side `kubectl apply`: GET the live object, then POST it or PATCH it.
APPLY = ("get", "create", "patch")
# The deploy action's other calls: `kubectl delete -f jobs.yaml --wait` and `kubectl wait` on the Job,
# `kubectl rollout status` and `get -f` on the Deployments, describe, logs and events when one fails, and
# `kubectl rollout undo` (patch, reading the ReplicaSets) when the rollout or the smoke test fails.
ACTION = {
    ("batch", "jobs"): ("delete", "get", "list", "watch"),
    ("apps", "deployments"): ("get", "list", "watch", "patch"),
    ("apps", "replicasets"): ("list",),
    ("", "pods"): ("get", "list"),
    ("", "pods/log"): ("get",),
    ("", "events"): ("list",),
}
FORBIDDEN = {
    ("", "namespaces"),
    ("", "secrets"),
    ("rbac.authorization.k8s.io", "roles"),
    ("rbac.authorization.k8s.io", "rolebindings"),
}


def _plural(kind: str) -> str:
    lower = kind.lower()
    if lower.endswith("y"):
        return lower[:-1] + "ies"
    return lower + ("es" if lower.endswith("s") else "s")


def _resource(doc: dict) -> tuple[str, str]:
    group = doc["apiVersion"].rpartition("/")[0]
    return group, _plural(doc["kind"])


SUBJECT = "github:repo:example-org/scalable-auth-dashboard:environment:{}"


def _rbac(environment: str) -> tuple[dict, dict]:
    docs = kustomize(ROOT / "k8s" / "deployer" / environment)
    [role] = [doc for doc in docs if doc["kind"] == "Role"]
    [binding] = [doc for doc in docs if doc["kind"] == "RoleBinding"]
    # No ServiceAccount: nothing whose token could be stored and leak (GitHub OIDC instead).
    assert {doc["kind"] for doc in docs} == {"Role", "RoleBinding"}
    return role, binding


@pytest.mark.parametrize("environment", ["production", "staging"])
def test_each_cluster_binds_only_its_own_environments_oidc_subject(environment):
    _role, binding = _rbac(environment)

    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "deployer"}
    assert binding["subjects"] == [
        {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": SUBJECT.format(environment)}
    ]
    assert binding["metadata"]["namespace"] == "scalable-auth-dashboard"


@pytest.fixture(scope="module")
def grants() -> set[tuple[str, str, str]]:
    role, _binding = _rbac("production")
    assert role == _rbac("staging")[0]
    return {
        (group, resource, verb)
        for rule in role["rules"]
        for group in rule["apiGroups"]
        for resource in rule["resources"]
        for verb in rule["verbs"]
    }


def test_the_plural_resource_names_match_the_kubernetes_api():
    assert [_plural(kind) for kind in ("Ingress", "NetworkPolicy", "HorizontalPodAutoscaler", "ConfigMap")] == [
        "ingresses",
        "networkpolicies",
        "horizontalpodautoscalers",
        "configmaps",
    ]


@pytest.mark.parametrize("overlay", DEPLOYED)
def test_the_deployer_may_apply_every_namespaced_object_the_overlay_renders(grants, overlay):
    needed = {
        (*_resource(doc), verb) for doc in render_overlay(overlay) if doc["kind"] != "Namespace" for verb in APPLY
    }
    assert sorted(needed - grants) == []


def test_the_deployer_may_run_the_migrations_and_report_a_failed_rollout(grants):
    needed = {(group, resource, verb) for (group, resource), verbs in ACTION.items() for verb in verbs}
    assert sorted(needed - grants) == []


def test_the_deployer_may_not_touch_the_namespace_secrets_or_rbac(grants):
    assert {(group, resource) for group, resource, _ in grants} & FORBIDDEN == set()
    assert [grant for grant in grants if "*" in grant] == []
