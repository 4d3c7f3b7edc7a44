"""render_json: orjson's speed, DRF JSONRenderer's exact bytes."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from rest_framework.renderers import JSONRenderer

from backend.common.response_cache import render_json


@pytest.mark.parametrize(
    "data",
    [
        {"a": [1, None, True], "t": 'Ünïcode — \u2028 \u2029 "q" \\ </script>', "n": {"x": ""}},
        {"when": datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC), "day": date(2026, 1, 2)},
        {"price": Decimal("1.50"), "ids": (1, 2)},
    ],
)
def test_render_json_gives_drf_jsonrenderers_bytes(data):
    assert render_json(data).body == JSONRenderer().render(data)
