"""The custom user model: email login, case-insensitive uniqueness, createsuperuser."""

import pytest
from django.core.management import call_command
from django.db import IntegrityError

from backend.accounts.models import User
from tests.dbvendor import skip_on_mongodb

pytestmark = pytest.mark.django_db


@skip_on_mongodb(
    "MongoDB has no unique index on an expression (Lower('email'), check W044); normalize_email() is the guard"
)
def test_emails_differing_only_by_case_cannot_both_exist_even_bypassing_normalisation():
    User.objects.create_user(email="Case@Example.com", password="x-Strong-pass-1")
    other = User.objects.create_user(email="other@example.com", password="x-Strong-pass-1")
    # .update() skips clean(): the database constraint still holds.
    with pytest.raises(IntegrityError):
        User.objects.filter(pk=other.pk).update(email="CASE@example.com")


def test_create_user_normalises_the_email_and_has_no_username():
    user = User.objects.create_user(email="  Mixed@Example.COM ", password="x-Strong-pass-1")
    assert user.email == "mixed@example.com"
    assert not hasattr(user, "username")
    assert (user.is_staff, user.is_superuser) == (False, False)


def test_createsuperuser_works_with_email(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "an-Admin-passphrase-1")
    call_command("createsuperuser", "--noinput", "--email", "Admin@Example.com", verbosity=0)
    admin = User.objects.get()
    assert admin.email == "admin@example.com"
    assert admin.is_superuser
    assert admin.is_staff
    assert admin.check_password("an-Admin-passphrase-1")
