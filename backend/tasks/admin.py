"""Operators' view of tasks. Writes go through the services so completed_at stays consistent with status."""

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.admin.utils import model_ngettext
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy

from backend.accounts.models import User
from backend.common.admin_lookups import LookupCheckingAdminMixin
from backend.common.admin_selection import SelectionCheckingAdminMixin

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


# Tasks named on a deletion's confirmation page; the rest are counted.
DELETION_LISTED = 100

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
class TaskAdmin(LookupCheckingAdminMixin, SelectionCheckingAdminMixin, admin.ModelAdmin):
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

    # ------------------------------------------------------------------------------------------------------------
    # Deleting a selection, of any size: "select all" on an unfiltered list selects every task. Django's action lists
    # each task on its confirmation page (and an <input> for each in its form), reads every selected row whole to
    # count them, and writes their history in one statement: 200,000 tasks made a 42 MB page and ~600 MB in the
    # worker. Here the page counts and names a few, its form sends the list's selection ("all that the filters
    # match", or the ids ticked), and the deletion goes in batches (services.task_admin_delete_many).
    # ------------------------------------------------------------------------------------------------------------
    actions = ["delete_selected"]  # this class's, in place of the admin site's
    delete_selected_confirmation_template = "tasks/admin_delete_selected_confirmation.html"

    @admin.action(permissions=["delete"], description=gettext_lazy("Delete selected %(verbose_name_plural)s"))
    def delete_selected(self, request: HttpRequest, queryset: QuerySet[Task]) -> TemplateResponse | None:
        """Django's delete_selected: its confirmation page (with get_deleted_objects below) then, once confirmed,
        the deletion, and a message with how many went."""
        if not request.POST.get("post"):
            # The confirmation page: Django's action returns None only once confirmed ("post").
            response = cast(TemplateResponse, django_delete_selected(self, request, queryset))
            # What the page's form sends back (a hand-made id was dropped: admin_selection.py): the ids ticked, and,
            # after "select all", the flag that makes the action take every task the filters match again.
            response.context_data = {
                **(response.context_data or {}),
                "select_across": forms.BooleanField(required=False).clean(request.POST.get("select_across")),
                "selected_ids": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            }
            return response
        if not self.has_delete_permission(request):
            raise PermissionDenied
        deleted = self._delete_with_history(request, queryset)
        if deleted:
            message = f"Successfully deleted {deleted} {model_ngettext(self.opts, deleted)}."
            self.message_user(request, message, messages.SUCCESS)
        return None

    def get_deleted_objects(
        self, objs: Any, request: HttpRequest
    ) -> tuple[list[Any], dict[str, int], set[str], list[Any]]:
        """What a confirmation page lists (one task's, or a selection's): how many tasks of how many owners, and the
        first DELETION_LISTED of them, in the list's order, in two queries whatever the selection holds. A task
        takes nothing with it (no model refers to tasks), so the permission asked is the one to delete tasks,
        and nothing is protected."""
        tasks = objs if isinstance(objs, QuerySet) else Task.objects.filter(pk__in=[task.pk for task in objs])
        totals = tasks.order_by().aggregate(tasks=Count("pk"), owners=Count("owner", distinct=True))
        listed = [
            format_html(
                'Task: <a href="{}">{}</a> (owner {})',
                reverse("admin:tasks_task_change", args=[task.pk]),
                task.title,
                task.owner.email,
            )
            for task in tasks.select_related("owner")[:DELETION_LISTED]
        ]
        if totals["tasks"] > len(listed):
            listed.append(format_html("... and {} more", totals["tasks"] - len(listed)))
        summary = f"{totals['tasks']} task(s) of {totals['owners']} owner(s)"
        refused = set() if self.has_delete_permission(request) else {str(Task._meta.verbose_name)}
        return [summary, listed], {str(Task._meta.verbose_name_plural): totals["tasks"]}, refused, []

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Task]) -> None:
        self._delete_with_history(request, queryset)

    def _delete_with_history(self, request: HttpRequest, queryset: QuerySet[Task]) -> int:
        """Delete the selection in batches, each with the admin's history of its tasks (one row per task, as
        Django's log_deletions writes, but a batch at a time and in the batch's transaction). Returns how many."""
        operator_id = cast(User, request.user).pk  # admin_view lets only a signed-in staff member this far
        content_type_id = ContentType.objects.get_for_model(Task, for_concrete_model=False).pk

        def log_batch(deleted: list[tuple[Any, str]]) -> None:
            LogEntry.objects.bulk_create(
                LogEntry(
                    user_id=operator_id,
                    content_type_id=content_type_id,
                    object_id=str(pk),
                    object_repr=title[:200],
                    action_flag=DELETION,
                )
                for pk, title in deleted
            )

        return task_admin_delete_many(tasks=queryset, on_batch=log_batch)
