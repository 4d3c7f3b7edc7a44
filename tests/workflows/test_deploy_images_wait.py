"""deploy.yml's image step, run as GitHub runs it (bash -e -o pipefail) with stand-ins for the registry and GitHub.

A release waits for images.yml to push the images of its tag, and gives up at once when images.yml's run for that
tag ended without success, instead of holding the deploy queue for the whole wait. A manual deploy never waits.
`docker`, `gh`, `jq` and `sleep` are small scripts on PATH that record their calls: the step's own logic runs for real.
"""

import os
import shutil
import subprocess
from pathlib import Path

from tests.workflows.github import workflow

DIGEST = "sha256:" + "3" * 64


def _resolve_step() -> dict:
    (step,) = [s for s in workflow("deploy.yml")["jobs"]["images"]["steps"] if s.get("id") == "resolve"]
    return step


def _stub(bin_dir: Path, name: str, body: str) -> None:
    path = bin_dir / name
    path.write_text(f'#!/bin/bash\necho "$0 $*" >> {bin_dir}/calls\n{body}\n')
    path.chmod(0o755)


def _run(
    tmp_path: Path, *, wait_seconds: str, pushed_after: int, images_run: str
) -> tuple[subprocess.CompletedProcess, list[str], str]:
    """The step with GHCR answering from the ``pushed_after``-th inspection on (0: never) and ``gh`` printing
    ``images_run`` as images.yml's conclusion ('' while it runs)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "calls").write_text("")
    count = bin_dir / "inspections"
    count.write_text("0")
    _stub(
        bin_dir,
        "docker",
        f"n=$(( $(cat {count}) + 1 )); echo $n > {count}\n"
        f"if [ {pushed_after} -gt 0 ] && [ $n -ge {pushed_after} ]; then echo '{{}}'; exit 0; fi\n"
        "echo 'ERROR: not found' >&2; exit 1",
    )
    _stub(bin_dir, "gh", f"printf '%s' '{images_run}'")
    _stub(bin_dir, "jq", f"echo {DIGEST}")
    _stub(bin_dir, "sleep", "exit 0")
    output = tmp_path / "github_output"
    output.write_text("")
    script = tmp_path / "resolve.sh"
    script.write_text(_resolve_step()["run"])
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "TAG": "1.2.3",
        "WAIT_SECONDS": wait_seconds,
        "RELEASE_TAG": "v1.2.3",
        "GH_TOKEN": "token",
        "GITHUB_REPOSITORY": "Acme/Dashboard",
        "GITHUB_OUTPUT": str(output),
    }
    bash = shutil.which("bash")
    assert bash is not None
    result = subprocess.run(
        [bash, "-e", "-o", "pipefail", str(script)], env=env, capture_output=True, text=True, timeout=60
    )
    calls = [line.split()[0].rsplit("/", 1)[-1] for line in (bin_dir / "calls").read_text().splitlines()]
    return result, calls, output.read_text()


def test_a_release_gives_up_at_once_when_images_yml_failed_for_its_tag(tmp_path):
    result, calls, _ = _run(tmp_path, wait_seconds="6900", pushed_after=0, images_run="failure")

    assert result.returncode == 1
    assert "images.yml's run for v1.2.3 ended 'failure'" in result.stdout
    assert "sleep" not in calls  # not one wait


def test_a_release_waits_while_images_yml_runs_then_takes_the_pushed_images(tmp_path):
    result, calls, output = _run(tmp_path, wait_seconds="6900", pushed_after=3, images_run="")

    assert result.returncode == 0, result.stdout + result.stderr
    assert calls.count("sleep") == 2  # two inspections found nothing yet
    assert "gh" in calls
    assert output.splitlines() == [
        f"backend=ghcr.io/acme/dashboard-backend:1.2.3@{DIGEST}",
        f"frontend=ghcr.io/acme/dashboard-frontend:1.2.3@{DIGEST}",
    ]


def test_a_manual_deploy_of_a_tag_that_was_never_pushed_fails_without_waiting_or_asking_github(tmp_path):
    result, calls, _ = _run(tmp_path, wait_seconds="0", pushed_after=0, images_run="failure")

    assert result.returncode == 1
    assert "ghcr.io/acme/dashboard-backend:1.2.3 not found in GHCR" in result.stdout
    assert "sleep" not in calls
    assert "gh" not in calls
