"""Startup checks: a bad METRICS_ALLOWED_NETWORKS is a clear error at boot, not a 500 on every scrape."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, register

from backend.common.checks import unparsable_networks
from config.startup_checks import SETTINGS_TAG


@register(SETTINGS_TAG)
def metrics_networks_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    return unparsable_networks(
        "METRICS_ALLOWED_NETWORKS",
        settings.METRICS_ALLOWED_NETWORKS,
        what="an IP network",
        hint="Use comma-separated CIDRs such as 10.0.0.0/8,fd00::/8.",
        id="observability.E001",
    )
