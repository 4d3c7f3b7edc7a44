"""The project's SQLite backend (backend/common/sqlite3/base.py): case-insensitive lookups fold every letter, not
ASCII letters only, as SQLite's own LIKE does. On the SQLite leg; PostgreSQL folds by its server's locale."""

import pytest
from django.db import connection
from django.db.models import F

from backend.tasks.models import Task
from tests.backend.tasks.helpers import LIST_URL, ids
from tests.factories import TaskFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite leg only"),
]


@pytest.mark.parametrize(
    ("stored", "searched"),
    [
        ("Élan vital", "élan"),
        ("über den Fluss", "ÜBER"),
        ("ПРИВЕТ мир", "привет"),
        ("Σοφία notes", "ΣΟΦΊΑ"),
    ],
)
def test_search_matches_letters_outside_ascii_whatever_their_case(auth_client, user, stored, searched):
    match = TaskFactory(owner=user, title=stored)
    TaskFactory(owner=user, title="plain words only")

    response = auth_client.get(LIST_URL, {"search": searched})

    assert response.status_code == 200
    assert ids(response) == [str(match.id)]


def test_every_case_insensitive_lookup_folds_letters_outside_ascii(user):
    task = TaskFactory(owner=user, title="Ärger über Élan")
    TaskFactory(owner=user, title="something else")
    tasks = Task.objects.filter(owner=user)

    assert list(tasks.filter(title__iexact="ärger ÜBER élan")) == [task]
    assert list(tasks.filter(title__icontains="ÜBER")) == [task]
    assert list(tasks.filter(title__istartswith="ärger")) == [task]
    assert list(tasks.filter(title__iendswith="ÉLAN")) == [task]


def test_a_column_compared_with_another_folds_both(user):
    # The value is an expression, not a parameter: Django's pattern_ops, with the same fold.
    starts = TaskFactory(owner=user, title="ÉLAN first", description="élan")
    ends = TaskFactory(owner=user, title="last ÉLAN", description="élan")
    TaskFactory(owner=user, title="no match here", description="élan")
    tasks = Task.objects.filter(owner=user)

    assert set(tasks.filter(title__icontains=F("description"))) == {starts, ends}
    assert list(tasks.filter(title__istartswith=F("description"))) == [starts]
    assert list(tasks.filter(title__iendswith=F("description"))) == [ends]


def test_like_wildcards_in_a_searched_value_stay_literal(user):
    literal = TaskFactory(owner=user, title="50% ÉLAN_done")
    TaskFactory(owner=user, title="50 percent élan done")
    TaskFactory(owner=user, title="50% élanXdone")

    assert list(Task.objects.filter(owner=user, title__icontains="% élan_")) == [literal]
