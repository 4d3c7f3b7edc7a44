"""Import a settings module in a fresh interpreter: settings are read once per process, at import."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def settings_process(
    module: str, code: str, *, unset: frozenset[str] | set[str], **env_overrides: str
) -> subprocess.CompletedProcess:
    """Run ``import MODULE as s; CODE`` from the project root, with ``unset`` removed from the environment and
    ``env_overrides`` added. The caller checks the return code and output."""
    env = {key: value for key, value in os.environ.items() if key not in unset}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "-c", f"import {module} as s; {code}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
