"""Capture everything logged, rendered as the app renders it."""

import io
import json
import logging

import pytest
import structlog

from backend.observability.logging import LineHandler, formatter_config, structlog_configure


@pytest.fixture
def json_logs():
    """A callable returning every line logged so far (any logger, DEBUG and up), parsed.

    The app's two ways to stdout (backend/observability/logging.py) both write here for the test, into one buffer
    as into stdout: the standard library's records through its handler with the project's formatter, structlog's
    own lines through the project's structlog configuration."""
    buffer = io.BytesIO()
    config = formatter_config("json")
    formatter = config.pop("()")(**config)
    handler = LineHandler(buffer)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    old_level = root.level
    old_structlog = structlog.get_config()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    structlog_configure(log_format="json", level="DEBUG", file=buffer, cache_loggers=False)

    def lines() -> list[dict]:
        return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]

    lines.raw = lambda: buffer.getvalue().decode()  # type: ignore[attr-defined]
    try:
        yield lines
    finally:
        structlog.configure(**old_structlog)
        root.removeHandler(handler)
        root.setLevel(old_level)
