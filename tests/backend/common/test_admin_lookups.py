"""Every admin change list answers a filter or search its database cannot take as Django answers any unusable lookup:
back to the list, flagged ``?e=1`` (backend/common/admin_lookups.py), never a 500. And no list filters by a regular
expression from its URL."""

import pytest
from django.db import connection
from django.urls import reverse

from backend.accounts.services import session_start
from backend.audit.models import AuditEvent
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db

# Each admin with a list, and a text field of its model to filter on.
CHANGELISTS = [
    ("admin:tasks_task_changelist", "title"),
    ("admin:accounts_user_changelist", "email"),
    ("admin:accounts_authsession_changelist", "user_agent"),
    ("admin:audit_auditevent_changelist", "email"),
    ("admin:auth_group_changelist", "name"),
]


@pytest.fixture
def rows(user):
    """A row in every listed table, so a list that ignored its filter would show something."""
    TaskFactory(owner=user, title="A task")
    session_start(user=user, user_agent="pytest")
    AuditEvent.objects.create(event=AuditEvent.Event.LOGOUT, user=user, email=user.email)


def _unfiltered(url: str) -> str:
    return f"{url}?e=1"


@pytest.mark.parametrize(("changelist", "field"), CHANGELISTS)
def test_a_filter_holding_a_nul_character_sends_the_list_back_to_its_error_page_on_postgresql(
    admin_client, rows, changelist, field
):
    url = reverse(changelist)

    # When an operator's URL filters a text field on a value holding a NUL character
    response = admin_client.get(f"{url}?{field}=%00")

    # Then PostgreSQL, which stores no NUL in text, refuses the value, and the admin answers as for any unusable
    # lookup; SQLite stores it like any other character, so the value is merely one no row has
    if connection.vendor == "postgresql":
        assert (response.status_code, response["Location"]) == (302, _unfiltered(url))
    else:
        assert (response.status_code, list(response.context["cl"].result_list)) == (200, [])


@pytest.mark.parametrize("lookup", ["regex", "iregex"])
@pytest.mark.parametrize(("changelist", "field"), CHANGELISTS)
def test_a_regular_expression_filter_is_refused_on_every_database(admin_client, rows, changelist, field, lookup):
    url = reverse(changelist)

    # When an operator's URL filters by a regular expression, valid or not: a scan of the whole table, matching
    # each row against a pattern from the URL (docs/operations.md)
    broken = admin_client.get(f"{url}?{field}__{lookup}=(")
    valid = admin_client.get(f"{url}?{field}__{lookup}=.")

    # Then it is an unusable lookup, on SQLite as on PostgreSQL
    assert (broken.status_code, broken["Location"]) == (302, _unfiltered(url))
    assert (valid.status_code, valid["Location"]) == (302, _unfiltered(url))


@pytest.mark.parametrize(("changelist", "field"), CHANGELISTS)
def test_an_ordinary_text_filter_still_filters(admin_client, rows, changelist, field):
    url = reverse(changelist)

    response = admin_client.get(f"{url}?{field}__startswith=zzz-no-such-prefix")

    assert (response.status_code, list(response.context["cl"].result_list)) == (200, [])
