"""The environment, read strictly: a value a setting cannot take stops the start with a message that names the
variable and says what it takes.

django-environ alone reads any unknown text as False for a yes/no setting (``RATE_LIMIT_ENABLED=enabled`` would turn
every rate limit off without a word), and lets a non-number fail as a bare ``ValueError`` that names nothing. An
empty value counts as unset, as for the other settings (``VAR=`` in a .env file or a ConfigMap).
"""

import math
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

# django-environ's own words, so every value it took before still means the same.
TRUE_WORDS = frozenset({"true", "on", "ok", "y", "yes", "1"})
FALSE_WORDS = frozenset({"false", "off", "n", "no", "0"})

NOTSET = environ.Env.NOTSET


class StrictEnv(environ.Env):
    def bool(self, var: str, default: Any = NOTSET) -> Any:  # type: ignore[override]
        raw = self._raw(var, default)
        if raw is None:
            return default
        word = raw.lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ImproperlyConfigured(f"{var}={raw!r} is not a yes/no value: set it to true or false.")

    def int(  # type: ignore[override]
        self, var: str, default: Any = NOTSET, *, minimum: int | None = None, maximum: int | None = None
    ) -> Any:
        return self._number(var, default, int, "a whole number", minimum, maximum)

    def float(  # type: ignore[override]
        self, var: str, default: Any = NOTSET, *, minimum: float | None = None, maximum: float | None = None
    ) -> Any:
        return self._number(var, default, float, "a finite number", minimum, maximum)

    def _number(self, var: str, default: Any, cast: type, kind: str, minimum: Any, maximum: Any) -> Any:
        raw = self._raw(var, default)
        if raw is None:
            return default
        try:
            value = cast(raw)
        except ValueError:
            value = None
        if value is None or not math.isfinite(value):
            raise ImproperlyConfigured(f"{var}={raw!r} is not {kind}.")
        if minimum is not None and value < minimum:
            raise ImproperlyConfigured(f"{var}={value} is too small: it must be at least {minimum}.")
        if maximum is not None and value > maximum:
            raise ImproperlyConfigured(f"{var}={value} is too large: it must be at most {maximum}.")
        return value

    def _raw(self, var: str, default: Any) -> str | None:
        """The variable's text, stripped; None when it is unset or empty and has a default."""
        raw = self.str(var, default=None)
        if raw is None or not raw.strip():
            if default is NOTSET:
                raise ImproperlyConfigured(f"Set the {var} environment variable.")
            return None
        return str(raw).strip()
