"""Keep the cached "may this user sign in" entries (session_cache.py) in step with every save and delete.

Connected in apps.py. A save that cannot have changed ``is_active`` (``update_fields`` without it, e.g. the
``last_login`` of each sign-in) writes nothing. A queryset ``update()`` sends no signal: deactivate users
through ``save()`` (the admin does, and also revokes their sessions).
"""

from typing import Any

from django.db import transaction

from .models import User
from .session_cache import user_cache_mark


def user_saved(sender: type[User], instance: User, created: bool, update_fields: Any = None, **kwargs: Any) -> None:
    if created or (update_fields is not None and "is_active" not in update_fields):
        return
    user_id, active = str(instance.pk), bool(instance.is_active)
    transaction.on_commit(lambda: user_cache_mark(user_id, active=active), using=kwargs.get("using"))


def user_deleted(sender: type[User], instance: User, **kwargs: Any) -> None:
    user_id = str(instance.pk)
    transaction.on_commit(lambda: user_cache_mark(user_id, active=False), using=kwargs.get("using"))
