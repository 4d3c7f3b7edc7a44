"""scripts/junit_ran_ratio.py: the MongoDB CI job's "at least 90% of the backend tests ran" gate."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "junit_ran_ratio.py"


def _report(tmp_path: Path, *, ran: int, skipped: int, other: int = 0) -> Path:
    cases = [f'<testcase classname="tests.backend.x" name="ran{i}"/>' for i in range(ran)]
    cases += [
        f'<testcase classname="tests.backend.x" name="skip{i}"><skipped message="not on MongoDB: why"/></testcase>'
        for i in range(skipped)
    ]
    cases += [f'<testcase classname="tests.e2e.x" name="e2e{i}"/>' for i in range(other)]
    path = tmp_path / "report.xml"
    path.write_text(f'<testsuites><testsuite name="pytest">{"".join(cases)}</testsuite></testsuites>')
    return path


def _run(report: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, SCRIPT, report], capture_output=True, text=True, check=False)


def test_fewer_than_90_percent_run_fails_and_names_the_skip_reasons(tmp_path):
    result = _run(_report(tmp_path, ran=8, skipped=2, other=50))

    assert result.returncode == 1
    assert "skipped   2: not on MongoDB: why" in result.stdout
    assert "tests.backend: 8 of 10 ran (80.0%; minimum 90%): FAILED" in result.stdout


def test_a_report_without_backend_tests_fails(tmp_path):
    result = _run(_report(tmp_path, ran=0, skipped=0, other=3))

    assert result.returncode == 1
    assert "no tests.backend test cases" in result.stderr


def test_exactly_90_percent_passes(tmp_path):
    result = _run(_report(tmp_path, ran=9, skipped=1))

    assert result.returncode == 0
    assert "tests.backend: 9 of 10 ran (90.0%; minimum 90%): ok" in result.stdout


def test_failed_and_errored_tests_count_as_ran_and_fail_the_job_on_their_own(tmp_path):
    report = tmp_path / "report.xml"
    report.write_text(
        '<testsuites><testsuite name="pytest">'
        '<testcase classname="tests.backend.x" name="a"><failure message="boom"/></testcase>'
        '<testcase classname="tests.backend.x" name="b"><error message="setup"/></testcase>'
        '<testcase classname="tests.backend.x" name="c"/>'
        "</testsuite></testsuites>"
    )

    result = _run(report)

    assert result.returncode == 0
    assert "tests.backend: 3 of 3 ran" in result.stdout
