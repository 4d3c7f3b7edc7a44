"""Structured logging: one JSON object per line on stdout (or readable lines for a terminal).

Used by Django's LOGGING (config/settings) and by gunicorn's ``logconfig_dict``
(config/gunicorn.conf.py), so app and server lines share one shape. Imports nothing
from Django: gunicorn's master process loads it before any app code.

Two ways to stdout, one shape: the standard library's records (Django, gunicorn, ``backend.*`` stdlib loggers, and
the audit log through ``stdlib_logger``, as Sentry reads records) go through its handler and ``ProcessorFormatter``;
structlog's own lines (the request line) are rendered and written by structlog itself (``structlog_configure``),
with no LogRecord or handler on the way. Both run the same processors, and both write through structlog's
``BytesLogger`` under one lock (``LineHandler``).

Every line passes ``redact_secrets`` (redaction.py): values under secret-looking keys and anything
shaped like a JWT are replaced, so a token, password, cookie or Authorization header
that reaches a log call by mistake still never reaches the log.
https://www.structlog.org/en/stable/standard-library.html#rendering-using-structlog-based-formatters-within-logging
"""

import contextlib
import json
import logging
import sys
import time
import traceback
from collections.abc import Mapping, MutableMapping
from typing import Any, BinaryIO

import orjson
import structlog

from .redaction import redact_gunicorn_query_strings, redact_secrets

LOG_FORMATS = ("json", "console")


def add_request_user(logger: Any, method_name: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Add ``user_id`` of the request being served, once it is known (never authenticates)."""
    if "user_id" not in event_dict and "django" in sys.modules:
        from backend.common.request_context import request_user_id

        try:
            user_id = request_user_id()
        except Exception:
            user_id = None
        if user_id:
            event_dict["user_id"] = user_id
    return event_dict


def gunicorn_access_fields(
    logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Turn gunicorn's access-log record (its atoms dict) into named fields, without the query string."""
    atoms = event_dict.pop("positional_args", None)  # every foreign record's args (pass_foreign_args)
    record = event_dict.get("_record")
    if record is None or record.name != "gunicorn.access" or not isinstance(atoms, Mapping):
        return event_dict
    request_id = atoms.get("{x-request-id}o", "-")
    event_dict.update(
        event="http_access",
        method=atoms.get("m"),
        path=atoms.get("U"),
        status=int_or_none(atoms.get("s")),
        duration_ms=round((int_or_none(atoms.get("D")) or 0) / 1000, 3),
        bytes=int_or_none(atoms.get("B")),
        remote_addr=atoms.get("h"),
        user_agent=atoms.get("a"),
        request_id=None if request_id == "-" else request_id,
        pid=record.process,
    )
    return event_dict


def int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _shared_processors() -> list[Any]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        add_request_user,
    ]


def _orjson_dumps_bytes(obj: Any, **kwargs: Any) -> bytes:
    """structlog's JSON serializer: orjson, with the stdlib for what orjson refuses (e.g. huge ints)."""
    try:
        return orjson.dumps(obj, default=kwargs.get("default"), option=orjson.OPT_NON_STR_KEYS)
    except TypeError:
        return json.dumps(obj, **kwargs).encode()


def _orjson_dumps(obj: Any, **kwargs: Any) -> str:
    return _orjson_dumps_bytes(obj, **kwargs).decode()  # the stdlib's formatter returns text


def _renderer(log_format: str) -> Any:
    if log_format == "console":
        return structlog.dev.ConsoleRenderer(colors=sys.stdout.isatty())
    return structlog.processors.JSONRenderer(serializer=_orjson_dumps)


def _encode(logger: Any, method_name: str, rendered: str) -> bytes:
    """Last processor after a renderer of text (console): BytesLogger writes bytes."""
    return rendered.encode(errors="backslashreplace")


