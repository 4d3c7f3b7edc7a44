"""The admin's lists at operator scale: a page reads its own rows, not an aggregate of every task, and counts the
rows it filters once, not a second time for the whole table (docs/scaling.md)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backend.accounts.services import session_start
from tests.factories import TaskFactory, UserFactory

pytestmark = pytest.mark.django_db


def _get(admin_client, name: str, params: dict) -> tuple[list, list[str]]:
    rows, queries, _ = _changelist(admin_client, name, params)
    return rows, queries


def _changelist(admin_client, name: str, params: dict) -> tuple[list, list[str], list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(reverse(name), params)
    assert response.status_code == 200
    changelist = response.context["cl"]
    return list(changelist.result_list), [q["sql"] for q in queries.captured_queries], list(changelist.list_display)


def _counts(queries: list[str]) -> list[str]:
    return [sql for sql in queries if sql.startswith("SELECT COUNT(")]


def test_the_user_list_counts_each_shown_users_tasks_without_aggregating_every_task(admin_client):
    busy, idle = UserFactory(email="busy@example.com"), UserFactory(email="idle@example.com")
    TaskFactory.create_batch(3, owner=busy)

    rows, queries, columns = _changelist(admin_client, "admin:accounts_user_changelist", {})
    tasks_column = columns.index("task_count")
    by_tasks, _ = _get(admin_client, "admin:accounts_user_changelist", {"o": f"-{tasks_column}"})

    assert {user.email: user._task_count for user in rows if user.pk in {busy.pk, idle.pk}} == {
        "busy@example.com": 3,
        "idle@example.com": 0,
    }
    assert by_tasks[0].pk == busy.pk
    assert not [sql for sql in queries if 'JOIN "tasks_task"' in sql]  # a subquery per shown user instead


@pytest.mark.parametrize(
    ("changelist", "params"),
    [
        ("admin:accounts_user_changelist", {"is_active__exact": "1"}),
        ("admin:accounts_authsession_changelist", {"revoked_at__isnull": "True"}),
        ("admin:tasks_task_changelist", {"status__exact": "todo"}),
    ],
)
def test_a_filtered_list_counts_its_rows_once_not_the_whole_table_as_well(admin_client, changelist, params):
    user = UserFactory()
    TaskFactory(owner=user)
    session_start(user=user)

    _, queries = _get(admin_client, changelist, params)

    assert len(_counts(queries)) == 1  # Django's changelist also counts every row for "N total" unless told not to


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan; SQLite has the same index")
def test_the_user_list_reads_its_newest_first_page_from_an_index_with_no_sort(admin_client):
    # Given a few accounts, and the planner barred from anything else (a few rows would otherwise be sorted, cheaper)
    UserFactory.create_batch(3)
    with CaptureQueriesContext(connection) as queries:
        assert admin_client.get(reverse("admin:accounts_user_changelist")).status_code == 200
    page = next(q for q in queries.captured_queries if "ORDER BY" in q["sql"] and '"accounts_user"' in q["sql"])

    with connection.cursor() as cursor:
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort", "enable_incremental_sort"):
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute(f"EXPLAIN (COSTS OFF) {page['sql']}")
        plan = "\n".join(row[0] for row in cursor.fetchall())

    # Then the page's ORDER BY (date_joined, then the pk, both descending) is the index's, read backwards
    assert "accounts_user_joined_idx" in plan
    assert "Sort" not in plan.replace("Sort Key", "")
