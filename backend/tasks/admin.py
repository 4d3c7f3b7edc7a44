"""Operators' view of tasks. Writes go through the services so completed_at stays consistent with status."""

from django.contrib import admin
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from .models import Task
from .services import task_admin_delete_many, task_admin_save, task_delete


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["title", "owner_email", "status", "priority", "due_date"]
    list_filter = ["status", "priority", "due_date"]
    search_fields = ["title", "owner__email"]
    # One JOIN instead of one query per row for owner_email.
    list_select_related = ["owner"]
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
    ]

    @admin.display(description="Owner", ordering="owner__email")
    def owner_email(self, obj: Task) -> str:
        return obj.owner.email

    def save_model(self, request: HttpRequest, obj: Task, form: ModelForm, change: bool) -> None:
        task_admin_save(
            task=obj,
            old_status=form.initial.get("status") if change else None,
            old_owner_id=form.initial.get("owner") if change else None,
        )

    def delete_model(self, request: HttpRequest, obj: Task) -> None:
        task_delete(task=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Task]) -> None:
        task_admin_delete_many(tasks=queryset)
