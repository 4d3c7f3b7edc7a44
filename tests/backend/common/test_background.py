"""The background pool (backend/common/background.py): a job can wait for its time without holding a pool thread, a
waiting job gets its last try when the process exits instead of vanishing, and the exit's wait is bounded."""

import subprocess
import sys
import textwrap

from backend.common.background import run_in_background, run_in_background_later, wait_for_background_jobs
from tests.backend.common.helpers import ROOT


def _exit_of(script: str, timeout: float = 30) -> subprocess.CompletedProcess:
    """Run ``script`` (background.py imported as ``bg``) in a fresh interpreter, which then exits. A process still
    running after ``timeout`` seconds fails the test (``TimeoutExpired``). ``say(text)`` writes one whole line: jobs
    run on several threads, and ``print`` writes its parts separately, so two jobs' lines could interleave."""
    source = (
        f"import os, sys\nsys.path.insert(0, {str(ROOT)!r})\nfrom backend.common import background as bg\n"
        "def say(text):\n    os.write(1, (text + '\\n').encode())\n"
    )
    return subprocess.run(
        [sys.executable, "-c", source + textwrap.dedent(script)], capture_output=True, text=True, timeout=timeout
    )


def test_a_job_waits_for_its_time_without_holding_the_pool():
    ran: list[str] = []

    run_in_background_later(0.3, ran.append, "later")
    for name in ("first", "second", "third"):  # more than the pool's threads: none is held by the waiting job
        run_in_background(ran.append, name)

    assert wait_for_background_jobs(timeout=5)
    assert ran == ["first", "second", "third", "later"]


def test_waiting_for_the_jobs_includes_a_job_that_one_of_them_puts_off():
    ran: list[int] = []

    def attempt(number: int) -> None:
        ran.append(number)
        if number < 3:
            run_in_background_later(0.05, attempt, number + 1)

    run_in_background(attempt, 1)

    assert wait_for_background_jobs(timeout=5)
    assert ran == [1, 2, 3]


def test_at_exit_a_waiting_job_gets_its_last_try_at_once_and_may_not_wait_again():
    # A retry due in 10 minutes, in a process that is exiting. Waiting it out would pass _exit_of's 30 s timeout.
    result = _exit_of(
        """
        def job():
            say(f"ran; may wait again: {bg.run_in_background_later(1, job)}")

        bg.run_in_background_later(600, job)
        """
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ran; may wait again: False"


def test_the_exit_waits_a_bounded_time_and_drops_the_jobs_not_started_by_then():
    # Two slow jobs fill the pool; two more are queued behind them
    result = _exit_of(
        """
        import time
        bg.EXIT_WAIT_SECONDS = 0.5

        class Job:
            def __init__(self, name):
                self.name = name

            def __call__(self):
                say(f"started {self.name}")
                time.sleep(2)
                say(f"done {self.name}")

            def on_dropped(self):
                say(f"dropped {self.name}")

        for name in "abcd":
            bg.run_in_background(Job(name))
        """
    )

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert sorted(lines) == ["done a", "done b", "dropped c", "dropped d", "started a", "started b"]
    # The exit waited for the two running jobs side by side, not one after the other
    assert {lines[0], lines[1]} == {"started a", "started b"}
