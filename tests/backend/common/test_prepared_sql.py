"""Pages from SQL compiled once (backend/common/prepared_sql.py): the same rows as the ORM's slices."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext

from backend.common.pagination import DeferredJoinPaginator
from backend.common.prepared_sql import PageStatement, PreparedRows
from backend.tasks.models import Task
from backend.tasks.selectors import task_list_rows
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db
ON_POSTGRESQL = connection.vendor == "postgresql"


def _orm_rows(owner):
    return (
        Task.objects.filter(owner=owner)
        .values_list("pk", "title", "created_at", named=True)
        .order_by("-created_at", "-id")
    )


@pytest.fixture
def statement():
    return PageStatement(lambda owner_id: _orm_rows(owner_id), model=Task, markers=(uuid4(),))


@pytest.fixture
def tasks(user, other_user):
    made = TaskFactory.create_batch(25, owner=user)
    TaskFactory(owner=other_user, title="not theirs")
    # Two groups with one created_at each: the order within a group rests on the id tie-break.
    start = datetime(2026, 1, 1, tzinfo=UTC)
    Task.objects.filter(pk__in=[task.pk for task in made]).update(created_at=start)
    Task.objects.filter(pk__in=[task.pk for task in made[:10]]).update(created_at=start + timedelta(hours=1))
    return made


@pytest.mark.skipif(not ON_POSTGRESQL, reason="prepared on PostgreSQL only")
@pytest.mark.parametrize("window", [(0, 20), (20, 40), (3, 4), (24, 25), (0, 0), (25, 30), (100, 120)])
def test_a_page_has_the_rows_of_the_orms_slice_in_the_same_order(statement, user, tasks, window):
    rows = statement.rows_for(user.pk)

    assert isinstance(rows, PreparedRows)
    page = rows[window[0] : window[1]]
    assert page == list(_orm_rows(user)[window[0] : window[1]])
    assert [type(row) for row in page] == [type(row) for row in _orm_rows(user)[window[0] : window[1]]]


@pytest.mark.skipif(not ON_POSTGRESQL, reason="prepared on PostgreSQL only")
def test_a_page_is_one_parameterised_query_and_the_sql_is_compiled_once(statement, user, tasks, monkeypatch):
    statement.rows_for(user.pk)[0:1]  # compiles
    compiles = []
    monkeypatch.setattr(PageStatement, "_compile", lambda self, alias: compiles.append(alias))

    with CaptureQueriesContext(connection) as queries:
        statement.rows_for(user.pk)[5:10]

    assert compiles == []
    assert len(queries.captured_queries) == 1
    sql = queries.captured_queries[0]["sql"]
    assert "LIMIT 5 OFFSET 5" in sql
    assert str(user.pk) in sql or user.pk.hex in sql


@pytest.mark.skipif(not ON_POSTGRESQL, reason="prepared on PostgreSQL only")
def test_the_count_is_the_querysets(statement, user, tasks):
    assert statement.rows_for(user.pk).count() == 25


@pytest.mark.skipif(not ON_POSTGRESQL, reason="prepared on PostgreSQL only")
@pytest.mark.parametrize("key", [0, slice(0, None), slice(0, 10, 2), slice(-1, 3), slice(5, 2)])
def test_anything_but_a_bounded_forward_slice_is_refused(statement, user, key):
    with pytest.raises(TypeError, match=r"rows\[start:stop\]"):
        statement.rows_for(user.pk)[key]


@pytest.mark.skipif(not ON_POSTGRESQL, reason="prepared on PostgreSQL only")
def test_a_queryset_of_another_shape_is_left_to_the_orm(user):
    two_parameters = PageStatement(
        lambda owner_id: _orm_rows(owner_id).filter(title="x"), model=Task, markers=(uuid4(),)
    )

    assert isinstance(two_parameters.rows_for(user.pk), QuerySet)


@pytest.mark.skipif(ON_POSTGRESQL, reason="the other backends")
def test_other_backends_run_the_queryset(statement, user):
    assert isinstance(statement.rows_for(user.pk), QuerySet)


def test_the_task_list_pages_are_prepared_on_postgresql_only(user):
    assert isinstance(task_list_rows(owner=user, filters={}), PreparedRows) is ON_POSTGRESQL
    assert isinstance(task_list_rows(owner=user, filters={"status": "todo"}), QuerySet)


@pytest.mark.skipif(not ON_POSTGRESQL, reason="prepared on PostgreSQL only")
def test_a_shallow_page_builds_no_queryset_and_a_count_builds_it_once(user, tasks):
    built = []
    statement = PageStatement(
        lambda owner_id: built.append(owner_id) or _orm_rows(owner_id), model=Task, markers=(uuid4(),)
    )
    statement.rows_for(user.pk)[0:1]  # compiles (with the marker)
    built.clear()

    rows = statement.rows_for(user.pk)
    page = rows[0:20]

    assert built == []
    assert len(page) == 20
    assert rows.count() == rows.count() == 25
    assert built == [user.pk]


@pytest.mark.skipif(not ON_POSTGRESQL, reason="prepared on PostgreSQL only")
def test_the_paginator_builds_no_queryset_for_a_shallow_page(user, tasks):
    rows = task_list_rows(owner=user, filters={})
    paginator = DeferredJoinPaginator(rows, 20, count_source=lambda: 25)  # a cached count, as the view has

    assert [row.pk for row in paginator.page(2)] == [row.pk for row in _orm_rows(user)[20:25]]
    assert "queryset" not in vars(rows)


@pytest.mark.skipif(not ON_POSTGRESQL, reason="prepared on PostgreSQL only")
@pytest.mark.parametrize("anchor_index", [0, 9, 10, 17, 24])
def test_a_deep_page_from_its_anchor_has_the_rows_of_the_orms_seek(user, tasks, anchor_index):
    from backend.tasks import selectors

    anchor_row = selectors._unfiltered_rows(user.pk)[anchor_index]
    anchor = (anchor_row.created_at, anchor_row.pk)

    prepared = selectors._UNFILTERED_ROWS_FROM.rows_for(user.pk, *anchor)
    orms = selectors._seek(selectors._unfiltered_rows(user.pk), *anchor)

    assert isinstance(prepared, PreparedRows)  # created_at is three of its parameters, matched by value
    assert prepared[0:20] == list(orms[0:20])
    assert prepared[0:20][0].pk == anchor_row.pk


@pytest.mark.skipif(not ON_POSTGRESQL, reason="prepared on PostgreSQL only")
def test_markers_that_do_not_tell_the_parameters_apart_are_left_to_the_orm(user):
    same = uuid4()
    statement = PageStatement(lambda a, b: _orm_rows(a).filter(owner_id=b), model=Task, markers=(same, same))

    assert isinstance(statement.rows_for(user.pk, user.pk), QuerySet)
