"""Admin actions whose POSTed selection holds something that is no id answer as for an empty selection ("Items must
be selected..."), not with a 500: Django filters the selection with ``pk__in``, whose field raises on a malformed
value (a UUIDField, as every model of ours has, a ValidationError; the Group model's integer id a ValueError)
before any query is made."""

from typing import Any

from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import Field, QuerySet
from django.http import HttpRequest


def _is_id_of(pk: "Field[Any, Any]", value: str) -> bool:
    try:
        pk.to_python(value)
    except (ValidationError, ValueError, TypeError):
        return False
    return True


class SelectionCheckingAdminMixin:
    """For a ModelAdmin (listed before it): values of an action's selection that are no id of the model are dropped
    before Django reads it. Only the list's forms send a selection, so a malformed value is a hand-made POST: it
    names no row, and dropping it changes no answer but the 500. A selection left empty gets Django's own message
    and redirect back to the list; "select across" (every row the list's filters match) needs no ids and goes on."""

    model: Any

    def response_action(self, request: HttpRequest, queryset: QuerySet[Any], *args: Any, **kwargs: Any) -> Any:
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        pk = self.model._meta.pk
        well_formed = [value for value in selected if _is_id_of(pk, value)]
        if len(well_formed) != len(selected):
            post = request.POST.copy()
            post.setlist(helpers.ACTION_CHECKBOX_NAME, well_formed)
            request.POST = post  # type: ignore[assignment]  # WSGIRequest and ASGIRequest both let POST be set
        return super().response_action(request, queryset, *args, **kwargs)  # type: ignore[misc]
