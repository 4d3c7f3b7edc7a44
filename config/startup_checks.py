"""The project's own checks of its settings, run when a server loads the app.

`manage.py` runs Django's system checks before every command (the migrate Job's included), but gunicorn and an
ASGI server run none: a mistyped rate limit or metrics network would start, pass the readiness probe and answer
500 later. So the checks tagged ``SETTINGS_TAG`` (backend/*/checks.py) also run here, and a failing one stops the
worker's boot with its message.
"""

from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured

SETTINGS_TAG = "settings"


def refuse_bad_settings() -> None:
    problems = [message for message in run_checks(tags=[SETTINGS_TAG]) if message.is_serious()]
    problems = [message for message in problems if not message.is_silenced()]
    if problems:
        raise ImproperlyConfigured(
            " ".join(f"{message.msg}{f' {message.hint}' if message.hint else ''}" for message in problems)
        )
