"""Object ids in URLs: UUIDs, and anything else is simply not found."""

import uuid
from typing import Any

from django.http import Http404


def uuid_or_404(value: Any) -> uuid.UUID:
    """Parse a path id; a malformed one is a 404 like any id that names nothing of yours."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Http404 from None
