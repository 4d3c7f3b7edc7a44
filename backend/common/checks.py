"""System checks that turn a mistyped setting into a clear startup error instead of a 500 later."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from config.startup_checks import SETTINGS_TAG

from .ratelimit import Rate


@register(SETTINGS_TAG)
def check_rate_limits(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    for scope, text in settings.RATE_LIMITS.items():
        try:
            Rate.parse(text)
        except ValueError as exc:
            errors.append(Error(str(exc), hint=f"Fix RATE_LIMIT_{scope.upper()} in the environment.", id="common.E001"))
    return errors
