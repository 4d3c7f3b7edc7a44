"""Query-string filters and ordering of GET /api/tasks/."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.backend.tasks.helpers import LIST_URL, ids, make_task
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db


def _get(client, **params):
    return client.get(LIST_URL, params)


def _ids_of(*tasks) -> list[str]:
    return [str(task.id) for task in tasks]


# --- invalid input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"status": "archived"}, "status", "Unknown value(s): 'archived'. Choose from: todo, in_progress, done."),
        ({"status": "todo,nope"}, "status", "Unknown value(s): 'nope'. Choose from: todo, in_progress, done."),
        ({"status": "todo,"}, "status", "Unknown value(s): ''. Choose from: todo, in_progress, done."),
        ({"status": "TODO"}, "status", "Unknown value(s): 'TODO'. Choose from: todo, in_progress, done."),
        ({"priority": "urgent,low"}, "priority", "Unknown value(s): 'urgent'. Choose from: low, medium, high."),
        ({"due_before": "2024-02-30"}, "due_before", "Enter a valid date as YYYY-MM-DD."),
        ({"due_before": "2024-2-3"}, "due_before", "Enter a valid date as YYYY-MM-DD."),
        ({"due_after": "yesterday"}, "due_after", "Enter a valid date as YYYY-MM-DD."),
        ({"due_after": "01/02/2024"}, "due_after", "Enter a valid date as YYYY-MM-DD."),
        ({"due_after": "\u0661\u0662\u0663\u0664-01-01"}, "due_after", "Enter a valid date as YYYY-MM-DD."),
        ({"overdue": "yes"}, "overdue", "Select a valid choice. yes is not one of the available choices."),
        ({"overdue": "1"}, "overdue", "Select a valid choice. 1 is not one of the available choices."),
        ({"ordering": "owner"}, "ordering", "Select a valid choice. owner is not one of the available choices."),
        ({"ordering": "--title"}, "ordering", "Select a valid choice. --title is not one of the available choices."),
        (
            {"ordering": "title,-id"},
            "ordering",
            "Select a valid choice. title,-id is not one of the available choices.",
        ),
        ({"search": "x" * 101}, "search", "Ensure this value has at most 100 characters (it has 101)."),
        # PostgreSQL refuses NUL in text: it must be a 400 before reaching the database, never a 500.
        ({"search": "a\x00b"}, "search", "Null characters are not allowed."),
        ({"status": "\x00"}, "status", "Null characters are not allowed."),
    ],
)
def test_invalid_filter_is_400_naming_the_parameter(auth_client, user, params, field, message):
    TaskFactory(owner=user)

    response = _get(auth_client, **params)

    assert response.status_code == 400
    assert response.json() == {field: [message]}


def test_several_invalid_filters_are_all_reported(auth_client):
    response = _get(auth_client, status="x", ordering="y", due_before="z")

    assert response.status_code == 400
    assert set(response.json()) == {"status", "ordering", "due_before"}


@pytest.mark.parametrize("param", ["status", "priority", "search", "due_before", "due_after", "overdue", "ordering"])
def test_empty_parameter_means_no_filter(auth_client, user, param):
    tasks = [TaskFactory(owner=user) for _ in range(2)]

    response = _get(auth_client, **{param: ""})

    assert response.status_code == 200
    assert sorted(ids(response)) == sorted(_ids_of(*tasks))


def test_unknown_parameters_are_ignored(auth_client, user):
    task = TaskFactory(owner=user)

    response = _get(auth_client, colour="red")

    assert ids(response) == _ids_of(task)


# --- status and priority --------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["todo", "in_progress", "done"])
def test_status_filter_returns_only_that_status(auth_client, user, value):
    by_status = {status: TaskFactory(owner=user, status=status) for status in ("todo", "in_progress", "done")}

    response = _get(auth_client, status=value)

    assert ids(response) == _ids_of(by_status[value])


def test_status_filter_accepts_a_comma_list_with_spaces(auth_client, user):
    todo = TaskFactory(owner=user, status="todo")
    TaskFactory(owner=user, status="in_progress")
    done = TaskFactory(owner=user, status="done")

    response = _get(auth_client, status="todo, done,todo", ordering="created_at")

    assert ids(response) == _ids_of(todo, done)


@pytest.mark.parametrize(("value", "expected"), [("low", ["low"]), ("high,medium", ["medium", "high"])])
def test_priority_filter(auth_client, user, value, expected):
    tasks = {priority: TaskFactory(owner=user, priority=priority) for priority in ("low", "medium", "high")}

    response = _get(auth_client, priority=value, ordering="priority")

    assert ids(response) == _ids_of(*(tasks[p] for p in expected))


def test_filters_combine_with_and(auth_client, user):
    match = TaskFactory(owner=user, status="todo", priority="high", title="report")
    TaskFactory(owner=user, status="todo", priority="low", title="report")
    TaskFactory(owner=user, status="done", priority="high", title="report")
    TaskFactory(owner=user, status="todo", priority="high", title="other")

    response = _get(auth_client, status="todo", priority="high", search="report")

    assert ids(response) == _ids_of(match)


def test_filters_never_reach_other_users_tasks(auth_client, user, other_user):
    TaskFactory(owner=other_user, status="todo", title="needle")

    response = _get(auth_client, status="todo", search="needle")

    assert response.json()["count"] == 0


# --- search ---------------------------------------------------------------------------------------


def test_search_matches_title_or_description_case_insensitively(auth_client, user):
    in_title = TaskFactory(owner=user, title="Write the QUARTERLY report")
    in_description = TaskFactory(owner=user, title="Other", description="due with the Quarterly numbers")
    TaskFactory(owner=user, title="Unrelated", description="nothing here")

    response = _get(auth_client, search="quarterly", ordering="created_at")

    assert ids(response) == _ids_of(in_title, in_description)


@pytest.mark.parametrize("needle", [".*", "(", "%", "_", "[a-z]", "\\", "'; --", "a|b"])
def test_search_treats_special_characters_literally(auth_client, user, needle):
    literal = TaskFactory(owner=user, title=f"has {needle} inside")
    TaskFactory(owner=user, title="plain words only", description="abc xyz 123")

    response = _get(auth_client, search=needle)

    assert response.status_code == 200
    assert ids(response) == _ids_of(literal)


def test_search_of_exactly_100_characters_is_accepted(auth_client, user):
    task = TaskFactory(owner=user, description="y" + "x" * 100)

    response = _get(auth_client, search="x" * 100)

    assert ids(response) == _ids_of(task)


def test_search_is_trimmed(auth_client, user):
    task = TaskFactory(owner=user, title="milk")

    response = _get(auth_client, search="  milk  ")

    assert ids(response) == _ids_of(task)


# --- due dates and overdue ------------------------------------------------------------------------


@pytest.fixture
def dated(user):
    """Tasks due on 2030-01-09, -10 and -11, and one with no due date."""
    base = timezone.datetime(2030, 1, 10).date()
    return {
        "before": TaskFactory(owner=user, due_date=base - timedelta(days=1)),
        "on": TaskFactory(owner=user, due_date=base),
        "after": TaskFactory(owner=user, due_date=base + timedelta(days=1)),
        "none": TaskFactory(owner=user, due_date=None),
    }


def test_due_before_includes_the_day_itself(auth_client, dated):
    response = _get(auth_client, due_before="2030-01-10", ordering="due_date")

    assert ids(response) == _ids_of(dated["before"], dated["on"])


def test_due_after_includes_the_day_itself(auth_client, dated):
    response = _get(auth_client, due_after="2030-01-10", ordering="due_date")

    assert ids(response) == _ids_of(dated["on"], dated["after"])


def test_due_after_and_before_the_same_day_is_that_day(auth_client, dated):
    response = _get(auth_client, due_after="2030-01-10", due_before="2030-01-10")

    assert ids(response) == _ids_of(dated["on"])


def test_due_after_later_than_due_before_is_empty(auth_client, dated):
    response = _get(auth_client, due_after="2030-01-11", due_before="2030-01-09")

    assert response.status_code == 200
    assert response.json()["count"] == 0


@pytest.fixture
def overdue_cases(user):
    today = timezone.localdate()
    return {
        "overdue": TaskFactory(owner=user, due_date=today - timedelta(days=1), status="todo"),
        "overdue_in_progress": TaskFactory(owner=user, due_date=today - timedelta(days=30), status="in_progress"),
        "late_but_done": TaskFactory(owner=user, due_date=today - timedelta(days=1), status="done"),
        "due_today": TaskFactory(owner=user, due_date=today, status="todo"),
        "future": TaskFactory(owner=user, due_date=today + timedelta(days=1), status="todo"),
        "no_due_date": TaskFactory(owner=user, due_date=None, status="todo"),
    }


def test_overdue_true_is_past_due_and_not_done(auth_client, overdue_cases):
    response = _get(auth_client, overdue="true", ordering="created_at")

    assert ids(response) == _ids_of(overdue_cases["overdue"], overdue_cases["overdue_in_progress"])


def test_overdue_false_is_everything_else_including_no_due_date(auth_client, overdue_cases):
    response = _get(auth_client, overdue="false", ordering="created_at")

    expected = ("late_but_done", "due_today", "future", "no_due_date")
    assert ids(response) == _ids_of(*(overdue_cases[name] for name in expected))


# --- ordering -------------------------------------------------------------------------------------


def test_default_ordering_is_newest_first(auth_client, user):
    now = timezone.now()
    old = make_task(owner=user, created_at=now - timedelta(days=2))
    new = make_task(owner=user, created_at=now)
    middle = make_task(owner=user, created_at=now - timedelta(days=1))

    response = _get(auth_client)

    assert ids(response) == _ids_of(new, middle, old)


@pytest.mark.parametrize("field", ["created_at", "updated_at"])
def test_ordering_by_timestamp_ascending_and_descending(auth_client, user, field):
    now = timezone.now()
    tasks = [make_task(owner=user, **{field: now - timedelta(hours=hours)}) for hours in (1, 3, 2)]
    oldest_first = [tasks[1], tasks[2], tasks[0]]

    assert ids(_get(auth_client, ordering=field)) == _ids_of(*oldest_first)
    assert ids(_get(auth_client, ordering=f"-{field}")) == _ids_of(*reversed(oldest_first))


def test_ordering_by_priority_follows_rank_not_alphabet(auth_client, user):
    high = TaskFactory(owner=user, priority="high")
    low = TaskFactory(owner=user, priority="low")
    medium = TaskFactory(owner=user, priority="medium")

    assert ids(_get(auth_client, ordering="priority")) == _ids_of(low, medium, high)
    assert ids(_get(auth_client, ordering="-priority")) == _ids_of(high, medium, low)


def test_ordering_by_title_is_case_insensitive(auth_client, user):
    banana = TaskFactory(owner=user, title="banana")
    apple = TaskFactory(owner=user, title="Apple")
    cherry = TaskFactory(owner=user, title="cherry")

    assert ids(_get(auth_client, ordering="title")) == _ids_of(apple, banana, cherry)
    assert ids(_get(auth_client, ordering="-title")) == _ids_of(cherry, banana, apple)


def test_ordering_by_due_date_puts_tasks_without_one_last_both_ways(auth_client, dated):
    ascending = ("before", "on", "after", "none")
    descending = ("after", "on", "before", "none")

    assert ids(_get(auth_client, ordering="due_date")) == _ids_of(*(dated[name] for name in ascending))
    assert ids(_get(auth_client, ordering="-due_date")) == _ids_of(*(dated[name] for name in descending))


ORDERINGS = [
    *("created_at", "-created_at", "updated_at", "-updated_at", "due_date", "-due_date"),
    *("priority", "-priority", "title", "-title"),
]


@pytest.mark.parametrize("ordering", ORDERINGS)
def test_ties_break_on_id_in_the_same_direction(auth_client, user, ordering):
    now = timezone.now()
    tasks = [
        make_task(owner=user, title="same", priority="low", due_date=now.date(), created_at=now, updated_at=now)
        for _ in range(6)
    ]
    by_id = sorted(_ids_of(*tasks))

    first = ids(_get(auth_client, ordering=ordering))
    paged = ids(_get(auth_client, ordering=ordering, page_size=4)) + ids(
        _get(auth_client, ordering=ordering, page_size=4, page=2)
    )

    assert first == (list(reversed(by_id)) if ordering.startswith("-") else by_id)
    assert paged == first


@pytest.mark.django_db
@pytest.mark.parametrize("params", [{}, {"page": "2", "page_size": "5", "unknown": "x"}])
def test_without_filter_parameters_the_list_is_the_filtersets_default_query(user, params):
    from backend.tasks.filters import TaskFilter
    from backend.tasks.selectors import task_list, task_queryset

    TaskFactory.create_batch(3, owner=user)
    expected = TaskFilter(data=params, queryset=task_queryset(owner=user)).qs

    fast = task_list(owner=user, filters=params)

    assert str(fast.query) == str(expected.query)
    assert list(fast) == list(expected)
