"""Operators' view of tasks. Writes go through the services so completed_at stays consistent with status."""

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from .models import Task
from .services import ADMIN_EDITABLE_FIELDS, task_admin_delete_many, task_admin_save, task_delete


def _with_lf_line_breaks(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


class DescriptionField(forms.CharField):
    """The description as the API keeps it (trim_whitespace=False): surrounding whitespace is the user's, kept.

    A browser submits a textarea's line breaks as CRLF whatever the text held; they are read back as the "\\n" the
    API's clients send (and the textarea showed), before the length validators, so a description at the API's
    10,000 characters with line breaks still fits (as CRLF it is longer)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**{**kwargs, "strip": False})

    def to_python(self, value: Any) -> str | None:
        text = super().to_python(value)
        return text if text is None else _with_lf_line_breaks(text)

    def has_changed(self, initial: Any, data: Any) -> bool:
        # A description stored with CRLF (the API keeps it as sent) comes back as "\n" unchanged: not a change, so
        # the save leaves it as it is.
        return super().has_changed(_with_lf_line_breaks(initial or ""), data)


STALE_FORM_MESSAGE = (
    "This task was changed since you opened it (by its owner or another operator), so nothing was saved: "
    "reload the page to see the current values, then make your change again."
)


class TaskAdminForm(ModelForm):
    # The task's version when the page was opened (the model's own field is not editable, hence another name).
    opened_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Task
        fields = [*ADMIN_EDITABLE_FIELDS, "opened_version"]
        field_classes = {"description": DescriptionField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("opened_version", self.instance.version)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned_data = self.cleaned_data
        # The admin loads the row again for the POST, so the instance holds its current version (the form's values
        # are applied after clean()): another one means a write since the page was opened, which this form's values,
        # read before it, would revert. A page without the field (opened before it existed) is refused too.
        # Not a compare-and-set: a write between this check and the save is not seen, but the save writes only the
        # fields this operator changed (services.task_admin_save), so it can override only those, never the rest.
        if not self.instance._state.adding and cleaned_data.get("opened_version") != self.instance.version:
            raise ValidationError(STALE_FORM_MESSAGE, code="stale")
        return cleaned_data


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    form = TaskAdminForm
    list_display = ["title", "owner_email", "status", "priority", "due_date"]
    list_filter = ["status", "priority", "due_date"]
    search_fields = ["title", "owner__email"]
    # One JOIN instead of one query per row for owner_email.
    list_select_related = ["owner"]
    show_full_result_count = False  # no second COUNT(*) of every task on each filtered page
    # A plain id box: a <select> of every user would load the whole users table.
    raw_id_fields = ["owner"]
    readonly_fields = ["id", "completed_at", "created_at", "updated_at"]
    fields = [
        "id",
        "owner",
        "title",
        "description",
        "status",
        "priority",
        "due_date",
        "completed_at",
        "created_at",
        "updated_at",
        "opened_version",
    ]

    @admin.display(description="Owner", ordering="owner__email")
    def owner_email(self, obj: Task) -> str:
        return obj.owner.email

    def save_model(self, request: HttpRequest, obj: Task, form: ModelForm, change: bool) -> None:
        task_admin_save(
            task=obj,
            # Only what the operator changed is written: the fields they left alone keep whatever the row holds now.
            changed_fields=[name for name in form.changed_data if name != "opened_version"],
            old_status=form.initial.get("status") if change else None,
            old_owner_id=form.initial.get("owner") if change else None,
        )

    def delete_model(self, request: HttpRequest, obj: Task) -> None:
        task_delete(task=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Task]) -> None:
        task_admin_delete_many(tasks=queryset)
