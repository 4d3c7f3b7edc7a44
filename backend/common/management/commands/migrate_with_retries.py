"""`manage.py migrate`, tried again when a migration gave up waiting for a lock (the migrate Job's command).

A migration that alters a busy table asks for an ACCESS EXCLUSIVE lock. Waiting for it behind a long transaction
queues every later query on that table behind the migration too: the whole app stalls. The migrate Job therefore
runs with a short ``lock_timeout`` (DB_LOCK_TIMEOUT, config/db_timeouts.py): the wait is given up after a few
seconds, the migration's transaction rolls back (PostgreSQL migrations are atomic), and this command tries again
after a growing pause, so the app's queries get through in between. Any other failure stops it at once.
"""

import random
import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connections

from backend.common.commands import OperatorCommandMixin


def lock_wait_given_up(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or what it wraps) is PostgreSQL's lock_not_available (SQLSTATE 55P03: lock_timeout)."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if getattr(exc, "sqlstate", None) == "55P03":
            return True
        exc = exc.__cause__
    return False


class Command(OperatorCommandMixin, BaseCommand):
    help = "Apply the migrations like `migrate --noinput`, retrying with backoff when one gives up waiting for a lock."
    needs_migrated_database = False  # a missing table is what migrate makes, not a sign it was not run

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--noinput", "--no-input", action="store_true", help="Accepted for parity with migrate.")
        parser.add_argument("--attempts", type=int, default=6, help="Tries in all (default 6).")
        parser.add_argument("--max-delay", type=float, default=60.0, help="Longest pause between tries, seconds.")

    def work_kept(self) -> str:
        return (
            "The migrations that finished are applied (`manage.py showmigrations` lists them): run it again to "
            "apply the rest."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["attempts"] < 1 or not options["max_delay"] >= 0:
            raise CommandError("--attempts must be at least 1 and --max-delay at least 0 (seconds).")
        attempts = options["attempts"]
        for attempt in range(1, attempts + 1):
            try:
                call_command("migrate", interactive=False, verbosity=options["verbosity"], stdout=self.stdout)
                return
            except DatabaseError as exc:
                if not lock_wait_given_up(exc):
                    raise
                if attempt == attempts:
                    raise CommandError(
                        f"gave up after {attempts} tries: a migration kept waiting for a lock longer than "
                        "lock_timeout. Find the long transaction holding it (pg_stat_activity, pg_locks) and deploy "
                        "again."
                    ) from exc
                delay = min(options["max_delay"], 2.0**attempt) * random.uniform(0.8, 1.2)  # noqa: S311
                self.stderr.write(
                    f"migrate: a migration gave up waiting for a lock ({exc}); try {attempt + 1} of {attempts} "
                    f"in {delay:.0f} s"
                )
                for connection in connections.all():
                    connection.close()
                time.sleep(delay)
