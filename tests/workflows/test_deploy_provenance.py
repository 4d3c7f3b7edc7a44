"""deploy.yml's provenance step, run as GitHub runs it (bash -e -o pipefail) with a `gh` that records its arguments.

An image is deployed only if images.yml signed its attestation from a version tag: images.yml's `on:` is pushed
`v*` tags, so a signature from a branch or a pull request ref (where images.yml can be rewritten) is refused. The
identity gh is given must pin that ref, exactly for a version and by an anchored regex (checked here with Python's
`re`, which reads these patterns as gh's Go regexp does) for a commit's or a minor line's image.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.workflows.github import workflow

REPO = "Acme/Dashboard"
SIGNER = f"https://github.com/{REPO}/.github/workflows/images.yml"
BACKEND_DIGEST = "sha256:" + "1" * 64
FRONTEND_DIGEST = "sha256:" + "2" * 64
COMMIT_TAG = "sha-" + "c" * 40


def _verify_step() -> dict:
    (step,) = [s for s in workflow("deploy.yml")["jobs"]["images"]["steps"] if s.get("name", "").startswith("Verify")]
    return step


def _run(tmp_path: Path, tag: str) -> list[list[str]]:
    """The step for image tag ``tag``; returns the arguments of each `gh` call."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls"
    # One call per line, its arguments separated by a unit separator (they hold spaces and regex characters).
    (bin_dir / "gh").write_text(f"#!/bin/bash\n(IFS=$'\\x1f'; echo \"$*\") >> {calls}\n")
    (bin_dir / "gh").chmod(0o755)
    script = tmp_path / "verify.sh"
    script.write_text(_verify_step()["run"])
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "GH_TOKEN": "token",
        "REPO": REPO,
        "TAG": tag,
        "BACKEND": f"ghcr.io/acme/dashboard-backend:{tag}@{BACKEND_DIGEST}",
        "FRONTEND": f"ghcr.io/acme/dashboard-frontend:{tag}@{FRONTEND_DIGEST}",
    }
    bash = shutil.which("bash")
    assert bash is not None
    result = subprocess.run(
        [bash, "-e", "-o", "pipefail", str(script)], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return [line.split("\x1f") for line in calls.read_text().splitlines()]


def _identity(args: list[str]) -> tuple[str, str]:
    """The one identity flag of a `gh attestation verify` call and its value."""
    flags = [
        (flag, args[index + 1]) for index, flag in enumerate(args) if flag.startswith(("--cert-identity", "--signer"))
    ]
    assert len(flags) == 1, args
    return flags[0]


def test_the_step_reads_the_image_tag_it_verifies():
    assert _verify_step()["env"]["TAG"] == "${{ steps.tag.outputs.tag }}"
    # The refs that may sign are the ones images.yml runs for: keep the two in step.
    assert workflow("images.yml")["on"] == {"push": {"tags": ["v*"]}}


def test_a_versions_images_must_be_signed_by_images_yml_run_from_that_very_tag_on_a_github_hosted_runner(tmp_path):
    calls = _run(tmp_path, "1.2.3")

    assert calls == [
        [
            "attestation",
            "verify",
            f"oci://ghcr.io/acme/dashboard-backend@{BACKEND_DIGEST}",
            "--repo",
            REPO,
            "--cert-identity",
            f"{SIGNER}@refs/tags/v1.2.3",
            "--deny-self-hosted-runners",
        ],
        [
            "attestation",
            "verify",
            f"oci://ghcr.io/acme/dashboard-frontend@{FRONTEND_DIGEST}",
            "--repo",
            REPO,
            "--cert-identity",
            f"{SIGNER}@refs/tags/v1.2.3",
            "--deny-self-hosted-runners",
        ],
    ]


@pytest.mark.parametrize(
    ("tag", "signed_from", "accepted"),
    [
        (COMMIT_TAG, "refs/tags/v1.2.3", True),
        (COMMIT_TAG, "refs/tags/v2.0.0-rc.1", True),
        (COMMIT_TAG, "refs/heads/main", False),
        (COMMIT_TAG, "refs/heads/v1.2.3", False),
        (COMMIT_TAG, "refs/pull/7/merge", False),
        (COMMIT_TAG, "refs/tags/release-1", False),
        (COMMIT_TAG, "refs/tags/v1.2.3/../../heads/x", False),
        ("1.2", "refs/tags/v1.2.3", True),
        ("1.2", "refs/tags/v1.2.10", True),
        ("1.2", "refs/tags/v1.20.1", False),
        ("1.2", "refs/tags/v1x2.3", False),
        ("1.2", "refs/heads/v1.2.3", False),
    ],
)
def test_a_commits_or_a_minor_lines_images_must_be_signed_from_a_matching_version_tag(
    tmp_path, tag, signed_from, accepted
):
    calls = _run(tmp_path, tag)

    assert len(calls) == 2
    assert all("--deny-self-hosted-runners" in args for args in calls)
    flag, pattern = _identity(calls[0])
    assert flag == "--cert-identity-regex"
    assert _identity(calls[1]) == (flag, pattern)
    assert bool(re.search(pattern, f"{SIGNER}@{signed_from}")) is accepted
    # Neither another repository nor another workflow of this one passes.
    assert not re.search(pattern, f"https://github.com/{REPO}-fork/.github/workflows/images.yml@refs/tags/v1.2.3")
    assert not re.search(pattern, f"https://github.com/{REPO}/.github/workflows/images-yml@refs/tags/v1.2.3")
    assert not re.search(pattern, f"https://github.com/{REPO}/.github/workflows/ci.yml@refs/tags/v1.2.3")
