"""The audit trail for operators: read-only, filterable by event and user."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from backend.common.admin_lookups import LookupCheckingAdminMixin
from backend.common.admin_selection import SelectionCheckingAdminMixin

from .models import AuditEvent
from .selectors import audit_search_filter


@admin.register(AuditEvent)
class AuditEventAdmin(LookupCheckingAdminMixin, SelectionCheckingAdminMixin, admin.ModelAdmin):
    list_display = ["occurred_at", "event", "user", "email", "ip_address", "session_id", "actor"]
    # No user filter listing every user, and no date_hierarchy (a DISTINCT over dates per page):
    # find a user's rows by searching their email, or through the link on their user page
    # (?user__exact=<id>).
    list_filter = ["event", "occurred_at"]
    # Matched exactly, through indexes (get_search_results); the fields are listed for the search box to show.
    search_fields = ["user__email", "email", "ip_address", "request_id"]
    search_help_text = "A whole email address, IP address or request id."
    list_select_related = ["user", "actor"]
    ordering = ["-occurred_at"]
    show_full_result_count = False  # no COUNT(*) over a large table on every page
    fields = (
        "id",
        "occurred_at",
        "event",
        "user",
        "actor",
        "email",
        "ip_address",
        "user_agent",
        "session_id",
        "request_id",
    )
    readonly_fields = fields

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[AuditEvent], search_term: str
    ) -> tuple[QuerySet[AuditEvent], bool]:
        if not search_term.strip():
            return queryset, False
        return queryset.filter(audit_search_filter(search_term)), False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # purge_audit deletes rows past the retention period
