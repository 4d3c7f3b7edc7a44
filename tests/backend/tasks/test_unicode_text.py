"""A task's title and description are kept in Unicode's NFC, and a search is read in NFC: one visible "é" is U+00E9
from most keyboards and "e" + U+0301 (a combining accent) from others, or pasted from a macOS file name, and
neither database's search matches one spelling with the other."""

import json

import pytest

from backend.tasks.models import Task
from tests.backend.tasks.helpers import LIST_URL, detail_url, titles
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db

COMPOSED = "Résumé für Zoë"  # NFC
DECOMPOSED = "Re\u0301sume\u0301 fu\u0308r Zoe\u0308"  # NFD: the same text, each accent a combining mark


def post(client, body):
    return client.post(LIST_URL, json.dumps(body), content_type="application/json")


def test_a_decomposed_title_and_description_are_stored_composed(auth_client):
    assert COMPOSED != DECOMPOSED

    response = post(auth_client, {"title": DECOMPOSED, "description": f"  {DECOMPOSED}\n"})

    assert response.status_code == 201
    assert (response.json()["title"], response.json()["description"]) == (COMPOSED, f"  {COMPOSED}\n")
    task = Task.objects.get()
    assert (task.title, task.description) == (COMPOSED, f"  {COMPOSED}\n")


def test_an_edit_with_a_decomposed_title_stores_it_composed(auth_client):
    task_id = post(auth_client, {"title": "Draft"}).json()["id"]

    response = auth_client.patch(detail_url(task_id), {"title": DECOMPOSED}, format="json")

    assert response.status_code == 200
    assert response.json()["title"] == COMPOSED


@pytest.mark.parametrize(
    "typed",
    # (Not an upper-case "É": whether PostgreSQL folds letters outside ASCII depends on the cluster's locale, and
    # make test's throwaway one has none; docs/api.md, "search".)
    ["Résumé", "Re\u0301sume\u0301", "re\u0301sume\u0301", "résumé"],
    ids=["nfc", "nfd", "nfd-lower", "nfc-lower"],
)
def test_a_search_finds_a_word_whichever_way_the_task_and_the_search_spelled_its_accents(auth_client, typed):
    # Given tasks with the word, written with decomposed and composed accents, and one with the word unaccented
    post(auth_client, {"title": DECOMPOSED})
    post(auth_client, {"title": "Lettre de motivation", "description": "avec le résumé"})
    post(auth_client, {"title": "Resume the upload"})

    # When the search spells the word either way
    response = auth_client.get(LIST_URL, {"search": typed, "ordering": "title"})

    # Then both tasks that have it are found, and the one without accents is not
    assert response.status_code == 200
    assert titles(response) == ["Lettre de motivation", COMPOSED]


@pytest.mark.parametrize("typed", ["résumé", "re\u0301sume\u0301"], ids=["nfc", "nfd"])
def test_a_search_finds_text_stored_decomposed_before_task_text_was_normalised(auth_client, user, typed):
    # Given tasks saved before titles and descriptions were stored in NFC, with their accents decomposed as typed
    TaskFactory(owner=user, title=DECOMPOSED)
    TaskFactory(owner=user, title="Lettre", description="avec le re\u0301sume\u0301")
    TaskFactory(owner=user, title="Resume the upload")

    # When the search spells the word either way
    response = auth_client.get(LIST_URL, {"search": typed, "ordering": "title"})

    # Then both old tasks with the word are found, as they were before, and the one without accents is not
    assert response.status_code == 200
    assert titles(response) == ["Lettre", DECOMPOSED]


def test_a_title_that_nfc_lengthens_past_the_limit_is_400_not_a_database_error(auth_client):
    # U+0958 (DEVANAGARI LETTER QA) is excluded from composition: NFC spells it as two code points
    title = "\u0958" * 200

    response = post(auth_client, {"title": title})

    assert response.status_code == 400
    assert response.json() == {"title": ["Ensure this field has no more than 200 characters."]}
    assert not Task.objects.exists()
