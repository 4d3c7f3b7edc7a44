"""A one-off command (migrate, the CronJobs' commands) with PROMETHEUS_MULTIPROC_DIR set starts without gunicorn."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _manage_check(multiproc_dir: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.test", PROMETHEUS_MULTIPROC_DIR=str(multiproc_dir))
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_a_directory_that_cannot_be_made_is_named_with_its_variable(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")

    result = _manage_check(blocker / "metrics")

    assert result.returncode == 1
    assert "FileNotFoundError" not in result.stderr
    assert f"PROMETHEUS_MULTIPROC_DIR='{blocker / 'metrics'}' does not exist and cannot be created" in result.stderr


def test_a_missing_directory_is_made_and_the_metrics_are_written_there(tmp_path):
    target = tmp_path / "not" / "yet" / "made"

    result = _manage_check(target)

    assert result.returncode == 0, result.stderr
    assert any(file.name.startswith("counter_") for file in target.iterdir())
