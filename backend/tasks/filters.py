"""Query-string filters and ordering for the task list.

Every parameter is validated strictly: an unknown choice, a malformed date or
boolean, or an over-long search is a 400 rather than being silently ignored.
"""

import unicodedata
from collections.abc import Iterable
from datetime import date
from typing import Any

import django_filters
from django import forms
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Lower
from django.utils import timezone

from backend.common.fields import ISO_DATE_PATTERN

from .models import Task, TitleSortKey

SEARCH_MAX_LENGTH = 100
DEFAULT_ORDERING = "-created_at"
ORDERING_FIELDS = ("created_at", "updated_at", "due_date", "priority", "title")
ORDERING_CHOICES = tuple(value for name in ORDERING_FIELDS for value in (name, f"-{name}"))
BOOLEAN_CHOICES = ("true", "false")
# Only ISO dates: the locale-dependent formats Django also accepts (01/02/24) are ambiguous.
ISO_DATE_FORMATS = ["%Y-%m-%d"]


def _pairs(values: Iterable[str]) -> list[tuple[str, str]]:
    return [(value, value) for value in values]


def overdue_q(*, today: date) -> Q:
    """Due strictly before ``today`` and not done: the one definition the filter and the stats share."""
    return Q(due_date__lt=today) & ~Q(status=Task.Status.DONE)


class ChoiceListField(forms.CharField):
    """One value or a comma-separated list, each item (whitespace-stripped) one of ``choices``."""

    def __init__(self, *, choices: Iterable[str], **kwargs: Any) -> None:
        self.valid_choices = tuple(choices)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> list[str]:
        raw = super().clean(value)
        if raw in self.empty_values:
            return []
        items = [item.strip() for item in raw.split(",")]
        unknown = [item for item in items if item not in self.valid_choices]
        if unknown:
            raise forms.ValidationError(
                "Unknown value(s): %(unknown)s. Choose from: %(choices)s.",
                code="invalid_choice",
                params={"unknown": ", ".join(repr(item) for item in unknown), "choices": ", ".join(self.valid_choices)},
            )
        # dict.fromkeys: drop repeats but keep the caller's order.
        return list(dict.fromkeys(items))


class ChoiceListFilter(django_filters.Filter):
    """``field IN (...)`` from a comma-separated list of allowed values."""

    field_class = ChoiceListField

    def filter(self, qs: QuerySet[Task], value: list[str]) -> QuerySet[Task]:
        if not value:
            return qs
        return qs.filter(**{f"{self.field_name}__in": value})


class TaskOrderingFilter(django_filters.ChoiceFilter):
    """Orders by one allow-listed field, with ``id`` as a stable tie-break in the same direction.

    Priority sorts by its rank (low < medium < high), titles case-insensitively (on PostgreSQL in ICU's
    language-neutral order, models.TitleSortKey), and tasks without a due date sort last in both directions on
    every database.
    """

    def filter(self, qs: QuerySet[Task], value: str | None) -> QuerySet[Task]:
        value = value or DEFAULT_ORDERING
        descending = value.startswith("-")
        name = value.lstrip("-")
        tie_break = "-id" if descending else "id"

        expression: F | Lower
        if name == "priority":
            # Annotate only when needed: the rank is a CASE expression the other orderings should not pay for.
            rank = Case(
                *(When(priority=priority, then=Value(rank)) for priority, rank in Task.PRIORITY_RANK.items()),
                output_field=IntegerField(),
            )
            qs = qs.annotate(priority_rank=rank)
            expression = F("priority_rank")
        elif name == "title":
            expression = TitleSortKey()  # the expression of its index, task_owner_title_sort_idx
        else:
            expression = F(name)

        if name == "due_date":
            ordered = expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)
        else:
            ordered = expression.desc() if descending else expression.asc()
        return qs.order_by(ordered, tie_break)


class IsoDateField(forms.DateField):
    """Exactly YYYY-MM-DD in ASCII digits: strptime alone would also take 2026-1-1, and other scripts' digits."""

    default_error_messages = {"invalid": "Enter a valid date as YYYY-MM-DD."}

    def to_python(self, value: Any) -> date | None:
        if isinstance(value, str) and value.strip() and not ISO_DATE_PATTERN.fullmatch(value.strip()):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class IsoDateFilter(django_filters.DateFilter):
    field_class = IsoDateField


class TaskFilter(django_filters.FilterSet):
    """The task list's filters; ``ordering`` always applies (default ``-created_at``)."""

    status = ChoiceListFilter(choices=Task.Status.values)
    priority = ChoiceListFilter(choices=Task.Priority.values)
    search = django_filters.CharFilter(method="filter_search", max_length=SEARCH_MAX_LENGTH)
    due_before = IsoDateFilter(field_name="due_date", lookup_expr="lte", input_formats=ISO_DATE_FORMATS)
    due_after = IsoDateFilter(field_name="due_date", lookup_expr="gte", input_formats=ISO_DATE_FORMATS)
    overdue = django_filters.ChoiceFilter(choices=_pairs(BOOLEAN_CHOICES), method="filter_overdue")
    ordering = TaskOrderingFilter(choices=_pairs(ORDERING_CHOICES))

    class Meta:
        model = Task
        fields: list[str] = []

    def __init__(self, *args: Any, today: date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today  # whose "today" ``overdue`` means: the request's (common.time_zones), else the server's

    def filter_search(self, qs: QuerySet[Task], name: str, value: str) -> QuerySet[Task]:
        # icontains escapes % and _ and never interprets the value as a pattern or a regex. NFC, as titles and
        # descriptions are stored (TaskInputSerializer): "e" + U+0301 typed finds "é", and the other way round. And
        # NFD when it differs: text saved before it was stored in NFC keeps the decomposed accents it was typed or
        # pasted with, which no NFC value matches. (An ASCII search has one form: the same query as ever.)
        query = Q()
        for form in dict.fromkeys(unicodedata.normalize(kind, value) for kind in ("NFC", "NFD")):
            query |= Q(title__icontains=form) | Q(description__icontains=form)
        return qs.filter(query)

    def filter_overdue(self, qs: QuerySet[Task], name: str, value: str) -> QuerySet[Task]:
        overdue = overdue_q(today=self.today or timezone.localdate())
        # exclude() keeps tasks with no due date: Django adds the IS NOT NULL guard for nullable columns.
        return qs.filter(overdue) if value == "true" else qs.exclude(overdue)
