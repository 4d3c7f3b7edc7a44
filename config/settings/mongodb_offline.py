"""MongoDB settings with no server, for the offline checks in `make test` and for `make mongo-migrations`.

Everything is what a ``mongodb://`` DATABASE_URL gives (apps, ObjectId keys, the contrib migration tree) except
the engine: Django's dummy backend, so ``makemigrations`` skips its one database read (the applied-migrations
history) instead of waiting for a server that does not exist here. The autodetector compares models with
migration files only, so the result is the one the real backend would give.
"""

import os

os.environ["DATABASE_URL"] = "mongodb://127.0.0.1:27017/offline_checks"

from .test import *  # noqa: F403
from .test import DATABASES

DATABASES["default"]["ENGINE"] = "django.db.backends.dummy"
