"""Admin change lists whose URL filters the database cannot take answer as Django's admin does for any unusable
lookup: back to the list, flagged ``?e=1``, instead of a 500."""

from typing import Any

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.http import HttpRequest


class LookupCheckingChangeList(ChangeList):
    """Django's ChangeList turns an unusable lookup into IncorrectLookupParameters while it builds the filter
    (get_queryset catches every error there), but some values are only refused when the query is compiled, which
    happens later, when get_results counts the rows: PostgreSQL's backend turns an ``inet`` value into psycopg's
    ``Inet``, whose ValueError (``?ip_address=zz``, ``?ip_address__in=1.2.3.4,zz``) was a 500. Raised while counting
    a filtered list, it is the filter's value, and handled as Django handles a bad lookup; on an unfiltered list it
    is a bug, and stays a 500 that is logged."""

    def get_results(self, request: HttpRequest) -> None:
        try:
            super().get_results(request)
        except ValueError as exc:
            if not self.get_filters_params():
                raise
            raise IncorrectLookupParameters(exc) from exc


class LookupCheckingAdminMixin:
    """For a ModelAdmin (listed before it): its change list is a LookupCheckingChangeList."""

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return LookupCheckingChangeList
