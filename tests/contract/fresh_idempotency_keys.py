"""schemathesis hook for the main contract run (loaded via SCHEMATHESIS_HOOKS): a fresh Idempotency-Key per request.

The fuzzer sends the same few generated keys again and again. Sent twice with one body, a key replays the first
response, as the contract says (docs/api.md, "Idempotency-Key"), even when the task that response names was
deleted since: schemathesis' stateful phase then reads "201, then 404 for that id" as a created resource gone
missing. Sent with another body, a key is a 422 that depends on server state, not on the request. So every
schema-valid key is replaced by a new UUID before the request goes out; malformed ones (the negative cases, which
must get a 400) and empty ones (no key) are left as generated. Replays and 422s have their own tests in
tests/backend/common/test_idempotency.py.
"""

import re
import uuid
from typing import Any

import schemathesis

from tests.contract import real_time_zones  # noqa: F401  # registers its hook for the same run

HEADER = "Idempotency-Key"
VALID = re.compile(r"[!-~]{1,255}")


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    headers = case.headers or {}
    for name, value in list(headers.items()):
        if name.lower() == HEADER.lower() and isinstance(value, str) and VALID.fullmatch(value):
            headers[name] = str(uuid.uuid4())
