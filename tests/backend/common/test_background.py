"""The background pool (backend/common/background.py): a job can wait for its time without holding a pool thread, a
waiting job gets its last try when the process exits instead of vanishing, and the exit's wait is bounded."""

import subprocess
import sys
import textwrap
import time

from backend.common.background import run_in_background, run_in_background_later, wait_for_background_jobs
from tests.backend.common.helpers import ROOT


def _exit_of(script: str, timeout: float = 30) -> tuple[subprocess.CompletedProcess, float]:
    """Run ``script`` (background.py imported as ``bg``) in a fresh interpreter, which then exits; its result and how
    long it took."""
    source = f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nfrom backend.common import background as bg\n"
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", source + textwrap.dedent(script)], capture_output=True, text=True, timeout=timeout
    )
    return result, time.monotonic() - started


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
    # A retry due in 10 minutes, in a process that is exiting
    result, seconds = _exit_of(
        """
        def job():
            print("ran; may wait again:", bg.run_in_background_later(1, job), flush=True)

        bg.run_in_background_later(600, job)
        """
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ran; may wait again: False"
    assert seconds < 10  # the exit did not wait out the delay


def test_the_exit_waits_a_bounded_time_and_drops_the_jobs_not_started_by_then():
    # Two slow jobs fill the pool; two more are queued behind them
    result, seconds = _exit_of(
        """
        import time
        bg.EXIT_WAIT_SECONDS = 0.5

        class Job:
            def __init__(self, name):
                self.name = name

            def __call__(self):
                time.sleep(2)
                print("done", self.name, flush=True)

            def on_dropped(self):
                print("dropped", self.name, flush=True)

        for name in "abcd":
            bg.run_in_background(Job(name))
        """
    )

    assert result.returncode == 0, result.stderr
    assert sorted(result.stdout.split("\n")[:-1]) == ["done a", "done b", "dropped c", "dropped d"]
    assert seconds < 4  # the two running jobs (2 s), not all four one after the other (4 s)
