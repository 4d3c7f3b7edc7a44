"""Signals that let observability count events without the emitting code knowing about it.

Emitters send these: the rate limits (throttles.py), the cached reads (response_cache.py, the tasks' reads; and
backend/accounts/session_cache.py, the sessions'), the database outage report (outage.py). The metrics module's
receivers are connected in ObservabilityConfig.ready(). Keeping the signals here spares those hot paths an import of
the metrics code.
"""

from django.dispatch import Signal

# A request was refused by a rate limit. kwargs: scope (str), e.g. "login_ip".
rate_limit_rejected = Signal()

# A cached read was looked up. kwargs: namespace (str, e.g. "tasks.list", "auth.session"), hit (bool).
cache_lookup = Signal()

# A request was answered 503 because the database could not be reached (backend/common/outage.py). No kwargs.
database_request_refused = Signal()
