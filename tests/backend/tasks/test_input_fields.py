"""TaskInputSerializer builds its fields from their arguments instead of DRF's deep copies: the same answers."""

import pytest
from rest_framework import serializers

from backend.tasks.serializers import TaskInputSerializer


class _DrfFields(TaskInputSerializer):
    get_fields = serializers.Serializer.get_fields


@pytest.mark.parametrize(
    "data",
    [
        {"title": "Write the report"},
        {"title": "  padded  ", "description": "  kept  ", "status": "done", "priority": "high", "due_date": None},
        {"title": "", "status": "nope", "priority": 3, "due_date": "tomorrow"},
        {"title": "x" * 500},
        {"title": ["not", "text"]},
        {},
    ],
)
@pytest.mark.parametrize("partial", [False, True])
def test_the_fields_answer_as_drfs_deep_copies_do(data, partial):
    ours, theirs = TaskInputSerializer(data=data, partial=partial), _DrfFields(data=data, partial=partial)
    assert ours.is_valid() == theirs.is_valid()
    assert ours.errors == theirs.errors
    if not ours.errors:
        assert ours.validated_data == theirs.validated_data


def test_each_serializer_gets_its_own_fields():
    first, second = TaskInputSerializer(data={}), TaskInputSerializer(data={})
    assert first.fields["title"] is not second.fields["title"]
    assert first.fields["title"].parent is first
