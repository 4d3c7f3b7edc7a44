"""Startup checks on the final settings (after local.py, test.py or production.py have overridden base's)."""

from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register

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


@register(SETTINGS_TAG)
def refresh_cookie_domain_check(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    """A Domain on the refresh cookie sends the refresh token to every subdomain: any of their servers (or whoever
    takes over a forgotten one) then holds a token that signs in. Allowed, as some deployments want it, but said in
    `manage.py check` and the migrate Job's output."""
    if not settings.REFRESH_COOKIE_DOMAIN:
        return []
    return [
        Warning(
            f"REFRESH_COOKIE_DOMAIN={settings.REFRESH_COOKIE_DOMAIN!r} sends the refresh token to every subdomain of "
            "it, where any server can read it and sign in as its user.",
            hint="Leave REFRESH_COOKIE_DOMAIN unset: the SPA and the API share one origin, and a host-only cookie is "
            "all they need.",
            id="accounts.W001",
        )
    ]
