"""The metric series a request records are looked up once, and a client's input cannot grow what is remembered."""

from prometheus_client import REGISTRY

from backend.observability import metrics


def _requests(view: str, method: str, status: str) -> float:
    value = REGISTRY.get_sample_value("http_requests_total", {"view": view, "method": method, "status": status})
    return value or 0.0


def test_made_up_methods_count_as_other_and_remember_one_series():
    before, remembered = _requests("series-test", "OTHER", "405"), len(metrics._request_series)

    for n in range(50):
        metrics.request_observe(view="series-test", method=f"MADEUP{n}", status=405, seconds=0.001)

    assert _requests("series-test", "OTHER", "405") == before + 50
    assert len(metrics._request_series) <= remembered + 1


def test_a_remembered_series_keeps_counting():
    before = _requests("series-test", "GET", "200")
    for _ in range(3):
        metrics.request_observe(view="series-test", method="GET", status=200, seconds=0.001)
    assert _requests("series-test", "GET", "200") == before + 3
