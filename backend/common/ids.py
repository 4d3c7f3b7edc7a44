"""Object ids in URLs: UUIDs, and anything else is simply not found."""

import uuid
from typing import Any

from django.http import Http404


def is_uuid_text(value: Any) -> bool:
    """Whether ``value`` is a string that spells a UUID (an id claimed by a token, a field's text)."""
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def uuid_or_404(value: Any) -> uuid.UUID:
    """Parse a path id; a malformed one is a 404 like any id that names nothing of yours."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Http404 from None
