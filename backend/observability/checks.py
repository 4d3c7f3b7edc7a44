"""Startup checks: a bad METRICS_ALLOWED_NETWORKS is a clear error at boot, not a 500 on every scrape."""

import ipaddress
from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from config.startup_checks import SETTINGS_TAG


@register(SETTINGS_TAG)
def metrics_networks_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors = []
    for item in settings.METRICS_ALLOWED_NETWORKS:
        try:
            ipaddress.ip_network(str(item).strip(), strict=False)
        except ValueError:
            errors.append(
                Error(
                    f"METRICS_ALLOWED_NETWORKS has {item!r}, which is not an IP network.",
                    hint="Use comma-separated CIDRs such as 10.0.0.0/8,fd00::/8.",
                    id="observability.E001",
                )
            )
    return errors
