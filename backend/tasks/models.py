from typing import Any

from django.conf import settings
from django.core.validators import MaxLengthValidator, MinLengthValidator
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F
from django.db.models.functions import Collate, Lower
from django.db.models.sql.compiler import SQLCompiler

from backend.common.models import BaseModel
from backend.common.postgresql.collations import collation_present

# ICU's root collation (CLDR's language-neutral order): accented letters sort beside their base letters ("éclair"
# by "Eclair", not after "zebra" as in the C / C.UTF-8 collations of `initdb --no-locale` and many managed servers).
TITLE_COLLATION = "und-x-icu"


class TitleSortKey(Lower):
    """``lower(title)``, what ordering=title sorts by (filters.TaskOrderingFilter) and its index holds: one
    expression, so the two always match, whichever form a server gets.

    On PostgreSQL ``lower(title COLLATE "und-x-icu")``: ICU both folds the case (every script, whatever the
    database's locale) and orders. A server without that collation gets plain ``lower(title)``, the
    database's order, rather than an error: its index is built the same way (migration 0004), as the query
    compiles there. SQLite and MongoDB (``$toLower``, inherited from Lower) as before. Migrations name this
    class: keep it importable from here."""

    def __init__(self) -> None:
        super().__init__(F("title"))

    def as_postgresql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any) -> Any:
        if not collation_present(connection, TITLE_COLLATION):
            return self.as_sql(compiler, connection, **extra_context)
        collated = self.copy()
        collated.set_source_expressions([Collate(self.get_source_expressions()[0], TITLE_COLLATION)])
        return collated.as_sql(compiler, connection, **extra_context)


class Task(BaseModel):
    """A user's task. Every query is scoped by ``owner`` (see selectors.py)."""

    class Status(models.TextChoices):
        TODO = "todo", "To do"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"

    class Priority(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"

    # Ordering by priority follows this rank, not the alphabet.
    PRIORITY_RANK = {Priority.LOW: 1, Priority.MEDIUM: 2, Priority.HIGH: 3}

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=200, validators=[MinLengthValidator(1)])
    # A TextField's max_length only sizes form widgets; the validator makes full_clean() enforce it.
    description = models.TextField(max_length=10_000, blank=True, validators=[MaxLengthValidator(10_000)])
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.TODO)
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.MEDIUM)
    due_date = models.DateField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # Bumped by every write: the ETag, and the compare-and-set that makes concurrent updates safe
    # without row locks (services.task_update), on SQL and MongoDB alike.
    version = models.PositiveIntegerField(default=1, db_default=1, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The default list: owner's tasks, newest first, id as the tie-break.
            models.Index(fields=["owner", "-created_at", "-id"], name="task_owner_created_idx"),
            models.Index(fields=["owner", "status"], name="task_owner_status_idx"),
            models.Index(fields=["owner", "priority"], name="task_owner_priority_idx"),
            models.Index(fields=["owner", "due_date"], name="task_owner_due_idx"),
            # ordering=title: case-insensitively, in ICU's order on PostgreSQL, id as the tie-break
            # (filters.TaskOrderingFilter). With the id, a page is read off the index in order, no sort.
            models.Index(F("owner"), TitleSortKey(), F("id"), name="task_owner_title_sort_idx"),
            # completed_per_day in stats.
            models.Index(fields=["owner", "completed_at"], name="task_owner_completed_idx"),
        ]

    def __str__(self) -> str:
        return self.title
