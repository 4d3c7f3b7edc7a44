"""The custom user model (email login, case-insensitive uniqueness, createsuperuser) and session liveness."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import IntegrityError
from django.utils import timezone

from backend.accounts.models import AuthSession, User
from tests.dbvendor import skip_on_mongodb
from tests.factories import UserFactory

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


def test_live_and_ended_split_sessions_by_the_rule_is_live_states(user):
    now = timezone.now()
    states = {
        "live": {"expires_at": now + timedelta(hours=1)},
        "expired": {"expires_at": now - timedelta(hours=1)},
        "revoked": {"expires_at": now + timedelta(hours=1), "revoked_at": now - timedelta(minutes=1)},
        "revoked and expired": {"expires_at": now - timedelta(hours=1), "revoked_at": now - timedelta(hours=2)},
    }
    sessions = {
        name: AuthSession.objects.create(user=user, refresh_jti_hash=name, **fields) for name, fields in states.items()
    }
    names = {session.pk: name for name, session in sessions.items()}

    live = {names[pk] for pk in AuthSession.objects.live(now).values_list("pk", flat=True)}
    ended = {names[pk] for pk in AuthSession.objects.ended(now).values_list("pk", flat=True)}

    assert live == {name for name, session in sessions.items() if session.is_live} == {"live"}
    assert ended == set(states) - live
    # Later, the live one has expired too; the default is the current time.
    assert not AuthSession.objects.live(now + timedelta(hours=2)).exists()
    assert AuthSession.objects.live().count() == 1


def test_a_registration_losing_the_race_for_its_address_is_told_the_address_is_taken(monkeypatch):
    from django.core.exceptions import ValidationError

    from backend.accounts.services import user_create

    # Given another registration of the address commits between the check and the insert
    full_clean = User.full_clean

    def other_registration_commits(self, *args, **kwargs):
        full_clean(self, *args, **kwargs)
        UserFactory(email="race@example.com")

    monkeypatch.setattr(User, "full_clean", other_registration_commits)

    with pytest.raises(ValidationError) as refused:
        user_create(email="race@example.com", password="a-Long-enough-passphrase-1")

    assert refused.value.message_dict == {"email": ["An account with this email already exists."]}


def test_an_insert_refused_for_another_reason_is_not_reported_as_a_taken_address(monkeypatch):
    from backend.accounts.services import user_create

    # Given the database refuses the row for something else (during a rollout: a column this code does not fill)
    def refused(self, *args, **kwargs):
        raise IntegrityError('null value in column "added_later" violates not-null constraint')

    monkeypatch.setattr(User, "save", refused)

    with pytest.raises(IntegrityError, match="added_later"):
        user_create(email="new@example.com", password="a-Long-enough-passphrase-1")
