from django.conf import settings
from django.core.validators import MaxLengthValidator, MinLengthValidator
from django.db import models
from django.db.models import F
from django.db.models.functions import Lower

from backend.common.models import BaseModel


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
            # ordering=title sorts case-insensitively (filters.TaskOrderingFilter).
            models.Index(F("owner"), Lower("title"), name="task_owner_title_idx"),
            # completed_per_day in stats.
            models.Index(fields=["owner", "completed_at"], name="task_owner_completed_idx"),
        ]

    def __str__(self) -> str:
        return self.title
