"""``manage.py createsuperuser``: Django's, which with ``--noinput`` takes DJANGO_SUPERUSER_PASSWORD as it is; here that
password meets AUTH_PASSWORD_VALIDATORS too, as the interactive prompt's does (an operator account with "123" is the
first one an attacker tries). It overrides Django's because backend.accounts comes before django.contrib.auth in
INSTALLED_APPS."""

import os
from typing import Any

from django.contrib.auth.management.commands import createsuperuser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import CommandError

from backend.common.commands import OperatorCommandMixin

from ...models import User
from ...normalization import normalize_email


class Command(OperatorCommandMixin, createsuperuser.Command):
    def work_kept(self) -> str:
        return "No account was created."

    def handle(self, *args: Any, **options: Any) -> None:
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD")
        if not options["interactive"] and password:
            email = options.get("email") or os.environ.get("DJANGO_SUPERUSER_EMAIL") or ""
            try:
                validate_password(password, user=User(email=normalize_email(email)))
            except ValidationError as exc:
                raise CommandError(
                    "DJANGO_SUPERUSER_PASSWORD is too weak: " + " ".join(exc.messages) + " Choose another."
                ) from None
        super().handle(*args, **options)
