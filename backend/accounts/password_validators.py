"""Django's password validators, judging a password in NFC, as it is hashed (normalization.normalize_password).

Every place that sets a password validates it first: the API (services.new_password_validate), the admin's forms,
``manage.py changepassword`` and ``createsuperuser``. Django's validators see the password as typed, and in NFD a
password is longer than the one hashed: "ééééé" typed with combining accents is ten code points, which passed the
minimum of eight in the admin and on the command line, and is hashed as the five of its NFC. Judged here in NFC,
every path holds a password to the rules for what it is stored as. (AUTH_PASSWORD_VALIDATORS names these.)

BreachedPasswordValidator is ours: leaked-password protection against Have I Been Pwned (breached_passwords.py).
"""

from contextlib import AbstractContextManager, nullcontext
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.views.decorators.debug import sensitive_variables

from .breached_passwords import password_breached, password_breached_ahead
from .normalization import normalize_password

BREACHED_CODE = "password_breached"
BREACHED_MESSAGE = "This password has appeared in a data breach, so it is not safe to use. Choose another one."


class _InNfc:
    def validate(self, password: str, user: Any = None) -> None:
        super().validate(normalize_password(password), user)  # type: ignore[misc]


class UserAttributeSimilarityValidator(_InNfc, password_validation.UserAttributeSimilarityValidator):
    pass


class MinimumLengthValidator(_InNfc, password_validation.MinimumLengthValidator):
    pass


class CommonPasswordValidator(_InNfc, password_validation.CommonPasswordValidator):
    pass


class NumericPasswordValidator(_InNfc, password_validation.NumericPasswordValidator):
    pass


class _BreachedPassword:
    """Refuses a password the Pwned Passwords range API lists (only 5 hex characters of its SHA-1 are sent).
    Accepts it while PASSWORD_BREACH_CHECK is off or the API gives no answer (fail open: breached_passwords.py)."""

    @sensitive_variables()
    def validate(self, password: str, user: Any = None) -> None:
        # Django runs every validator, even after one has refused the password: one that another refuses is not
        # sent (nor counted), and the user has only that other message to act on.
        if _refused_by_another(password, user):
            return
        if password_breached(password):
            raise ValidationError(BREACHED_MESSAGE, code=BREACHED_CODE)

    def get_help_text(self) -> str:
        return "Your password cannot be one that has appeared in a data breach."


class BreachedPasswordValidator(_InNfc, _BreachedPassword):
    pass


@sensitive_variables()
def _refused_by_another(password: str, user: Any) -> bool:
    """Whether a configured validator other than the breach check refuses ``password`` (they judge it in memory)."""
    for validator in password_validation.get_default_password_validators():
        if isinstance(validator, _BreachedPassword):
            continue
        try:
            validator.validate(password, user)
        except ValidationError:
            return True
    return False


@sensitive_variables()
def breach_checked_ahead(password: str | None) -> AbstractContextManager[None]:
    """A context in which BreachedPasswordValidator judges ``password`` by the range API's answer asked for now:
    for a form Django validates inside a transaction of its own (the admin's add view), so the wait on the API
    holds none open. Nothing is asked for an empty password or one another validator refuses without knowing the
    user (as the validator would not ask); the similarity check, which needs the user, still runs in the form."""
    if not password or not settings.PASSWORD_BREACH_CHECK:
        return nullcontext()
    in_nfc = normalize_password(password)
    if _refused_by_another(in_nfc, None):
        return nullcontext()
    return password_breached_ahead(in_nfc)
