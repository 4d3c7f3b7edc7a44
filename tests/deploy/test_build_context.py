"""The build context each Dockerfile gets: everything it COPYs is in it, local state and secrets are not.

BuildKit reads Dockerfile.<name>.dockerignore beside the Dockerfile instead of .dockerignore; other tools read
only .dockerignore. Both must work for both Dockerfiles. The COPY sources come from the Dockerfiles themselves
(every stage), the files from git (what a CI checkout holds), the rules from tests/deploy/dockerignore.py.
"""

import shutil
import subprocess

import pytest

from tests.deploy.dockerfile import _copy_arguments, instructions
from tests.deploy.dockerignore import is_ignored, read_patterns
from tests.e2e.servers import ROOT

DOCKERFILES = ["Dockerfile.backend", "Dockerfile.frontend"]
IGNORE_FILES = {name: [f"{name}.dockerignore", ".dockerignore"] for name in DOCKERFILES}
# What a developer's checkout may hold and no image may receive: local settings and secrets, installs, builds.
LOCAL_STATE = [
    ".env",
    ".env.production",
    ".venv/bin/python",
    "var/db.sqlite3",
    ".git/config",
    "k8s/overlays/prod/secrets.env",
    "frontend/.env",
    "frontend/.env.production",
    "frontend/.env.local",
    "frontend/node_modules/react/index.js",
    "frontend/dist/index.html",
    "backend/__pycache__/apps.cpython-311.pyc",
]


def _context_sources(dockerfile: str) -> list[str]:
    """The build-context sources of every COPY in the Dockerfile (any stage; not COPY --from)."""
    sources = []
    for keyword, arguments in instructions(ROOT / dockerfile):
        if keyword == "COPY":
            paths, _destination, source_stage = _copy_arguments(arguments)
            if source_stage is None:
                sources += paths
    return sources


def _tracked_files(source: str) -> list[str]:
    git = shutil.which("git")
    assert git, "git not found: these checks list the repository's files with `git ls-files`"
    result = subprocess.run(
        [git, "ls-files", "--", source], cwd=ROOT, capture_output=True, text=True, check=True, timeout=30
    )
    return result.stdout.split()


def test_the_ignore_rules_follow_dockers_parent_and_exception_semantics():
    patterns = read_patterns(ROOT / "Dockerfile.frontend.dockerignore")
    assert not is_ignored(patterns, "frontend/src/main.tsx")  # `!frontend/` re-includes what `*` dropped
    assert not is_ignored(patterns, "docker/frontend/nginx.conf")
    assert is_ignored(patterns, "backend/settings.py")
    assert is_ignored(patterns, "frontend/node_modules/react/index.js")  # a later pattern drops it again
    backend = read_patterns(ROOT / "Dockerfile.backend.dockerignore")
    assert is_ignored(backend, "backend/tasks/__pycache__/apis.cpython-311.pyc")  # `**/` at any depth


@pytest.mark.parametrize("dockerfile", DOCKERFILES)
def test_every_file_a_dockerfile_copies_is_in_its_build_context(dockerfile):
    sources = _context_sources(dockerfile)
    assert sources, f"{dockerfile} copies nothing from the build context"
    for ignore_file in IGNORE_FILES[dockerfile]:
        patterns = read_patterns(ROOT / ignore_file)
        for source in sources:
            files = _tracked_files(source)
            assert files, f"{dockerfile}: COPY {source}: no such file in the repository"
            dropped = [file for file in files if is_ignored(patterns, file)]
            assert dropped == [], f"{dockerfile} with {ignore_file}: COPY {source} misses {dropped}"


@pytest.mark.parametrize("dockerfile", DOCKERFILES)
def test_local_settings_installs_and_builds_never_enter_a_build_context(dockerfile):
    for ignore_file in IGNORE_FILES[dockerfile]:
        patterns = read_patterns(ROOT / ignore_file)
        sent = [path for path in LOCAL_STATE if not is_ignored(patterns, path)]
        assert sent == [], f"{dockerfile} with {ignore_file} sends {sent}"
