"""Whose "today": ``?tz=`` on the task list and the stats makes "overdue" and the completion days the user's."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tests.backend.tasks.helpers import LIST_URL, STATS_URL, ids
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db


def _zone_on_another_date() -> tuple[str, str, str]:
    """A zone whose date differs from UTC's right now, with both dates: Kiritimati (UTC+14) is a day ahead from
    10:00 UTC, Pago Pago (UTC-11) a day behind until 11:00 UTC."""
    now = datetime.now(UTC)
    name = "Pacific/Kiritimati" if now.hour >= 10 else "Pacific/Pago_Pago"
    return name, now.astimezone(ZoneInfo(name)).date().isoformat(), now.date().isoformat()


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "../../etc/passwd", "Europe/Paris\x00", "E" * 65, "posixrules"])
@pytest.mark.parametrize(("url", "params"), [(LIST_URL, {}), (LIST_URL, {"overdue": "true"}), (STATS_URL, {})])
def test_an_unknown_time_zone_is_a_400_naming_tz(auth_client, url, params, name):
    response = auth_client.get(url, {**params, "tz": name})

    assert response.status_code == 400
    assert list(response.json()) == ["tz"]
    assert "IANA name" in response.json()["tz"][0]


@pytest.mark.parametrize(
    ("params", "named"),
    [
        (
            {"tz": "Mars/Olympus_Mons", "status": "bogus", "page": "0", "page_size": "x"},
            ["page", "page_size", "status", "tz"],
        ),
        ({"tz": "Mars/Olympus_Mons", "page": "-1"}, ["page", "tz"]),
        ({"due_before": "01/02/24", "search": "s" * 101, "page_size": "0"}, ["due_before", "page_size", "search"]),
        ({"status": "done", "tz": "Europe/Paris", "page": "last"}, ["page"]),
    ],
)
def test_a_bad_list_parameter_does_not_hide_another(auth_client, params, named):
    # Given a list request with several parameters at fault (the zone is checked first, then the filters, then paging)
    response = auth_client.get(LIST_URL, params)

    # Then one 400 names each of them, and only them
    assert response.status_code == 400
    assert sorted(response.json()) == named
    assert all(isinstance(messages, list) and messages for messages in response.json().values())


def test_an_empty_time_zone_is_utc(auth_client, user):
    _, _, utc_today = _zone_on_another_date()
    TaskFactory(owner=user, status="todo", due_date=datetime.fromisoformat(utc_today).date() - timedelta(days=1))

    assert auth_client.get(STATS_URL, {"tz": ""}).json()["overdue"] == 1


def test_overdue_compares_with_the_users_today_in_the_list_and_the_stats(auth_client, user):
    name, zone_today, utc_today = _zone_on_another_date()
    # Due on the earlier of the two dates: overdue where today is the later one only.
    task = TaskFactory(owner=user, status="todo", due_date=min(zone_today, utc_today))
    overdue_in_zone = zone_today > utc_today

    in_utc = auth_client.get(LIST_URL, {"overdue": "true"})
    in_zone = auth_client.get(LIST_URL, {"overdue": "true", "tz": name})
    not_in_zone = auth_client.get(LIST_URL, {"overdue": "false", "tz": name})
    stats_in_utc = auth_client.get(STATS_URL).json()
    stats_in_zone = auth_client.get(STATS_URL, {"tz": name}).json()

    assert ids(in_utc) == ([] if overdue_in_zone else [str(task.id)])
    assert ids(in_zone) == ([str(task.id)] if overdue_in_zone else [])
    assert ids(not_in_zone) == ([] if overdue_in_zone else [str(task.id)])
    assert in_zone.json()["count"] == (1 if overdue_in_zone else 0)
    assert stats_in_utc["overdue"] == (0 if overdue_in_zone else 1)
    assert stats_in_zone["overdue"] == (1 if overdue_in_zone else 0)


def test_the_stats_days_end_on_the_users_today_and_count_a_completion_on_their_day(auth_client, user):
    name, zone_today, utc_today = _zone_on_another_date()
    TaskFactory(owner=user, status="done", completed_at=timezone.now())

    in_utc = auth_client.get(STATS_URL).json()["completed_per_day"]
    in_zone = auth_client.get(STATS_URL, {"tz": name}).json()["completed_per_day"]

    assert in_utc[-1] == {"date": utc_today, "count": 1}
    assert in_zone[-1] == {"date": zone_today, "count": 1}
    assert sum(day["count"] for day in in_zone) == 1


def test_two_zones_on_the_same_date_keep_their_own_stats_entry(rf):
    # Paris and Berlin always share a date: the date alone would make one zone's cached stats the other's.
    from rest_framework.request import Request

    from backend.tasks.selectors import TASK_STATS

    paris = TASK_STATS.key_parts(Request(rf.get(STATS_URL, {"tz": "Europe/Paris"})))
    berlin = TASK_STATS.key_parts(Request(rf.get(STATS_URL, {"tz": "Europe/Berlin"})))

    assert paris is not None
    assert berlin is not None
    assert paris[0] == berlin[0]
    assert paris != berlin


def test_a_cached_list_hit_with_a_zone_parses_no_query_string(auth_client, monkeypatch):
    # The cached reads' keys are remembered per URL so that a hit parses nothing; reading tz must not undo that.
    from django.http import QueryDict

    url = f"{LIST_URL}?page_size=20&tz=Europe/Paris"
    assert auth_client.get(url).status_code == 200  # rendered, and cached
    parsed = []
    parse = QueryDict.__init__

    def counted(self, *args, **kwargs):
        parsed.append(args)
        parse(self, *args, **kwargs)

    monkeypatch.setattr(QueryDict, "__init__", counted)

    response = auth_client.get(url)

    assert response.status_code == 200
    assert parsed == []


@pytest.mark.parametrize(
    ("query", "zone"),
    [
        ("tz=Europe%2FParis", "Europe/Paris"),
        ("stz=Asia/Tokyo&tz=Europe/Paris", "Europe/Paris"),
        ("xtz=Asia/Tokyo", "UTC"),
    ],
)
def test_the_zone_is_read_from_the_query_string_as_query_params_would(rf, query, zone):
    from rest_framework.request import Request

    from backend.common.time_zones import request_zone

    assert str(request_zone(Request(rf.get(f"{STATS_URL}?{query}")))) == zone
