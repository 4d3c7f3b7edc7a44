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


def test_every_django_workload_reads_database_url_from_the_connection_string_secret():
    specs = _pod_specs()
    del specs["Deployment/frontend"]

    assert sorted(specs) == ["CronJob/purge-sessions", "Deployment/backend", "Job/migrate"]
    for name, spec in specs.items():
        (container,) = spec["containers"]
        env = {item["name"]: item for item in container["env"]}
        # Mounted as a file, never an environment variable (config/secret_files.py reads DATABASE_URL_FILE).
        assert "DATABASE_URL" not in env, name
        assert env["DATABASE_URL_FILE"]["value"] == "/run/secrets/sad-mongodb-connection/connectionString", name
        [mount] = [m for m in container["volumeMounts"] if m["mountPath"] == "/run/secrets/sad-mongodb-connection"]
        assert mount["readOnly"] is True, name
        [volume] = [v for v in spec["volumes"] if v["name"] == mount["name"]]
        assert volume["secret"] == {"secretName": "sad-mongodb-connection", "defaultMode": 0o440}, name
        assert env["MONGODB_SERVER_SELECTION_TIMEOUT_MS"]["value"] == "5000", name


def test_the_base_environment_is_kept_beside_the_override():
    backend = _pod_specs()["Deployment/backend"]

    assert backend["containers"][0]["envFrom"] == [{"secretRef": {"name": "sad-env"}}]


def test_workloads_that_do_not_run_django_are_left_alone():
    frontend = _pod_specs()["Deployment/frontend"]

    assert frontend["containers"] == [{"name": "frontend", "image": "scalable-auth-dashboard-frontend:fixture"}]


def test_no_connection_string_with_credentials_or_a_host_is_committed_in_the_component():
    component = ROOT / "k8s" / "components" / "mongodb"

    found = [
        (path.name, match.group())
        for path in component.glob("*.yaml")
        for match in re.finditer(r"mongodb(\+srv)?://[^\s…]+", path.read_text())
    ]

    assert found == []