def _bytes_renderers(log_format: str) -> list[Any]:
    """The end of structlog's own chain: bytes for its BytesLogger (JSON straight from orjson, no decode)."""
    _check_format(log_format)
    if log_format == "console":
        return [_renderer(log_format), _encode]
    return [structlog.processors.JSONRenderer(serializer=_orjson_dumps_bytes)]


def _check_format(log_format: str) -> None:
    if log_format not in LOG_FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {log_format!r}")


def formatter_config(log_format: str) -> dict[str, Any]:
    """A logging ``formatters`` entry rendering the standard library's records (and any structlog record)."""
    _check_format(log_format)
    return {
        "()": structlog.stdlib.ProcessorFormatter,
        "foreign_pre_chain": [
            *_shared_processors(),
            # Not "request": its repr carries the query string. Django's request loggers add it.
            structlog.stdlib.ExtraAdder(allow=["status_code"]),
            gunicorn_access_fields,
        ],
        "pass_foreign_args": True,
        "processors": [
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            redact_gunicorn_query_strings,
            redact_secrets,
            _renderer(log_format),
        ],
    }


class _TextOut:
    """Bytes written to a text stream: for a stdout without ``buffer`` (some hosts give one), which
    logging.StreamHandler wrote to as text."""

    def __init__(self, text: Any) -> None:
        self._text = text

    def write(self, data: bytes) -> int:
        return int(self._text.write(data.decode("utf-8", "backslashreplace")))

    def flush(self) -> None:
        self._text.flush()


_text_outs: dict[int, _TextOut] = {}


def _text_only_stdout() -> Any:
    """None while stdout has a binary ``buffer`` (BytesLogger then writes to it); else one adapter per stdout, so
    both ways to it share structlog's lock for that file."""
    if getattr(sys.stdout, "buffer", None) is not None:
        return None
    return _text_outs.setdefault(id(sys.stdout), _TextOut(sys.stdout))


class LineHandler(logging.Handler):
    """The standard library's lines, written to stdout by structlog's ``BytesLogger`` as structlog's own lines are.

    Hand-written because both ways to stdout must write under one lock: a write of more than a few KB (a
    traceback, say) is not atomic, and with logging.StreamHandler (a lock of its own) lines of one way were split
    by lines of the other (tests/backend/observability/test_log_output.py). structlog keeps one lock per file for
    all its writers to it.
    """

    def __init__(self, file: BinaryIO | None = None) -> None:
        super().__init__()
        # sys.stdout.buffer by default: write then flush, under its lock.
        self._out = structlog.BytesLogger(file or _text_only_stdout())

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._out.msg(self.format(record).encode(errors="backslashreplace"))
        except RecursionError:
            raise
        except Exception:
            self.handleError(record)  # as logging.StreamHandler does


