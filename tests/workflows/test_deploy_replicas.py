"""The deploy action's apply order and its step that keeps the HPA's replica count, run as GitHub runs it.

The backend Deployment has no spec.replicas (the HPA owns the count), but one last applied from older manifests
with `replicas: 3` keeps that field in its last-applied-configuration annotation: a client-side `kubectl apply`
would delete it and scale the Deployment to 1 pod. The step drops it from the annotation first. `kubectl` is a
small script answering with the live objects and recording what it is asked to set; jq runs for real.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.workflows.github import ROOT, steps

ACTION = ROOT / ".github" / "actions" / "deploy-overlay" / "action.yml"
KEEP_COUNT = "Keep the HPA's replica count through the apply"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
NAMESPACE = "scalable-auth-dashboard"


def _step_names() -> list[str]:
    return [step.get("name", "") for _, step in steps(ACTION)]


def _step(name: str) -> dict:
    (step,) = [step for _, step in steps(ACTION) if step.get("name") == name]
    return step


def _applied(name: str, **spec) -> dict:
    """A Deployment's manifest as `kubectl apply` last wrote it into the annotation."""
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": {"selector": {"matchLabels": {"app.kubernetes.io/name": name}}, **spec},
    }


def _live(name: str, last_applied: dict | None, replicas: int) -> dict:
    annotations = {"deployment.kubernetes.io/revision": "4"}
    if last_applied is not None:
        annotations[LAST_APPLIED] = json.dumps(last_applied, separators=(",", ":"))
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": NAMESPACE, "annotations": annotations},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app.kubernetes.io/name": name}}},
    }


def _run(tmp_path: Path, live_output: str) -> tuple[subprocess.CompletedProcess, list[str], dict[str, dict]]:
    """The step with `kubectl get` printing ``live_output``; returns the result, kubectl's calls and the
    configurations each `apply set-last-applied` was given (by file name)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    deploy_dir = tmp_path / "deploy"
    deploy_dir.mkdir()
    (deploy_dir / "deployments.yaml").write_text("---\nkind: Deployment\n")
    (tmp_path / "live.json").write_text(live_output)
    received = tmp_path / "received"
    received.mkdir()
    (bin_dir / "kubectl").write_text(
        "#!/bin/bash\n"
        f'echo "$*" >> {tmp_path}/calls\n'
        f'if [ "$1" = get ]; then cat {tmp_path}/live.json; exit 0; fi\n'
        'if [ "$1 $2" = "apply set-last-applied" ]; then\n'
        '  while [ $# -gt 0 ]; do [ "$1" = -f ] && cp "$2" ' + str(received) + "/; shift; done; exit 0\n"
        "fi\n"
        "exit 3\n"
    )
    (bin_dir / "kubectl").chmod(0o755)
    (tmp_path / "calls").write_text("")
    script = tmp_path / "keep.sh"
    script.write_text(_step(KEEP_COUNT)["run"])
    env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "DEPLOY_DIR": str(deploy_dir)}
    bash = shutil.which("bash")
    assert bash is not None
    assert shutil.which("jq"), "jq is not installed: apt-get install -y jq (GitHub's runners have it)"
    result = subprocess.run(
        [bash, "-e", "-o", "pipefail", str(script)], env=env, capture_output=True, text=True, timeout=60
    )
    calls = (tmp_path / "calls").read_text().splitlines()
    configs = {path.name: json.loads(path.read_text()) for path in received.iterdir()}
    return result, calls, configs


def test_a_deployment_last_applied_with_replicas_forgets_them_and_nothing_else_before_the_apply(tmp_path):
    old_backend = _applied("backend", replicas=3, revisionHistoryLimit=5)
    live = {
        "apiVersion": "v1",
        "kind": "List",
        "items": [_live("backend", old_backend, replicas=7), _live("frontend", _applied("frontend"), replicas=2)],
    }

    result, calls, configs = _run(tmp_path, json.dumps(live))

    assert result.returncode == 0, result.stdout + result.stderr
    expected = _applied("backend", revisionHistoryLimit=5)  # the old configuration without replicas
    assert configs == {"last-applied-backend.json": expected}
    set_calls = [call for call in calls if call.startswith("apply set-last-applied")]
    assert set_calls == [
        f"apply set-last-applied --namespace {NAMESPACE} -f {tmp_path}/deploy/last-applied-backend.json"
    ]
    assert "deployment/backend: spec.replicas dropped from its last-applied configuration" in result.stdout
    assert "frontend" not in result.stdout


@pytest.mark.parametrize(
    "live_output",
    [
        "",  # no Deployment of the overlay exists yet (--ignore-not-found prints nothing)
        json.dumps({"apiVersion": "v1", "kind": "List", "items": []}),
        json.dumps(_live("backend", None, replicas=3)),  # created by `kubectl create`: no annotation
        json.dumps(_live("backend", _applied("backend"), replicas=3)),  # already without replicas
    ],
    ids=["nothing-live", "empty-list", "no-annotation", "no-replicas"],
)
def test_deployments_without_replicas_in_their_last_applied_configuration_are_left_alone(tmp_path, live_output):
    result, calls, configs = _run(tmp_path, live_output)

    assert result.returncode == 0, result.stdout + result.stderr
    assert configs == {}
    assert [call.split()[0] for call in calls] == ["get"]


def test_one_live_deployment_printed_alone_rather_than_in_a_list_is_handled_too(tmp_path):
    result, _, configs = _run(tmp_path, json.dumps(_live("backend", _applied("backend", replicas=3), replicas=5)))

    assert result.returncode == 0, result.stdout + result.stderr
    assert configs == {"last-applied-backend.json": _applied("backend")}


def test_the_replica_count_is_kept_before_the_deployments_are_applied():
    names = _step_names()
    keep = _step(KEEP_COUNT)

    assert names.index(KEEP_COUNT) < names.index("Roll out the Deployments")
    assert 'kubectl get -f "$DEPLOY_DIR/deployments.yaml" --ignore-not-found -o json' in keep["run"]
    assert "kubectl apply set-last-applied" in keep["run"]
    # Only one step applies the Deployments, the rollout: nothing applies them before the count is kept.
    applying = [
        name for name in names if 'kubectl apply -f "$DEPLOY_DIR/deployments.yaml"' in _step(name).get("run", "")
    ]
    assert applying == ["Roll out the Deployments"]


def test_the_cronjobs_get_the_new_image_only_after_the_smoke_test_passed():
    names = _step_names()
    schedule = _step("Schedule the CronJobs")
    applying = [name for name in names if "schedules.yaml" in _step(name).get("run", "")]

    # The render step writes schedules.yaml; the one step that applies it runs after the smoke test.
    assert applying == ["Render ${{ inputs.overlay }} with the release's images", "Schedule the CronJobs"]
    assert names.index("Smoke test through the public URL") < names.index("Schedule the CronJobs")
    assert names.index("Schedule the CronJobs") < names.index("Roll back the Deployments")
    assert 'kubectl apply -f "$DEPLOY_DIR/schedules.yaml"' in schedule["run"]
    assert "if" not in schedule  # only when every step before it succeeded
