"""ordering=title on PostgreSQL: ICU's language-neutral order (models.TitleSortKey), from its index, and the database's
own order where the server has no ICU collation. SQLite and MongoDB sort as before (test_filters.py,
test_mongodb_queries.py)."""

import pytest
from django.db import connection
from django.db.models.functions import Lower
from django.test.utils import CaptureQueriesContext

from backend.tasks import models as task_models
from backend.tasks.models import Task
from backend.tasks.selectors import task_list_rows
from tests.backend.tasks.helpers import LIST_URL, titles
from tests.factories import TaskFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only: its ICU collation"),
]

# In ICU's root order, case aside. By code point (the C and C.UTF-8 collations) the accented ones would come
# after "zebra", and "Zürich" after "Zuse".
ICU_ORDER = ["apple", "Banana", "éclair", "Émile", "emu", "ölçek", "Øre", "Oslo", "zebra", "Zürich", "Zuse"]


def _pages(client, ordering: str, *, size: int) -> list[str]:
    seen: list[str] = []
    for page in range(1, len(ICU_ORDER) // size + 2):
        response = client.get(LIST_URL, {"ordering": ordering, "page_size": size, "page": page})
        assert response.status_code == 200
        seen += titles(response)
    return seen


def test_without_the_icu_collation_on_the_server_titles_sort_in_the_databases_order_not_an_error(
    auth_client, user, monkeypatch
):
    # Given a server that has no collation of the name asked for (a name no server has: the lookup is real)
    monkeypatch.setattr(task_models, "TITLE_COLLATION", "und-x-icu-not-installed")
    for title in ICU_ORDER:
        TaskFactory(owner=user, title=title)
    databases_order = list(
        Task.objects.filter(owner=user).order_by(Lower("title"), "id").values_list("title", flat=True)
    )

    # When the list is ordered by title
    with CaptureQueriesContext(connection) as queries:
        response = auth_client.get(LIST_URL, {"ordering": "title", "page_size": 100})

    # Then it is the plain lower(title) order, with no COLLATE that would fail
    assert response.status_code == 200
    assert titles(response) == databases_order
    assert not any("COLLATE" in query["sql"] for query in queries.captured_queries)


def test_accented_and_mixed_case_titles_sort_beside_their_base_letters_across_pages(auth_client, user):
    for title in reversed(ICU_ORDER):
        TaskFactory(owner=user, title=title)

    assert _pages(auth_client, "title", size=4) == ICU_ORDER
    assert _pages(auth_client, "-title", size=4) == list(reversed(ICU_ORDER))


def test_titles_differing_only_in_case_accented_letters_included_tie_and_break_on_id(auth_client, user):
    tasks = [TaskFactory(owner=user, title=title) for title in ("ÉCLAIR", "éclair", "Éclair", "ÉcLaIr")]
    by_id = [task.title for task in sorted(tasks, key=lambda task: str(task.id))]

    response = auth_client.get(LIST_URL, {"ordering": "title"})

    assert titles(response) == by_id


@pytest.mark.parametrize("ordering", ["title", "-title"])
def test_a_title_ordered_page_is_read_in_order_from_its_index_with_no_sort(user, ordering):
    # Given the planner barred from anything else (a few rows would otherwise be scanned and sorted, cheaper)
    TaskFactory.create_batch(5, owner=user)
    sql, params = task_list_rows(owner=user, filters={"ordering": ordering})[:20].query.sql_with_params()

    with connection.cursor() as cursor:
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort", "enable_incremental_sort"):
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute(f"EXPLAIN (COSTS OFF) {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    # Then the ORDER BY (the collated key, then id) is the index's: one index scan, nothing sorted
    assert "task_owner_title_sort_idx" in plan
    assert "Sort" not in plan
