"""Django's password validators, judging a password in NFC, as it is hashed (models.normalize_password).

Every place that sets a password validates it first: the API (services.new_password_validate), the admin's forms,
``manage.py changepassword`` and ``createsuperuser``. Django's validators see the password as typed, and in NFD a
password is longer than the one hashed: "ééééé" typed with combining accents is ten code points, which passed the
minimum of eight in the admin and on the command line, and is hashed as the five of its NFC. Judged here in NFC,
every path holds a password to the rules for what it is stored as. (AUTH_PASSWORD_VALIDATORS names these.)
"""

from typing import Any

from django.contrib.auth import password_validation

from .models import normalize_password


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
