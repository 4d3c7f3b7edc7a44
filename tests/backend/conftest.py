"""Capture everything logged, rendered as the app renders it; the OpenAPI document the server serves."""

import io
import json
import logging

import pytest
import structlog
import yaml
from django.test import Client

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


@pytest.fixture(scope="module")
def schema(django_db_blocker) -> dict:
    """The OpenAPI document as GET /api/schema/ serves it, parsed; fetched once per test module."""
    with django_db_blocker.unblock():
        response = Client().get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)
