"""Secret redaction for the logs (logging.py runs ``redact_secrets`` on every line) and for Sentry's events
(sentry.py runs ``redact``): values under secret-looking keys and anything shaped like a JWT or a ``Bearer`` value
are replaced with ``[REDACTED]``.

Like logging.py, it imports nothing from Django: gunicorn's master process loads both before any app code. The
processor runs on every line, the request line included: keep its fast paths (docs/performance.md).
"""

import re
from collections.abc import Mapping, MutableMapping
from functools import lru_cache
from typing import Any

REDACTED = "[REDACTED]"

# Lower-cased key fragments whose values are never logged.
_SECRET_KEY_PARTS = ("password", "passwd", "secret", "token", "authorization", "cookie", "jwt", "refresh", "access")
# header.payload.signature: any JWT, wherever it appears in a string.
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_BEARER = re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+")
# A query string, up to the next blank or quote: gunicorn's error log prints the raw request line or URI of a
# request it cannot parse or serve ("Invalid HTTP request line: 'GET /reset?token=... HTTP/1.1'"), and the SPA's
# emailed-link pages carry their live token there. The request line of a served request never has it (its path).
_QUERY_STRING = re.compile(r"\?[^\s'\"]*")
_QUERY_STRING_REDACTED = "?" + REDACTED
GUNICORN_ERROR_LOGGER = "gunicorn.error"
# Values that cannot carry a secret: returned as they are, without a look.
_PLAIN = (int, float, bool, type(None))
_PLAIN_TYPES = frozenset(_PLAIN)


@lru_cache(maxsize=2048)  # log keys are a small, fixed vocabulary
def _is_secret_key(key: str) -> bool:
    lowered = key.lower()
    return any(part in lowered for part in _SECRET_KEY_PARTS)


def _scrub_text(value: str) -> str:
    # Substring checks first: nearly every string has neither, and they cost far less than the regexes.
    if "eyJ" in value:
        value = _JWT.sub(REDACTED, value)
    if "earer" in value or "EARER" in value:
        value = _BEARER.sub(r"\1 " + REDACTED, value)
    return value


def redact(value: Any) -> Any:
    """``value`` with secret-named mapping entries blanked and JWT/bearer-shaped text replaced, at any depth."""
    if isinstance(value, str):
        return _scrub_text(value)
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, Mapping):
        return {k: REDACTED if _is_secret_key(str(k)) else redact(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    return value


def redact_secrets(logger: Any, method_name: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: blank secret-named fields and JWT/bearer-shaped strings.

    Runs on every line, the request line included: exact types are looked up in a set and plain strings scrubbed
    without the general walk. (A subclass of str or of a number takes the general path: the same result, except
    that under a secret-named key a number subclass, an IntEnum say, is now blanked too.)"""
    for key, value in event_dict.items():
        kind = type(value)
        if kind in _PLAIN_TYPES or key[:1] == "_":
            continue  # numbers, and structlog internals (_record, _from_structlog)
        if _is_secret_key(key):
            event_dict[key] = REDACTED
        elif kind is str:
            if "eyJ" in value or "earer" in value or "EARER" in value:  # _scrub_text's checks, without its call
                event_dict[key] = _scrub_text(value)
        else:
            event_dict[key] = redact(value)
    return event_dict


def redact_gunicorn_query_strings(
    logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor for the standard library's records: a gunicorn.error line's query strings replaced, in
    its message and its traceback. After ``add_logger_name`` (it reads ``logger``) and ``format_exc_info``."""
    if event_dict.get("logger") != GUNICORN_ERROR_LOGGER:
        return event_dict
    for key in ("event", "exception"):
        value = event_dict.get(key)
        if isinstance(value, str) and "?" in value:
            event_dict[key] = _QUERY_STRING.sub(_QUERY_STRING_REDACTED, value)
    return event_dict
