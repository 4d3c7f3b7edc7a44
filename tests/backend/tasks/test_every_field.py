"""Every field a client can write is carried through each way in and comes back out: a field added to
TaskInputSerializer but not to the service, an update path, the output or the cached rows fails here
(docs/architecture.md, "Adding a field to Task")."""

import pytest

from backend.tasks.serializers import TaskInputSerializer
from backend.tasks.services import UPDATABLE_FIELDS
from tests.backend.tasks.helpers import detail_url

pytestmark = pytest.mark.django_db(transaction=True)  # cached reads are retired when a write commits

LIST = "/api/tasks/"
# A value for each writable field, as JSON, each unlike the field's default; and a second one, for updates.
SAMPLES = {
    "title": "Sample",
    "description": "Some details",
    "status": "in_progress",
    "priority": "high",
    "due_date": "2031-01-02",
}
OTHERS = {
    "title": "Other",
    "description": "More details",
    "status": "done",
    "priority": "low",
    "due_date": "2032-03-04",
}


def test_every_writable_field_has_its_samples_here():
    # A new field fails here first: give it a sample and another value, and the tests below carry it everywhere
    assert set(TaskInputSerializer().fields) == set(SAMPLES) == set(OTHERS) == set(UPDATABLE_FIELDS)


@pytest.mark.parametrize("field", sorted(SAMPLES))
def test_a_field_given_at_creation_is_stored_and_read_back_everywhere(auth_client, field):
    created = auth_client.post(LIST, {"title": "Task", field: SAMPLES[field]}, format="json")
    assert created.status_code == 201, created.content

    detail = auth_client.get(detail_url(created.json()["id"]))
    listed = auth_client.get(LIST)

    assert created.json()[field] == SAMPLES[field]
    assert detail.json()[field] == SAMPLES[field]
    assert listed.json()["results"][0][field] == SAMPLES[field]


@pytest.mark.parametrize("precondition", [False, True], ids=["in one statement", "with If-Match"])
@pytest.mark.parametrize("method", ["put", "patch"])
@pytest.mark.parametrize("field", sorted(SAMPLES))
def test_a_field_changed_by_an_update_is_stored_and_read_back(auth_client, field, method, precondition):
    # Given a task with every sample value (its list and detail read once, so they are cached)
    created = auth_client.post(LIST, SAMPLES, format="json").json()
    url = detail_url(created["id"])
    etag = auth_client.get(url)["ETag"]
    auth_client.get(LIST)

    # When one field changes, by a whole PUT body or a PATCH of it alone, with or without a precondition
    body = {**SAMPLES, field: OTHERS[field]} if method == "put" else {field: OTHERS[field]}
    headers = {"HTTP_IF_MATCH": etag} if precondition else {}
    updated = getattr(auth_client, method)(url, body, format="json", **headers)

    # Then the answer, the detail and the list all hold the new value, and no other field moved
    assert updated.status_code == 200, updated.content
    expected = {**SAMPLES, field: OTHERS[field]}
    for answer in (updated.json(), auth_client.get(url).json(), auth_client.get(LIST).json()["results"][0]):
        assert {name: answer[name] for name in SAMPLES} == expected
