"""Capture everything logged, rendered by the project's own JSON formatter."""

import io
import json
import logging

import pytest

from backend.observability.logging import formatter_config


@pytest.fixture
def json_logs():
    """A callable returning every line logged so far (any logger, DEBUG and up), parsed."""
    stream = io.StringIO()
    config = formatter_config("json")
    formatter = config.pop("()")(**config)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)

    def lines() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]

    lines.raw = stream.getvalue  # type: ignore[attr-defined]
    try:
        yield lines
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
