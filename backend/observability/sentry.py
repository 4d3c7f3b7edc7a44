"""Optional error tracking. Imported by settings only when SENTRY_DSN is set.

https://docs.sentry.io/platforms/python/integrations/django/
"""

import sentry_sdk
from sentry_sdk.integrations.django import DjangoIntegration


def sentry_init(*, dsn: str, environment: str, release: str, traces_sample_rate: float) -> None:
    sentry_sdk.init(
        dsn=dsn,
        environment=environment or None,
        release=release or None,
        traces_sample_rate=traces_sample_rate,
        # No cookies, headers with credentials, request bodies or user emails leave the app.
        send_default_pii=False,
        max_request_body_size="never",
        integrations=[DjangoIntegration()],
    )
