"""schemathesis hook (loaded with the main run's, tests/contract/fresh_idempotency_keys.py): a real ``tz``.

The schema can say that ``tz`` is a string of at most 64 characters, not that it names a time zone: a
schema-valid name no zone has is a 400 (docs/api.md, ``tz``), which the fuzzer would read as a valid request
refused. So a schema-valid ``tz`` is replaced by a real zone before the request goes out; the negative cases
(which must get a 400) are left as generated. Unknown names have their own tests in
tests/backend/tasks/test_time_zones.py.
"""

from typing import Any

import schemathesis
from schemathesis.core.parameters import ParameterLocation

PARAM = "tz"


@schemathesis.hook("before_call")
def real_time_zone(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    query = case.query or {}
    negative = case.meta is not None and case.meta.is_negative_at(ParameterLocation.QUERY)
    if PARAM in query and not negative:
        case.query = {**query, PARAM: "America/New_York"}
