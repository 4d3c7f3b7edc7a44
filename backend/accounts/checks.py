"""Startup checks on the final settings (after local.py, test.py or production.py have overridden base's)."""

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from config.startup_checks import SETTINGS_TAG


@register(SETTINGS_TAG)
def refresh_cookie_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """SameSite=None without Secure: browsers drop the cookie, and no sign-in would outlive its access token. Here, not
    in config/settings/auth.py: local.py turns Secure off and production.py forces it on after that module ran."""
    if settings.REFRESH_COOKIE_SAMESITE != "None" or settings.REFRESH_COOKIE_SECURE:
        return []
    return [
        Error(
            "REFRESH_COOKIE_SAMESITE=None needs REFRESH_COOKIE_SECURE=true: browsers drop such a cookie without it.",
            hint="Leave REFRESH_COOKIE_SAMESITE at Strict (the SPA is served same-origin), or serve over https.",
            id="accounts.E001",
        )
    ]
