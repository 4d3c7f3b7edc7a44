"""gunicorn's error log never carries a request's query string (the emailed links' live tokens travel there)."""

import io
import json
import logging
import sys

from gunicorn.http.errors import InvalidRequestLine

from backend.observability.logging import LineHandler, formatter_config
from backend.observability.redaction import REDACTED


def _formatted(name: str, message: str, *args: object, exc_info: object = None) -> dict:
    """``message`` logged at WARNING on logger ``name`` as a real record, through the app's JSON formatter and
    handler (gunicorn's logconfig_dict uses the same: gunicorn_logging_config)."""
    out = io.BytesIO()
    config = formatter_config("json")
    handler = LineHandler(out)
    handler.setFormatter(config.pop("()")(**config))
    logger = logging.getLogger(name)
    handler.handle(logger.makeRecord(name, logging.WARNING, __file__, 1, message, args, exc_info))
    return json.loads(out.getvalue())


def test_a_malformed_request_line_is_logged_without_its_query_string():
    # What gunicorn's worker logs for a request line it cannot parse (workers/base.py, handle_error)
    error = InvalidRequestLine("GET /reset-password?token=SECRET-1&uid=7\x00 HTTP/1.1")
    line = _formatted("gunicorn.error", "Invalid request from ip={ip}: {error}".format(ip="10.0.0.9", error=error))

    assert "SECRET-1" not in json.dumps(line)
    assert line["event"] == (
        f"Invalid request from ip=10.0.0.9: Invalid HTTP request line: 'GET /reset-password?{REDACTED} HTTP/1.1'"
    )


def test_a_request_gunicorn_failed_to_serve_is_logged_without_its_query_string_in_message_or_traceback():
    try:
        raise ValueError("while reading /verify-email?token=SECRET-2")
    except ValueError:
        exc_info = sys.exc_info()

    line = _formatted("gunicorn.error", "Error handling request %s", "/verify-email?token=SECRET-2", exc_info=exc_info)

    assert "SECRET-2" not in json.dumps(line)
    assert line["event"] == f"Error handling request /verify-email?{REDACTED}"
    assert f"ValueError: while reading /verify-email?{REDACTED}" in line["exception"]


def test_other_loggers_lines_keep_their_question_marks():
    # (their lines carry no request line; the app's own request line logs the path alone)
    line = _formatted("backend.check", "is it due? %s", "yes?")

    assert line["event"] == "is it due? yes?"
