"""TaskInputSerializer validates with one set of fields per process and ``partial``, not DRF's fresh deep copies
per serializer: the same answers, and serializers that share fields keep their results apart."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from rest_framework import serializers

from backend.tasks.serializers import TaskInputSerializer

BODIES = [
    {"title": "Write the report"},
    {"title": "  padded  ", "description": "  kept  ", "status": "done", "priority": "high", "due_date": None},
    {"title": "", "status": "nope", "priority": 3, "due_date": "tomorrow"},
    {"title": "   ", "description": None, "status": None, "priority": ""},
    {"title": "x" * 500, "description": "y" * 10_001},
    {"title": "x" * 200, "due_date": "2030-02-29"},
    {"title": "ok", "due_date": "2030-01-31T10:00:00"},
    {"title": ["not", "text"], "description": 5, "status": ["todo"], "due_date": 20300101},
    {"title": "nul \x00 inside"},
    {"status": "in_progress"},
    {"unknown": "ignored", "id": "ignored too"},
    {},
]


class _DrfFields(TaskInputSerializer):
    """DRF's own: every serializer builds its fields again from deep copies of the declared ones."""

    fields = serializers.Serializer.fields  # type: ignore[assignment]


@pytest.mark.parametrize("data", BODIES)
@pytest.mark.parametrize("partial", [False, True])
def test_the_shared_fields_answer_as_drfs_own_fields_do(data, partial):
    ours, theirs = TaskInputSerializer(data=data, partial=partial), _DrfFields(data=data, partial=partial)
    assert ours.is_valid() == theirs.is_valid()
    assert ours.errors == theirs.errors
    assert [[detail.code for detail in details] for details in ours.errors.values()] == [
        [detail.code for detail in details] for details in theirs.errors.values()
    ]
    if not ours.errors:
        assert ours.validated_data == theirs.validated_data


def test_the_drf_reference_builds_fresh_fields_so_the_comparison_means_something():
    first, second = _DrfFields(data={}), _DrfFields(data={})
    assert first.fields["title"] is not second.fields["title"]


def test_serializers_share_their_fields_per_partial_and_keep_their_own_results():
    # Given two full and one partial serializer
    first, second = TaskInputSerializer(data={"title": "a"}), TaskInputSerializer(data={"title": ""})
    patch = TaskInputSerializer(data={}, partial=True)

    # Then the full ones share fields, the partial one has its own, bound to a serializer that is partial too
    assert first.fields["title"] is second.fields["title"]
    assert patch.fields["title"] is not first.fields["title"]
    assert patch.fields["title"].root.partial is True
    assert first.fields["title"].root.partial is False

    # And each keeps its own outcome
    assert first.is_valid()
    assert not second.is_valid()
    assert patch.is_valid()
    assert patch.validated_data == {}
    assert first.validated_data["title"] == "a"
    assert list(second.errors) == ["title"]


def test_threads_validating_at_once_each_get_their_own_answer():
    def validate(index: int) -> tuple[bool, object]:
        serializer = TaskInputSerializer(data={"title": f"task {index}" if index % 2 else ""})
        valid = serializer.is_valid()
        return valid, serializer.validated_data.get("title") if valid else sorted(serializer.errors)

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(validate, range(400)))

    assert answers == [(True, f"task {i}") if i % 2 else (False, ["title"]) for i in range(400)]
