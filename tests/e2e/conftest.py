"""The browser tests (test_browser_*.py) carry the `browser` marker: only `make test-e2e` runs them."""

from pathlib import Path

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).name.startswith("test_browser_"):
            item.add_marker(pytest.mark.browser)
