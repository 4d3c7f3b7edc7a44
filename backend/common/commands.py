"""Shared shape of the purge commands: batched deletes with progress output."""

from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class BatchedDeleteCommand(BaseCommand):
    """``--batch-size N``, a running total per batch, then a one-line summary."""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=5000, help="Rows deleted per batch (default 5000).")

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        if batch_size < 1:
            self.stderr.write("--batch-size must be at least 1.")
            raise SystemExit(2)
        deleted = self.delete(batch_size=batch_size, on_batch=self._progress)
        self.stdout.write(self.style.SUCCESS(self.summary(deleted)))

    def _progress(self, total: int) -> None:
        self.stdout.write(f"  deleted {total} so far...")

    def delete(self, *, batch_size: int, on_batch: Callable[[int], None]) -> int:
        raise NotImplementedError

    def summary(self, deleted: int) -> str:
        raise NotImplementedError
