"""Both ways to stdout (the standard library's handler and structlog's own writer) keep every line whole."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

# Threads logging long lines at once, half through each way, as gunicorn's threads and a traceback may.
WRITERS = """
import logging, logging.config, threading
import structlog
from backend.observability.logging import logging_config, structlog_configure

logging.config.dictConfig(logging_config(log_format="json", level="INFO"))
structlog_configure(log_format="json", level="INFO")

def write(thread):
    pad = "x" * (thread * 4000)  # up to 20 KB: longer than a write that stays whole on its own
    for n in range(THREAD_LINES):
        if n % 2:
            structlog.get_logger("native").info("line", thread=thread, n=n, pad=pad)
        else:
            logging.getLogger("stdlib").info("line %s %s %s", thread, n, pad)

threads = [threading.Thread(target=write, args=(thread,)) for thread in range(THREADS)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
"""
THREADS = 6
THREAD_LINES = 400


def test_lines_written_at_once_from_threads_through_both_ways_stay_whole_and_in_order():
    code = WRITERS.replace("THREAD_LINES", str(THREAD_LINES)).replace("THREADS", str(THREADS))
    result = subprocess.run(  # stdout is a pipe, as under gunicorn in a container, unbuffered as the image sets it
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        check=True,
        timeout=120,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},  # buffered, logging.StreamHandler's lines stayed whole by luck
    )

    seen: dict[int, list[int]] = {thread: [] for thread in range(THREADS)}
    for line in result.stdout.splitlines():
        parsed = json.loads(line)  # fails on a line split by another
        if parsed["logger"] == "native":
            seen[parsed["thread"]].append(parsed["n"])
        else:
            _, thread, n, _ = parsed["event"].split(" ")
            seen[int(thread)].append(int(n))
    assert seen == {thread: list(range(THREAD_LINES)) for thread in range(THREADS)}


def test_a_stdout_without_a_binary_buffer_gets_the_lines_as_text(monkeypatch):
    # Some hosts give a text-only stdout; logging.StreamHandler wrote to it, and so must both ways now.
    import io
    import logging

    import structlog

    from backend.observability.logging import LineHandler, formatter_config, structlog_configure

    text_only = io.StringIO()  # no ``buffer``
    monkeypatch.setattr(sys, "stdout", text_only)
    config = formatter_config("json")
    handler = LineHandler()
    handler.setFormatter(config.pop("()")(**config))
    old = structlog.get_config()
    try:
        structlog_configure(log_format="json", level="INFO", cache_loggers=False)
        handler.emit(logging.LogRecord("stdlib", logging.INFO, __file__, 1, "through logging", None, None))
        structlog.get_logger("native").info("through structlog")
    finally:
        structlog.configure(**old)

    lines = [json.loads(line) for line in text_only.getvalue().splitlines()]
    assert [(line["logger"], line["event"]) for line in lines] == [
        ("stdlib", "through logging"),
        ("native", "through structlog"),
    ]
