"""What the project's management commands share: the failures an operator meets in normal operation reported as one
line saying what to do, never a traceback (OperatorCommandMixin), and the purge commands' shape, batched deletes
with progress output (BatchedDeleteCommand)."""

from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from .outage import is_database_outage

# The exit status of a command ended by Ctrl-C, as a shell reports a process ended by SIGINT (128 + 2).
INTERRUPTED_EXIT_STATUS = 130
_UNDEFINED_TABLE = "42P01"  # PostgreSQL's SQLSTATE for a table that does not exist


class OperatorCommandMixin:
    """For a management command (listed before BaseCommand or the command it extends). Ends the command with a
    message and an exit status, instead of a traceback, when:

    - the database cannot be reached (``is_database_outage``: refused, unreachable, no pooled connection in time,
      shutting down): a CommandError naming its host, port and name, never its password;
    - a table the command needs is missing, the database not migrated (PostgreSQL's SQLSTATE 42P01, SQLite's "no
      such table"), unless ``needs_migrated_database`` is False (``migrate`` itself);
    - the operator presses Ctrl-C (KeyboardInterrupt): exit status 130.

    Each message ends with ``work_kept()``: what of the run stays done. Any other error is a bug, and keeps its
    traceback."""

    stderr: Any
    needs_migrated_database = True

    def execute(self, *args: Any, **options: Any) -> Any:
        try:
            return super().execute(*args, **options)  # type: ignore[misc]
        except KeyboardInterrupt:
            self.stderr.write(f"Interrupted. {self.work_kept()}")
            raise SystemExit(INTERRUPTED_EXIT_STATUS) from None
        except DatabaseError as exc:
            alias = options.get("database") or DEFAULT_DB_ALIAS
            if is_database_outage(exc):
                raise CommandError(
                    f"The database ({_described(alias)}) cannot be reached: {_reason(exc, alias)}. Check that it is "
                    f"running and reachable from here (DATABASE_URL), then run this again. {self.work_kept()}"
                ) from exc
            if self.needs_migrated_database and _is_undefined_table(exc):
                raise CommandError(
                    f"The database ({_described(alias)}) is not migrated: {_reason(exc, alias)}. Run "
                    f"`manage.py migrate` first (on Kubernetes, the migrate Job of a deploy), then run this again. "
                    f"{self.work_kept()}"
                ) from exc
            raise

    def work_kept(self) -> str:
        """What of an interrupted or failed run stays done, and what to do about the rest (a sentence or two)."""
        return "What it finished before is kept: run it again to finish."


def _described(alias: str) -> str:
    """Where ``alias`` points, for a message: host, port and name (never the user's password)."""
    settings_dict = connections[alias].settings_dict
    if connections[alias].vendor == "sqlite":
        return f"SQLite, {settings_dict['NAME']}"
    host = settings_dict.get("HOST") or "localhost"
    port = settings_dict.get("PORT") or "default port"
    return f"{host}:{port}, database {settings_dict.get('NAME')}"


def _reason(exc: BaseException, alias: str) -> str:
    """The driver's own words (what Django wraps), their first line (PostgreSQL's next ones quote the SQL), with the
    password blanked should they hold it."""
    while exc.__cause__ is not None:
        exc = exc.__cause__
    reason = next((line.strip() for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
    password = connections[alias].settings_dict.get("PASSWORD")
    return reason.replace(password, "********") if password else reason


def _is_undefined_table(exc: BaseException | None) -> bool:
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if getattr(exc, "sqlstate", None) == _UNDEFINED_TABLE or str(exc).startswith("no such table"):
            return True
        exc = exc.__cause__
    return False


class BatchedDeleteCommand(OperatorCommandMixin, BaseCommand):
    """``--batch-size N``, a running total per batch, then a one-line summary."""

    # Whether anything may have been deleted yet: set by each batch's progress, and by a subclass before a step that
    # reports no progress of its own.
    may_have_deleted = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=5000, help="Rows deleted per batch (default 5000).")

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        if batch_size < 1:
            self.stderr.write("--batch-size must be at least 1.")
            raise SystemExit(2)
        deleted = self.delete(batch_size=batch_size, on_batch=self._progress)
        self.stdout.write(self.style.SUCCESS(self.summary(deleted)))

    def _progress(self, total: int) -> None:
        self.may_have_deleted = True  # each batch is its own statement, committed before this is called
        self.stdout.write(f"  deleted {total} so far...")

    def work_kept(self) -> str:
        if not self.may_have_deleted:
            return "Nothing was deleted."
        return "The rows deleted before stay deleted (each batch commits on its own): run it again to finish."

    def delete(self, *, batch_size: int, on_batch: Callable[[int], None]) -> int:
        raise NotImplementedError

    def summary(self, deleted: int) -> str:
        raise NotImplementedError
