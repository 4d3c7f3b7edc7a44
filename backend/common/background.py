"""Work that must not hold up (or fail) the request that caused it, such as sending email.

A small thread pool per process: the request returns at once, whether or not the
work exists for this request or succeeds, so responses don't reveal either. Failures
are logged. Work still queued when a process dies is lost; for email that means the
user asks again, which is acceptable here and avoids running a broker for one job.
"""

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

logger = logging.getLogger(__name__)

_executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="background")
_pending: set[Future[None]] = set()
_lock = threading.Lock()


def run_in_background(job: Callable[..., Any], /, *args: Any, **kwargs: Any) -> None:
    """Run ``job(*args, **kwargs)`` on a worker thread; exceptions are logged, never raised."""

    def _run() -> None:
        try:
            job(*args, **kwargs)
        except Exception:
            logger.exception("background job %s failed", getattr(job, "__qualname__", job))

    future = _executor.submit(_run)
    with _lock:
        _pending.add(future)
    future.add_done_callback(_forget)


def _forget(future: Future[None]) -> None:
    with _lock:
        _pending.discard(future)


def wait_for_background_jobs(timeout: float = 30.0) -> None:
    """Block until every job queued so far has finished (tests; graceful shutdown)."""
    with _lock:
        pending = list(_pending)
    wait(pending, timeout=timeout)
