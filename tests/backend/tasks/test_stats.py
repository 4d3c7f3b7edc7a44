"""GET /api/tasks/stats/ and the task_stats selector."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from backend.tasks.selectors import task_stats
from tests.backend.tasks.helpers import STATS_URL
from tests.dbvendor import skip_on_mongodb
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db

TODAY = date(2030, 6, 15)


def _at(day: date, hour: int = 12, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _empty_days(today: date) -> list[dict]:
    return [{"date": today - timedelta(days=back), "count": 0} for back in range(13, -1, -1)]


def test_stats_of_a_user_without_tasks_are_all_zero_with_14_days(user, other_user):
    TaskFactory(owner=other_user, status="done", completed_at=_at(TODAY))

    stats = task_stats(owner=user, today=TODAY)

    assert stats == {
        "total": 0,
        "by_status": {"todo": 0, "in_progress": 0, "done": 0},
        "by_priority": {"low": 0, "medium": 0, "high": 0},
        "overdue": 0,
        "completed_per_day": _empty_days(TODAY),
    }


def test_stats_count_by_status_priority_and_overdue(user, other_user):
    TaskFactory(owner=user, status="todo", priority="low", due_date=TODAY - timedelta(days=1))  # overdue
    TaskFactory(owner=user, status="in_progress", priority="high", due_date=TODAY - timedelta(days=9))  # overdue
    TaskFactory(owner=user, status="done", priority="high", due_date=TODAY - timedelta(days=1))  # done: not overdue
    TaskFactory(owner=user, status="todo", priority="medium", due_date=TODAY)  # due today: not overdue
    TaskFactory(owner=user, status="todo", priority="high", due_date=None)
    TaskFactory.create_batch(3, owner=other_user, status="todo", due_date=TODAY - timedelta(days=1))

    stats = task_stats(owner=user, today=TODAY)

    assert stats["total"] == 5
    assert stats["by_status"] == {"todo": 3, "in_progress": 1, "done": 1}
    assert stats["by_priority"] == {"low": 1, "medium": 1, "high": 3}
    assert stats["overdue"] == 2


def test_completed_per_day_covers_exactly_the_last_14_days_oldest_first(user):
    first_day = TODAY - timedelta(days=13)
    TaskFactory(owner=user, status="done", completed_at=_at(first_day, 0, 0))  # first instant of the window
    TaskFactory(owner=user, status="done", completed_at=_at(first_day - timedelta(days=1), 23, 59))  # just before
    TaskFactory.create_batch(2, owner=user, status="done", completed_at=_at(TODAY, 23, 59))
    TaskFactory(owner=user, status="done", completed_at=_at(TODAY - timedelta(days=5)))
    TaskFactory(owner=user, status="done", completed_at=_at(TODAY + timedelta(days=1), 0, 0))  # tomorrow

    days = task_stats(owner=user, today=TODAY)["completed_per_day"]

    assert len(days) == 14
    assert [day["date"] for day in days] == [first_day + timedelta(days=n) for n in range(14)]
    counts = {day["date"]: day["count"] for day in days}
    assert counts[first_day] == 1
    assert counts[TODAY] == 2
    assert counts[TODAY - timedelta(days=5)] == 1
    assert sum(counts.values()) == 4


def test_completed_per_day_ignores_tasks_no_longer_done_and_other_users(user, other_user):
    TaskFactory(owner=user, status="todo", completed_at=_at(TODAY))  # inconsistent row: reopened
    TaskFactory(owner=other_user, status="done", completed_at=_at(TODAY))

    days = task_stats(owner=user, today=TODAY)["completed_per_day"]

    assert days == _empty_days(TODAY)


def test_stats_take_one_query_however_many_tasks(user, django_assert_num_queries):
    for offset in range(14):
        TaskFactory.create_batch(3, owner=user, status="done", completed_at=_at(TODAY - timedelta(days=offset)))
    TaskFactory.create_batch(10, owner=user, status="todo", due_date=TODAY - timedelta(days=2))

    with django_assert_num_queries(1):
        stats = task_stats(owner=user, today=TODAY)

    assert stats["total"] == 52
    assert [day["count"] for day in stats["completed_per_day"]] == [3] * 14


# --- API ------------------------------------------------------------------------------------------


def test_stats_api_reports_today_in_json(auth_client, user, django_assert_max_num_queries):
    today = timezone.localdate()
    TaskFactory(owner=user, status="done", priority="low", completed_at=timezone.now())
    TaskFactory(owner=user, status="todo", priority="high", due_date=today - timedelta(days=3))
    auth_client.get(STATS_URL)  # warm the session-liveness cache

    with django_assert_max_num_queries(2):  # the user (JWT auth) + the stats query
        response = auth_client.get(STATS_URL)

    assert response.status_code == 200
    body = response.json()
    expected_days = [
        {"date": (today - timedelta(days=back)).isoformat(), "count": 1 if back == 0 else 0}
        for back in range(13, -1, -1)
    ]
    assert body == {
        "total": 2,
        "by_status": {"todo": 1, "in_progress": 0, "done": 1},
        "by_priority": {"low": 1, "medium": 0, "high": 1},
        "overdue": 1,
        "completed_per_day": expected_days,
    }


@pytest.mark.django_db(transaction=True)  # the cached stats are retired on commit
def test_stats_api_follows_completion_through_patch(auth_client, user):
    task = TaskFactory(owner=user)

    auth_client.patch(f"/api/tasks/{task.id}/", {"status": "done"}, format="json")
    done = auth_client.get(STATS_URL).json()
    auth_client.patch(f"/api/tasks/{task.id}/", {"status": "todo"}, format="json")
    reopened = auth_client.get(STATS_URL).json()

    assert done["by_status"]["done"] == 1
    assert done["completed_per_day"][-1]["count"] == 1
    assert reopened["by_status"]["done"] == 0
    assert reopened["completed_per_day"][-1]["count"] == 0


@pytest.mark.parametrize("path", ["/api/tasks/stats", "/api/tasks/stats/"])
def test_stats_answers_with_and_without_trailing_slash(auth_client, path):
    response = auth_client.get(path)

    assert response.status_code == 200
    assert response.json()["total"] == 0


def test_stats_is_read_only(auth_client):
    response = auth_client.post(STATS_URL, {}, format="json")

    assert response.status_code == 405


def test_completed_per_day_counts_each_completion_on_the_zones_day(user):
    new_york = ZoneInfo("America/New_York")  # UTC-4 in June: its days run from 04:00 to 04:00 UTC
    first_day = TODAY - timedelta(days=13)
    TaskFactory(owner=user, status="done", completed_at=datetime(2030, 6, 2, 3, 59, tzinfo=UTC))  # 1 June there
    TaskFactory(owner=user, status="done", completed_at=datetime(2030, 6, 2, 4, 0, tzinfo=UTC))  # the first day
    TaskFactory(owner=user, status="done", completed_at=datetime(2030, 6, 15, 3, 0, tzinfo=UTC))  # 14 June there
    TaskFactory(owner=user, status="done", completed_at=datetime(2030, 6, 16, 3, 59, tzinfo=UTC))  # today there
    TaskFactory(owner=user, status="done", completed_at=datetime(2030, 6, 16, 4, 0, tzinfo=UTC))  # tomorrow there

    days = task_stats(owner=user, today=TODAY, zone=new_york)["completed_per_day"]

    assert first_day == date(2030, 6, 2)
    assert {day["date"]: day["count"] for day in days if day["count"]} == {
        first_day: 1,
        date(2030, 6, 14): 1,
        TODAY: 1,
    }


@skip_on_mongodb("SQL: the query is read as SQL")
def test_the_database_is_given_no_zone_name_which_its_own_time_zone_data_might_not_know(user):
    # A managed PostgreSQL's zone data can be older than the app's: AT TIME ZONE 'a newer zone' would be a 500.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        task_stats(owner=user, today=TODAY, zone=ZoneInfo("America/New_York"))

    assert not any("New_York" in query["sql"] or "TIME ZONE" in query["sql"].upper() for query in queries)
