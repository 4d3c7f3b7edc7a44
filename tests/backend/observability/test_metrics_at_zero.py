"""Series an alert's increase() reads exist at 0 from a worker's first scrape, before their first event: a series
created by its first increment is first scraped at 1, and increase() over it is 0 (the event goes unseen)."""

import re
from pathlib import Path

import pytest

from backend.observability.metrics import EMAIL_KINDS, EMAIL_OUTCOMES, REDIS_COMPONENTS
from tests.support.settings_process import settings_process

from .helpers import scrape

ROOT = Path(__file__).resolve().parents[3]

# A freshly started process's first /metrics, before it served, queued or swept anything.
FIRST_SCRAPE = """
import django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
print(Client().get("/metrics").content.decode())
"""


@pytest.fixture(scope="module")
def first_scrape() -> dict:
    result = settings_process(
        "config.settings.test",
        FIRST_SCRAPE,
        unset={"PROMETHEUS_MULTIPROC_DIR"},
        DJANGO_SETTINGS_MODULE="config.settings.test",
    )
    assert result.returncode == 0, result.stderr
    return scrape(result.stdout)


def test_every_kind_of_email_has_each_outcome_at_0_before_any_email_is_queued_or_swept(first_scrape):
    # (a pod that only sweeps rows a dead pod queued gives up a kind it never queued itself: BackendEmailsFailing
    # must see that first one)
    values = first_scrape

    expected = {
        ("emails_total", (("kind", kind), ("outcome", outcome))) for kind in EMAIL_KINDS for outcome in EMAIL_OUTCOMES
    }
    assert {key: values.get(key) for key in expected} == dict.fromkeys(expected, 0.0)


def test_every_redis_component_has_its_failure_series_at_0_before_redis_fails(first_scrape):
    values = first_scrape

    expected = {("redis_failures_total", (("component", component),)) for component in REDIS_COMPONENTS}
    assert {key: values.get(key) for key in expected} == dict.fromkeys(expected, 0.0)
    assert values[("http_requests_in_progress", ())] == 0.0


def test_email_kinds_lists_every_kind_the_app_sends_and_nothing_else():
    sent = {
        kind
        for path in (ROOT / "backend" / "accounts" / "emails").rglob("*.py")
        for kind in re.findall(r'\bkind="([a-z_]+)"', path.read_text())
    }

    assert len(sent) > 20  # the scan found them
    assert set(EMAIL_KINDS) == sent
    assert len(EMAIL_KINDS) == len(sent)  # no kind twice
