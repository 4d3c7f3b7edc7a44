"""The cached reads' keys remembered across requests (backend/common/cached_reads.py, CachedRead.keys)."""

from datetime import UTC, datetime

import pytest
from django.utils import timezone

from backend.common import cached_reads
from tests.conftest import signed_in_client
from tests.factories import TaskFactory

LIST = "/api/tasks/"


def _key_parts_calls(monkeypatch, read) -> list[str]:
    calls: list[str] = []
    real = read.key_parts

    def counting(request):
        calls.append(request.get_full_path())
        return real(request)

    monkeypatch.setitem(vars(read), "key_parts", counting)  # a frozen dataclass: its __dict__ directly
    return calls


@pytest.fixture(autouse=True)
def _fresh_memo():
    cached_reads._keys_by_url.clear()
    yield
    cached_reads._keys_by_url.clear()


def test_a_disallowed_host_is_refused_even_when_its_url_was_seen_before(user):
    client, _ = signed_in_client(user)
    assert client.get(LIST).status_code == 200

    response = client.get(LIST, HTTP_HOST="attacker.invalid")

    assert response.status_code == 400


def test_each_host_query_and_owner_gets_its_own_links(user, other_user):
    TaskFactory.create_batch(3, owner=user)
    client, _ = signed_in_client(user)
    other, _ = signed_in_client(other_user)

    first = client.get(f"{LIST}?page_size=1").json()
    by_host = client.get(f"{LIST}?page_size=1", HTTP_HOST="127.0.0.1").json()
    by_query = client.get(f"{LIST}?page_size=2").json()
    by_owner = other.get(f"{LIST}?page_size=1").json()

    assert first["next"] == "http://testserver/api/tasks/?page=2&page_size=1"
    assert by_host["next"] == "http://127.0.0.1/api/tasks/?page=2&page_size=1"
    assert by_query["next"] == "http://testserver/api/tasks/?page=2&page_size=2"
    assert (by_owner["count"], by_owner["next"]) == (0, None)


def test_the_keys_of_a_url_are_worked_out_once_per_owner_and_date(user, monkeypatch):
    from backend.tasks.selectors import TASK_LIST_PAGE

    client, _ = signed_in_client(user)
    calls = _key_parts_calls(monkeypatch, TASK_LIST_PAGE)

    client.get(LIST)
    client.get(LIST)
    client.get(f"{LIST}?status=todo")

    assert calls == [LIST, f"{LIST}?status=todo"]


def test_today_moves_on_at_the_zones_midnight_and_follows_the_active_zone(monkeypatch):
    monkeypatch.setattr(cached_reads, "_today_held", {})
    monkeypatch.setattr(timezone, "now", lambda: datetime(2030, 1, 1, 23, 59, tzinfo=UTC))
    assert cached_reads.request_today(None) == "2030-01-01"
    with timezone.override("Pacific/Auckland"):  # UTC+13 then
        assert cached_reads.request_today(None) == "2030-01-02"

    monkeypatch.setattr(timezone, "now", lambda: datetime(2030, 1, 2, 0, 0, tzinfo=UTC))

    assert cached_reads.request_today(None) == "2030-01-02"


def test_a_clock_set_back_a_day_gives_that_days_date(monkeypatch):
    monkeypatch.setattr(cached_reads, "_today_held", {})
    monkeypatch.setattr(timezone, "now", lambda: datetime(2030, 1, 2, 12, tzinfo=UTC))
    assert cached_reads.request_today(None) == "2030-01-02"

    monkeypatch.setattr(timezone, "now", lambda: datetime(2030, 1, 1, 12, tzinfo=UTC))  # e.g. an NTP correction

    assert cached_reads.request_today(None) == "2030-01-01"


def test_a_requests_date_is_the_same_for_all_its_keys_across_midnight(rf, monkeypatch):
    from rest_framework.request import Request

    monkeypatch.setattr(cached_reads, "_today_held", {})
    request = Request(rf.get(LIST))
    monkeypatch.setattr(timezone, "now", lambda: datetime(2030, 1, 1, 23, 59, tzinfo=UTC))
    assert cached_reads.request_today(request) == "2030-01-01"

    monkeypatch.setattr(timezone, "now", lambda: datetime(2030, 1, 2, 0, 1, tzinfo=UTC))

    assert cached_reads.request_today(request) == "2030-01-01"


def test_an_https_request_never_gets_the_keys_of_the_same_url_over_http_under_asgi(settings):
    from io import BytesIO

    from django.core.handlers.asgi import ASGIRequest
    from rest_framework.request import Request

    from backend.tasks.selectors import TASK_LIST_PAGE, TASK_READS, _list_parts

    def asgi(scheme: str) -> Request:  # the scheme is the connection's (scope), not in the environ
        scope = {
            "type": "http",
            "method": "GET",
            "path": LIST,
            "query_string": b"page_size=1",
            "scheme": scheme,
            "server": ("testserver", 80),
            "headers": [(b"host", b"testserver")],
        }
        return Request(ASGIRequest(scope, BytesIO(b"")))

    settings.SECURE_PROXY_SSL_HEADER = None
    http_keys = TASK_LIST_PAGE.keys(asgi("http"), owner_id="owner-1")

    https_keys = TASK_LIST_PAGE.keys(asgi("https"), owner_id="owner-1")

    assert https_keys != http_keys
    assert https_keys == TASK_READS.keys(owner_id="owner-1", kind="list", parts=_list_parts(asgi("https")))
