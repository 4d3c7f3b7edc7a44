"""Admin change lists whose URL filters or search the database cannot take answer as Django's admin does for any
unusable lookup: back to the list, flagged ``?e=1``, instead of a 500. Every ModelAdmin with a list mixes in
LookupCheckingAdminMixin (tests/backend/common/test_admin_lookups.py lists them)."""

from typing import Any

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.db import DataError
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpRequest

# A regular expression from the URL is matched against every row of the table, with no index to narrow it (and,
# on SQLite, by Python's re, whose backtracking a pattern can make exponential): no list offers it to operators.
REFUSED_LOOKUPS = frozenset({"regex", "iregex"})


class LookupCheckingChangeList(ChangeList):
    """Django's ChangeList turns an unusable lookup into IncorrectLookupParameters while it builds the filter
    (get_queryset catches every error there), but some values are only refused when the query is compiled or sent,
    which happens later, when get_results counts the rows: PostgreSQL's backend turns an ``inet`` value into
    psycopg's ``Inet``, whose ValueError (``?ip_address=zz``, ``?ip_address__in=1.2.3.4,zz``) was a 500, and psycopg
    refuses a NUL character in any text (``?title=%00``, ``?q=%00``: a DataError, raised before anything is sent,
    as PostgreSQL stores no NUL in text). Raised while counting a filtered or searched list, it is the URL's value,
    and handled as Django handles a bad lookup; on an unfiltered list it is a bug, and stays a 500 that is logged."""

    def get_filters(self, request: HttpRequest) -> Any:
        for key in self.get_filters_params():
            if REFUSED_LOOKUPS.intersection(key.split(LOOKUP_SEP)):
                raise IncorrectLookupParameters(f"Filtering by {key} is not offered: a regular expression.")
        return super().get_filters(request)

    def get_results(self, request: HttpRequest) -> None:
        try:
            super().get_results(request)
        except (ValueError, DataError) as exc:
            if not (self.get_filters_params() or self.query):
                raise
            raise IncorrectLookupParameters(exc) from exc


class LookupCheckingAdminMixin:
    """For a ModelAdmin (listed before it): its change list is a LookupCheckingChangeList."""

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return LookupCheckingChangeList
