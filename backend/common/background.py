"""Work that must not hold up (or fail) the request that caused it, such as sending email.

A small thread pool per process: the request returns at once, whether or not the
work exists for this request or succeeds, so responses don't reveal either. Failures
are logged. A job may also be run later (``run_in_background_later``: an email tried
again after a temporary failure, backend/common/mail.py): a timer thread hands it to
the pool when it is due, so no pool thread sleeps through the delay while other work waits.

When the process exits (a gunicorn worker stopping or recycled, a management command
ending), the interpreter runs every job already in the pool before it ends (the pool's
own exit hook). ``_at_exit`` runs just before that: it hands the pool the jobs still
waiting for their time, so each gets its last try now rather than vanishing unseen,
refuses new delays, and waits at most EXIT_WAIT_SECONDS; jobs the pool has not started
by then are cancelled and logged. A worker's exit is therefore held for that bound plus
whatever attempt is running (an SMTP conversation, bounded by EMAIL_TIMEOUT), well
within gunicorn's graceful_timeout. A job here is lost when the process is killed, so
work that must survive that keeps its state in the database and lets this pool only
run it: each email is a row of the outbox (backend/common/mail.py), which another
process's sweep sends if this one dies. That avoids running a broker for one job.
"""

import atexit
import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

logger = logging.getLogger(__name__)

# How long an exiting process waits for its background jobs (docs/operations.md, "Graceful shutdown"): gunicorn
# SIGKILLs a worker still running GUNICORN_GRACEFUL_TIMEOUT (30 s) after SIGTERM, and its requests drain first.
EXIT_WAIT_SECONDS = 10.0

_executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="background")
# Guards everything below, and is notified whenever a job leaves the pool or starts to wait. Reentrant: a future
# that is already done runs its done-callback (_forget, which takes it) in the thread that adds the callback.
_state = threading.Condition(threading.RLock())
_pending: dict[Future[None], Callable[..., Any]] = {}  # in the pool (queued or running) -> its job
# Jobs waiting for their time, earliest first: (due on time.monotonic(), order of arrival, job, args, kwargs).
_waiting: list[tuple[float, int, Callable[..., Any], tuple[Any, ...], dict[str, Any]]] = []
_arrival = itertools.count()
_timer: threading.Thread | None = None
_exiting = False


def run_in_background(job: Callable[..., Any], /, *args: Any, **kwargs: Any) -> None:
    """Run ``job(*args, **kwargs)`` on a worker thread; exceptions are logged, never raised."""
    with _state:
        _submit(job, args, kwargs)


def run_in_background_later(delay: float, job: Callable[..., Any], /, *args: Any, **kwargs: Any) -> bool:
    """Run ``job(*args, **kwargs)`` on a worker thread once ``delay`` seconds have passed. False (and nothing is
    run) when the process is exiting: the caller knows the job will not happen, and can say so."""
    global _timer
    with _state:
        if _exiting:
            return False
        heapq.heappush(_waiting, (time.monotonic() + max(0.0, delay), next(_arrival), job, args, kwargs))
        # Started on first use, and again in a forked child (a thread does not survive a fork).
        if _timer is None or not _timer.is_alive():
            _timer = threading.Thread(target=_hand_over_when_due, name="background-timer", daemon=True)
            _timer.start()
        _state.notify_all()
    return True


def wait_for_background_jobs(timeout: float = 30.0) -> bool:
    """Block until no job is queued, running or waiting for its time (those added meanwhile included), or until
    ``timeout`` seconds have passed; True when none is left (tests; the exit below)."""
    deadline = time.monotonic() + timeout
    with _state:
        while _pending or _waiting:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            _state.wait(left)
    return True


def _submit(job: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Queue ``job`` in the pool; with ``_state`` held."""

    def _run() -> None:
        try:
            job(*args, **kwargs)
        except Exception:
            logger.exception("background job %s failed", _name(job))

    try:
        future = _executor.submit(_run)
    except RuntimeError:  # the interpreter's shutdown has begun: the pool takes no more
        _dropped(job)
        return
    _pending[future] = job
    future.add_done_callback(_forget)


def _forget(future: Future[None]) -> None:
    with _state:
        _pending.pop(future, None)
        _state.notify_all()


def _name(job: Callable[..., Any]) -> str:
    # A function by its name; a callable object by its repr (an email's: its kind and attempt, never its content).
    return str(getattr(job, "__qualname__", None) or repr(job))


def _dropped(job: Callable[..., Any]) -> None:
    """``job`` will not run: the process is exiting. A job that can say what that loses (``on_dropped``) does."""
    on_dropped = getattr(job, "on_dropped", None)
    try:
        if callable(on_dropped):
            on_dropped()
            return
    except Exception:
        logger.exception("background job %s: on_dropped failed", _name(job))
    logger.error("background job %s dropped: the process is exiting", _name(job))


def _hand_over_when_due() -> None:
    """The timer thread: hands each waiting job to the pool when it is due. A daemon: it holds up no exit."""
    with _state:
        while True:
            if not _waiting:
                _state.wait()
                continue
            left = _waiting[0][0] - time.monotonic()
            if left > 0:
                _state.wait(left)
                continue
            _, _, job, args, kwargs = heapq.heappop(_waiting)
            _submit(job, args, kwargs)  # in _pending before it leaves _waiting's count: no waiter sees it idle


def _at_exit() -> None:
    """Before the pool's own exit hook: give every waiting job its last try now, then wait, bounded."""
    global _exiting
    try:
        with _state:
            _exiting = True
            while _waiting:
                _, _, job, args, kwargs = heapq.heappop(_waiting)
                _submit(job, args, kwargs)
        if wait_for_background_jobs(EXIT_WAIT_SECONDS):
            return
        with _state:  # cancel() runs _forget at once, which takes the future out of _pending: read it first
            dropped = [job for future, job in list(_pending.items()) if future.cancel()]
        for job in dropped:
            _dropped(job)
    except Exception:  # raised here, it would also skip the pool's exit hook, and kill the running jobs mid-send
        logger.exception("background jobs: the exit hook failed")


# threading's exit hooks run before the interpreter joins its threads, the last registered first: this one before
# the pool's (registered when concurrent.futures was imported, above), which runs every job still queued.
_register_exit_hook: Callable[[Callable[[], None]], Any] = getattr(threading, "_register_atexit", atexit.register)
_register_exit_hook(_at_exit)
