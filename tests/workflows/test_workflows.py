"""Policy for .github/ that the JSON schemas of `make workflows-check` cannot express.

Pinned actions, read-only default permissions, Makefile targets that exist, CI covering every step of
`make test`, both Dockerfiles built by images.yml, and deploy.yml's overlays and production gate.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.workflows.github import (
    ROOT,
    action_files,
    load,
    make_targets_called,
    makefile_targets,
    makefile_variable,
    pin_violation,
    source_line,
    steps,
    uses_references,
    workflow,
    workflow_files,
)

WRITE_SCOPES_OF_THE_IMAGES_JOB = {
    "contents": "read",
    "packages": "write",
    "id-token": "write",
    "attestations": "write",
}
SKIPPED_DIRS = {".git", ".venv", "node_modules", "var"}


def test_the_workflows_and_actions_these_tests_read_exist():
    names = {path.name for path in workflow_files()}

    assert {"ci.yml", "deploy.yml", "images.yml"} <= names
    assert {"deploy-overlay", "python-venv"} <= {path.parent.name for path in action_files()}


@pytest.mark.parametrize(
    ("ref", "line", "reason"),
    [
        ("actions/checkout@main", "uses: actions/checkout@main", "'main' is not a version tag (a branch moves)"),
        ("docker/login-action", "uses: docker/login-action", "no version"),
        ("azure/setup-kubectl@v4", "uses: azure/setup-kubectl@v4", "third-party action pinned to 'v4', not a full"),
        ("azure/setup-kubectl@" + "a" * 40, "uses: azure/setup-kubectl@" + "a" * 40, "commit SHA without"),
        # A container step's image is pulled by tag unless a digest pins it.
        ("docker://aquasec/trivy:0.58.1", "uses: docker://aquasec/trivy:0.58.1", "docker image without a digest"),
        ("docker://aquasec/trivy", "uses: docker://aquasec/trivy", "docker image without a digest"),
        ("docker://aquasec/trivy@sha256:abc", "uses: docker://aquasec/trivy@sha256:abc", "docker image without a"),
    ],
)
def test_the_pin_rule_rejects_branches_bare_names_and_third_party_tags(ref, line, reason):
    violation = pin_violation(ref, line)

    assert violation is not None
    assert violation.startswith(reason)


def test_the_pin_rule_accepts_major_tags_of_official_actions_commented_shas_of_others_and_image_digests():
    sha = "b" * 40

    assert pin_violation("actions/setup-python@v6", "uses: actions/setup-python@v6") is None
    assert pin_violation(f"azure/setup-kubectl@{sha}", f"uses: azure/setup-kubectl@{sha}  # v4.0.1") is None
    assert pin_violation("./.github/actions/python-venv", "uses: ./.github/actions/python-venv") is None
    pinned = "docker://aquasec/trivy:0.58.1@sha256:" + "c" * 64
    assert pin_violation(pinned, f"uses: {pinned}") is None
    assert pin_violation(pinned.replace(":0.58.1", ""), f"uses: {pinned.replace(':0.58.1', '')}") is None


def test_every_action_used_is_pinned_to_a_version_tag_or_a_full_commit_sha():
    violations = [
        f"{path.relative_to(ROOT)}: {ref}: {reason}"
        for path in workflow_files() + action_files()
        for ref in uses_references(path)
        if (reason := pin_violation(ref, source_line(path, ref)))
    ]

    assert violations == []


def test_every_local_action_used_exists():
    local = {ref for path in workflow_files() for ref in uses_references(path) if ref.startswith("./")}

    assert local == {"./.github/actions/python-venv", "./.github/actions/deploy-overlay"}
    for ref in local:
        assert (ROOT / ref / "action.yml").is_file(), ref


@pytest.mark.parametrize("path", workflow_files(), ids=lambda path: path.name)
def test_the_workflow_token_is_read_only_unless_a_job_asks_for_more(path):
    permissions = load(path)["permissions"]

    assert permissions == {"contents": "read"}


def test_only_the_image_build_and_deploy_jobs_may_write_and_only_what_they_need():
    writers = {
        (path.name, job_id): job["permissions"]
        for path in workflow_files()
        for job_id, job in load(path)["jobs"].items()
        if "write" in (job.get("permissions") or {}).values()
    }

    # The deploy jobs write nothing: id-token lets them ask GitHub for their OIDC token (the cluster's credential).
    assert writers == {
        ("images.yml", "build"): WRITE_SCOPES_OF_THE_IMAGES_JOB,
        ("deploy.yml", "staging"): {"contents": "read", "id-token": "write"},
        ("deploy.yml", "production"): {"contents": "read", "id-token": "write"},
    }


def test_no_script_interpolates_an_expression_in_the_composite_actions():
    # Inputs reach the scripts through `env:`; an expression inside `run:` would be pasted into bash as code.
    interpolated = [
        f"{path.parent.name}: {step.get('name', step['run'][:40])}"
        for path in action_files()
        for _, step in steps(path)
        if "${{" in step.get("run", "")
    ]

    assert interpolated == []


@pytest.mark.parametrize("path", workflow_files() + action_files(), ids=lambda path: path.parent.name + "/" + path.name)
def test_every_make_target_called_exists_in_the_makefile(path):
    missing = make_targets_called(path) - makefile_targets()

    assert missing == set(), f"{path.name} calls targets the Makefile lacks: {sorted(missing)}"


def test_ci_runs_every_step_of_make_test_and_the_mongodb_suite():
    called = make_targets_called(ROOT / ".github" / "workflows" / "ci.yml")

    missing = (set(makefile_variable("TEST_STEPS").split()) | {"test-mongodb"}) - called

    assert missing == set(), f"ci.yml does not run: {sorted(missing)}"


def test_the_aggregate_ci_job_needs_every_other_job_and_runs_whatever_they_did():
    jobs = workflow("ci.yml")["jobs"]
    aggregate = jobs["ci-ok"]

    assert sorted(aggregate["needs"]) == sorted(set(jobs) - {"ci-ok"})
    assert aggregate["if"] == "${{ always() }}"
    assert 'select(.value.result != "success")' in aggregate["steps"][0]["run"]


def test_ci_caches_pip_on_the_requirements_and_npm_on_the_lockfile():
    (setup_python,) = [step for _, step in steps(ROOT / ".github/actions/python-venv/action.yml") if "uses" in step][:1]
    setup_nodes = [step for _, step in steps(ROOT / ".github/workflows/ci.yml") if "setup-node" in step.get("uses", "")]

    assert setup_python["uses"].startswith("actions/setup-python@")
    assert setup_python["with"] == {
        "python-version": "3.11",
        "cache": "pip",
        "cache-dependency-path": "requirements*.txt",
    }
    assert len(setup_nodes) == 3  # frontend, e2e, and checks (`make schema` generates the SPA's types)
    for step in setup_nodes:
        assert step["with"] == {
            "node-version": "22",
            "cache": "npm",
            "cache-dependency-path": "frontend/package-lock.json",
        }


@pytest.mark.parametrize(
    ("schema", "files"),
    [
        ("vendor.github-actions", [str(path) for path in action_files()]),
        ("vendor.dependabot", [str(ROOT / ".github" / "dependabot.yml")]),
    ],
    ids=["composite actions", "dependabot"],
)
def test_the_files_workflows_check_does_not_cover_match_their_schema(schema, files):
    # `make workflows-check` validates .github/workflows/ only.
    checker = Path(sys.executable).parent / "check-jsonschema"

    result = subprocess.run(
        [str(checker), "--builtin-schema", schema, *files], capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stdout + result.stderr


def _dockerfiles_in_the_repository() -> set[str]:
    found = set()
    for path in ROOT.rglob("Dockerfile*"):
        relative = path.relative_to(ROOT)
        if path.is_file() and path.suffix != ".dockerignore" and not SKIPPED_DIRS & set(relative.parts):
            found.add(relative.as_posix())
    return found


def test_images_builds_and_pushes_every_dockerfile_of_the_repository_on_version_tags():
    images = workflow("images.yml")
    build = images["jobs"]["build"]
    built = {entry["dockerfile"] for entry in build["strategy"]["matrix"]["include"]}

    assert images["on"] == {"push": {"tags": ["v*"]}}
    assert built == _dockerfiles_in_the_repository()
    assert {entry["component"] for entry in build["strategy"]["matrix"]["include"]} == {"backend", "frontend"}
    for path in built:
        assert (ROOT / path).is_file(), path


def test_images_pushes_to_lowercase_ghcr_names_with_version_and_commit_tags_never_latest():
    build_steps = {step.get("id"): step for step in workflow("images.yml")["jobs"]["build"]["steps"]}

    assert build_steps["image"]["run"] == (
        'echo "name=ghcr.io/${GITHUB_REPOSITORY,,}-${COMPONENT}" >> "$GITHUB_OUTPUT"'
    )
    meta = build_steps["meta"]["with"]
    assert meta["flavor"] == "latest=false"
    assert meta["tags"].split() == [
        "type=semver,pattern={{version}}",
        "type=semver,pattern={{major}}.{{minor}}",
        "type=sha,format=long",
    ]


def test_images_are_pushed_with_a_build_cache_an_sbom_and_max_provenance_then_attested():
    build_steps = {step.get("id"): step for step in workflow("images.yml")["jobs"]["build"]["steps"]}
    push = build_steps["build"]["with"]
    attest = workflow("images.yml")["jobs"]["build"]["steps"][-1]

    assert push["push"] is True
    assert push["sbom"] is True
    assert push["provenance"] == "mode=max"
    assert push["cache-from"].startswith("type=gha,")
    assert "cache-to" not in push  # ci.yml's builds on main write it (test_image_cache.py)
    assert attest["uses"].startswith("actions/attest-build-provenance@")
    assert attest["with"]["subject-digest"] == "${{ steps.build.outputs.digest }}"


def _deploy_jobs() -> dict[str, dict]:
    return workflow("deploy.yml")["jobs"]


def _overlay_of(job: dict) -> str:
    (step,) = [step for step in job["steps"] if step.get("uses") == "./.github/actions/deploy-overlay"]
    return step["with"]["overlay"]


def test_deploy_overlays_exist_under_k8s_overlays():
    overlays = {job_id: _overlay_of(job) for job_id, job in _deploy_jobs().items() if job_id != "images"}

    assert overlays == {"staging": "k8s/overlays/staging", "production": "k8s/overlays/prod"}
    for overlay in overlays.values():
        assert (ROOT / overlay / "kustomization.yaml").is_file(), f"{overlay}/kustomization.yaml is missing"


def test_production_deploys_only_after_staging_through_the_production_environment():
    jobs = _deploy_jobs()

    assert jobs["production"]["environment"]["name"] == "production"
    assert "staging" in jobs["production"]["needs"]
    assert jobs["staging"]["environment"]["name"] == "staging"
    for job_id in ("staging", "production"):
        (step,) = [step for step in jobs[job_id]["steps"] if step.get("uses") == "./.github/actions/deploy-overlay"]
        # Each environment's own cluster, reached with the job's OIDC token: no stored credential at all.
        assert "kubeconfig" not in step["with"]
        assert step["with"]["cluster-server"] == "${{ vars.CLUSTER_SERVER }}"
        assert step["with"]["cluster-certificate-authority"] == "${{ vars.CLUSTER_CA }}"
        assert step["with"]["oidc-audience"] == "${{ vars.OIDC_AUDIENCE }}"
        assert step["with"]["environment"] == jobs[job_id]["environment"]["name"]


def test_deploy_runs_on_release_or_by_hand_with_an_image_tag_and_never_two_at_once():
    deploy = workflow("deploy.yml")

    assert deploy["on"]["release"] == {"types": ["published"]}
    assert deploy["on"]["workflow_dispatch"]["inputs"]["image-tag"]["required"] is True
    assert deploy["concurrency"] == {"group": "deploy", "cancel-in-progress": False}


def test_no_credentials_are_written_in_the_workflows():
    # Cluster access and registry logins come from secrets (and GITHUB_TOKEN), never from the files.
    text = "\n".join(path.read_text() for path in workflow_files() + action_files())

    assert re.findall(r"(?i)(client-key-data|client-certificate-data|token:\s*[A-Za-z0-9._-]{20,})", text) == []
    assert re.findall(r"password:\s*(?!\$\{\{ secrets\.)\S+", text) == []


def test_every_checkout_leaves_no_credentials_behind():
    # actions/checkout writes the token into .git/config unless told not to; any later step (or an uploaded
    # artifact of the workspace) could then read it (zizmor's artipacked).
    checkouts = [
        (path.name, job_id, step)
        for path in workflow_files() + action_files()
        for job_id, step in steps(path)
        if step.get("uses", "").startswith("actions/checkout@")
    ]

    assert checkouts
    assert [
        (name, job_id)
        for name, job_id, step in checkouts
        if step.get("with", {}).get("persist-credentials") is not False
    ] == []


def test_no_step_writes_the_job_wide_environment_or_path():
    # A write to GITHUB_ENV / GITHUB_PATH reaches every later step of the job, other actions' included.
    writers = [
        f"{path.relative_to(ROOT)}: {step.get('name', step['run'][:40])}"
        for path in workflow_files() + action_files()
        for _, step in steps(path)
        if re.search(r"\$\{?GITHUB_(ENV|PATH)\b", step.get("run", ""))
    ]

    assert writers == []


def test_zizmor_disables_only_the_audit_that_needs_github_to_fix():
    config = load(ROOT / ".github" / "zizmor.yml")

    assert config == {"rules": {"unpinned-uses": {"disable": True}}}
    assert "cannot be resolved offline" in (ROOT / ".github" / "zizmor.yml").read_text()


def test_workflows_check_runs_zizmor_offline_with_that_config():
    recipe = re.search(r"^workflows-check:.*\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text(), re.MULTILINE)

    assert recipe
    assert "$(BIN)/zizmor --offline --quiet --config .github/zizmor.yml .github/" in recipe[1]


def test_zizmor_reports_no_finding():
    zizmor = Path(sys.executable).parent / "zizmor"

    result = subprocess.run(
        [str(zizmor), "--offline", "--config", ".github/zizmor.yml", ".github/"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout


def test_no_workflow_reads_a_stored_cluster_credential():
    text = "\n".join(path.read_text() for path in workflow_files() + action_files())

    assert "secrets.KUBECONFIG" not in text
    assert "kubeconfig:" not in text.lower().replace("kubeconfig: ${{ runner.temp }}", "")


def test_images_are_built_only_after_ci_passed_on_that_commit_of_the_default_branch():
    jobs = workflow("images.yml")["jobs"]
    gate = jobs["ci-passed"]
    [check] = gate["steps"]

    assert jobs["build"]["needs"] == "ci-passed"
    assert gate["permissions"] == {"contents": "read", "checks": "read"}
    assert "check_name=ci%20ok" in check["run"]
    assert "completed:success)" in check["run"]
    assert "compare/$DEFAULT_BRANCH...$SHA" in check["run"]
    assert workflow("ci.yml")["jobs"]["ci-ok"]["name"] == "ci ok"  # the check run's name


def test_every_pull_request_builds_and_scans_both_images_without_pushing():
    job = workflow("ci.yml")["jobs"]["images"]
    built = {entry["dockerfile"] for entry in job["strategy"]["matrix"]["include"]}
    [build] = [step for step in job["steps"] if step.get("uses", "").startswith("docker/build-push-action@")]
    [scan] = [step for step in job["steps"] if step.get("uses", "").startswith("docker://aquasec/trivy:")]

    assert built == _dockerfiles_in_the_repository()
    assert build["with"]["push"] is False
    assert build["with"]["outputs"] == "type=docker,dest=${{ github.workspace }}/image.tar"
    args = scan["with"]["args"].split()
    assert args[:3] == ["image", "--input", "/github/workspace/image.tar"]
    assert {"--ignore-unfixed", "--no-progress"} <= set(args)
    assert args[args.index("--severity") + 1] == "CRITICAL,HIGH"
    assert args[args.index("--exit-code") + 1] == "1"
    assert job.get("permissions") is None  # the workflow's read-only token, nothing more


def test_the_deploy_verifies_each_digests_attestation_before_staging():
    jobs = workflow("deploy.yml")["jobs"]
    verify = jobs["images"]["steps"][-1]

    assert jobs["staging"]["needs"] == "images"
    assert jobs["images"]["permissions"] == {
        "packages": "read",
        "attestations": "read",
        "actions": "read",  # how images.yml's run for a release's tag ended
        "contents": "read",
    }
    assert 'gh attestation verify "oci://$image@$digest" --repo "$REPO"' in verify["run"]
    # The signer pinned with its ref: --signer-workflow alone matches images.yml run from any branch or pull request.
    assert '"${identity[@]}" --deny-self-hosted-runners' in verify["run"]
    assert '--cert-identity "$signer@refs/tags/v$TAG"' in verify["run"]
    assert "--signer-workflow" not in verify["run"]
    assert verify["env"]["BACKEND"] == "${{ steps.resolve.outputs.backend }}"
