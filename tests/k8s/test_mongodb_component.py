"""k8s/components/mongodb, built into the fixture under tests/k8s/mongodb/ with `kubectl kustomize`."""

import re
from pathlib import Path

from tests.k8s.kustomize import kustomize

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "k8s" / "mongodb"


def _pod_specs() -> dict[str, dict]:
    specs = {}
    for doc in kustomize(FIXTURE):
        spec = doc["spec"]["jobTemplate"]["spec"] if doc["kind"] == "CronJob" else doc["spec"]
        template = spec["template"]
        specs[f"{doc['kind']}/{doc['metadata']['name']}"] = template["spec"]
    return specs


def test_every_workload_reads_database_url_from_the_connection_string_secret():
    specs = _pod_specs()

    assert sorted(specs) == ["CronJob/purge-sessions", "Deployment/web", "Job/migrate"]
    for name, spec in specs.items():
        (container,) = spec["containers"]
        env = {item["name"]: item for item in container["env"]}
        assert env["DATABASE_URL"] == {
            "name": "DATABASE_URL",
            "valueFrom": {"secretKeyRef": {"name": "sad-mongodb-connection", "key": "connectionString"}},
        }, name
        assert env["MONGODB_SERVER_SELECTION_TIMEOUT_MS"]["value"] == "5000", name


def test_the_base_environment_is_kept_beside_the_override():
    web = _pod_specs()["Deployment/web"]

    assert web["containers"][0]["envFrom"] == [{"secretRef": {"name": "sad-env"}}]


def test_no_connection_string_with_credentials_or_a_host_is_committed_in_the_component():
    component = ROOT / "k8s" / "components" / "mongodb"

    found = [
        (path.name, match.group())
        for path in component.glob("*.yaml")
        for match in re.finditer(r"mongodb(\+srv)?://[^\s…]+", path.read_text())
    ]

    assert found == []