def logging_config(*, log_format: str, level: str) -> dict[str, Any]:
    """Django's LOGGING: everything to stdout through one structlog formatter."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"structured": formatter_config(log_format)},
        "handlers": {"stdout": {"class": f"{__name__}.LineHandler", "formatter": "structured"}},
        "root": {"handlers": ["stdout"], "level": level},
        "loggers": {
            # Django's default config gives these their own handlers (console when DEBUG, runserver's
            # lines); with ours at the root they would print twice. Emptied, they propagate to it.
            "django": {"handlers": [], "propagate": True},
            "django.server": {"handlers": [], "propagate": True},
            "django.security.DisallowedHost": {"level": "ERROR"},
            # The pool warns on every failed reconnection attempt while the database is down (several a second);
            # backend.database logs the outage once (backend/common/outage.py), and this the driver's own reason
            # (a wrong password, a database that does not exist) once a minute: the outage line only says a
            # connection could not be had in time.
            "psycopg.pool": {"level": "WARNING", "filters": ["once_a_minute"]},
        },
        "filters": {"once_a_minute": {"()": f"{__name__}.OnceAMinute"}},
    }


class OnceAMinute(logging.Filter):
    """Lets a WARNING record through once a minute per message template (ERROR and above always)."""

    PERIOD_SECONDS = 60.0

    def __init__(self) -> None:
        super().__init__()
        self._last: dict[object, float] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.ERROR:
            return True
        now = time.monotonic()
        if now - self._last.get(record.msg, -self.PERIOD_SECONDS) < self.PERIOD_SECONDS:
            return False
        self._last[record.msg] = now
        return True


def gunicorn_logging_config(*, log_format: str, level: str) -> dict[str, Any]:
    """gunicorn's ``logconfig_dict``: its error and access logs in the same shape as the app's."""
    config = logging_config(log_format=log_format, level=level.upper())
    config["loggers"] = {
        "gunicorn.error": {"handlers": ["stdout"], "level": level.upper(), "propagate": False},
        "gunicorn.access": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
    }
    return config


def structlog_configure(
    *, log_format: str = "json", level: str = "INFO", file: BinaryIO | None = None, cache_loggers: bool = True
) -> None:
    """structlog renders and writes its own lines to stdout, as its performance guide recommends.

    https://www.structlog.org/en/stable/performance.html: a level-filtering bound logger (a call below ``level``
    is a bare ``return``), loggers cached on first use, orjson's bytes written by ``BytesLogger``. The request line
    skips what the way through ``logging`` cost: the stdlib's level check and LogRecord, the handler, and
    ProcessorFormatter's copies of the record and event dict. The processors are those a structlog line went
    through before (structlog's chain, then the formatter's) less that plumbing, so lines keep their keys and values.

    ``level``: LOG_LEVEL, fixed here rather than read from the stdlib's loggers at each call. ``file``: where to
    write (tests), by default ``sys.stdout.buffer`` as ``LineHandler``. ``cache_loggers=False`` lets tests point
    structlog elsewhere after a module's logger was first used (a cached logger keeps its first configuration).
    """
    # No line renders the caller's file, line or function (no CallsiteParameterAdder; the renderers read the event
    # dict), so the stdlib need not find them for its own records: it walks the stack on every call otherwise.
    # Python's logging HOWTO, "Optimization": https://docs.python.org/3/howto/logging.html#optimization
    logging._srcfile = None  # type: ignore[attr-defined]
    levels = logging.getLevelNamesMapping()  # the stdlib's names, as LOGGING takes them (WARN and FATAL included)
    if level.upper() not in levels:
        raise ValueError(f"LOG_LEVEL must be a level name (DEBUG, INFO, WARNING, ERROR, CRITICAL), not {level!r}")
    structlog.configure(
        processors=[
            *_shared_processors(),  # add_logger_name reads the BytesLogger's name: get_logger's argument
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            redact_secrets,
            *_bytes_renderers(log_format),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(levels[level.upper()]),
        logger_factory=structlog.BytesLoggerFactory(file or _text_only_stdout()),
        cache_logger_on_first_use=cache_loggers,
    )


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)


def log_write_failed() -> None:
    """What ``logging.Handler.handleError`` does for a line that could not be written (stdout closed, a broken
    pipe, a processor that raised): a traceback on stderr, never an exception for the caller."""
    if logging.raiseExceptions:
        with contextlib.suppress(Exception):  # stderr is gone too: nothing is left to tell
            traceback.print_exc(file=sys.stderr)


def stdlib_logger(name: str) -> Any:
    """A structlog logger whose lines go through the standard library's ``logging`` (its handlers, then
    ProcessorFormatter: the same line on stdout), for lines an error tracker must see: Sentry's logging integration
    reads the standard library's records, not structlog's own (the audit log's write failures). Slower than
    get_logger's lines, so not for a line of every request."""
    return structlog.wrap_logger(
        logging.getLogger(name),
        processors=[
            structlog.stdlib.filter_by_level,
            *_shared_processors(),
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        wrapper_class=structlog.stdlib.BoundLogger,
    )
