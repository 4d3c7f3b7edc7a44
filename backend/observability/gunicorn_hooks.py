"""gunicorn-side observability: JSON logs and prometheus_client multiprocess mode.

Loaded by config/gunicorn.conf.py in the master, before Django: it imports no Django.
https://prometheus.github.io/client_python/multiprocess/
"""

import os
import shutil
import tempfile
from pathlib import Path

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# The directory multiprocess_dir_ensure() made itself (removed on exit), if any.
_created: str | None = None


def multiprocess_dir_ensure() -> str:
    """The metrics directory shared by all workers; a fresh temp dir when none is configured.

    Set in the master's environment before the workers fork, so they all inherit it and
    prometheus_client writes each worker's values into a file there.
    """
    global _created
    path = os.environ.get(MULTIPROC_ENV, "").strip()
    if not path:
        path = _created = tempfile.mkdtemp(prefix="prometheus-multiproc-")
        os.environ[MULTIPROC_ENV] = path
    Path(path).mkdir(parents=True, exist_ok=True)
    return path


def multiprocess_dir_clear(path: str) -> int:
    """Delete the value files of an earlier run (stale totals, dead pids). Returns how many."""
    removed = 0
    for file in Path(path).glob("*.db"):
        file.unlink(missing_ok=True)
        removed += 1
    return removed


def worker_exited(pid: int) -> None:
    """gunicorn ``child_exit``: drop a dead worker's live gauges (its counters keep counting)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(pid)


def multiprocess_dir_remove_created() -> bool:
    """gunicorn ``on_exit``: delete the temp dir made by multiprocess_dir_ensure (never a configured one)."""
    global _created
    if _created is None:
        return False
    shutil.rmtree(_created, ignore_errors=True)
    _created = None
    return True


try:  # gunicorn is in the image and the dev virtualenv; this module must import without it too (no Django here)
    from gunicorn.glogging import Logger as _GunicornLogger
except ImportError:  # pragma: no cover
    _GunicornLogger = object  # type: ignore[assignment,misc]


class OptInAccessLogger(_GunicornLogger):  # type: ignore[misc,valid-type]
    """gunicorn's logger, with its access log only when ``accesslog`` is set (GUNICORN_ACCESS_LOG=true). gunicorn
    turns it on whenever a ``logconfig_dict`` is given, which config/gunicorn.conf.py gives for the JSON shape: every
    request was then logged twice (the app's request line, and gunicorn's), its atoms built for nothing."""

    def _compute_access_log_enabled(self) -> bool:
        return bool(self.cfg.accesslog)
