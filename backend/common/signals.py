"""Signals that let observability count events without the emitting code knowing about it.

Emitters (rate limiting, the task cache, the database outage report) send these; the metrics module connects
receivers. Keeping them here avoids an import from the hot path into metrics code.
"""

from django.dispatch import Signal

# A request was refused by a rate limit. kwargs: scope (str), e.g. "login_ip".
rate_limit_rejected = Signal()

# A cached read was looked up. kwargs: namespace (str, e.g. "tasks.list"), hit (bool).
cache_lookup = Signal()

# A request was answered 503 because the database could not be reached (backend/common/outage.py). No kwargs.
database_unavailable = Signal()
