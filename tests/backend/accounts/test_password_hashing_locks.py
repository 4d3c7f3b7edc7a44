"""A password change and a reset hash the new password before they lock the account's row
(models.NewPassword): hashing takes tens of milliseconds with the production hasher, and every sign-in of the account
waits on that lock. Seen as each hash is made, by a hasher that looks (PostgreSQL: from another connection)."""

import psycopg
import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.db import connection
from rest_framework.test import APIClient

from backend.accounts.models import AuthSession, User
from backend.accounts.services import user_change_password
from backend.accounts.services.password_reset import password_reset_confirm
from tests.backend.accounts.helpers import login, reset_link_parts
from tests.dbvendor import skip_on_mongodb

pytestmark = [
    pytest.mark.django_db(transaction=True),
    skip_on_mongodb("no row locks there, and no way to see one from another connection"),
]

NEW_PASSWORD = "a-Brand-new-phrase-58"


class LockProbingHasher(MD5PasswordHasher):
    """The tests' MD5 hasher, which records, each time it hashes, whether another connection finds the row of
    ``probed_user_id`` locked (SQLite: whether a transaction, which holds the database's write lock, is open)."""

    probed_user_id: str | None = None
    seen: list[bool] = []

    def encode(self, password: str, salt: str) -> str:
        if LockProbingHasher.probed_user_id is not None:
            LockProbingHasher.seen.append(_row_locked(LockProbingHasher.probed_user_id))
        return super().encode(password, salt)


def _row_locked(user_id: str) -> bool:
    if connection.vendor == "sqlite":
        # A transaction there takes the whole database's write lock as it begins (BEGIN IMMEDIATE: config/settings),
        # so hashing inside one is hashing under the lock. Asked of this thread's connection (the hash is made on it),
        # not probed from another: any writer in the file, a background job's say, would hold that lock too.
        return connection.in_atomic_block
    assert connection.vendor == "postgresql", f"no probe for {connection.vendor}"
    database = connection.settings_dict
    with psycopg.connect(
        dbname=database["NAME"], host=database["HOST"], port=database["PORT"] or 5432, user=database["USER"]
    ) as probe:
        try:
            probe.execute("SELECT 1 FROM accounts_user WHERE id = %s FOR UPDATE NOWAIT", [user_id])
            return False
        except psycopg.errors.LockNotAvailable:
            return True


@pytest.fixture
def probing(settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.LockProbingHasher"]
    LockProbingHasher.seen = []
    yield LockProbingHasher
    LockProbingHasher.probed_user_id = None


def test_a_password_change_hashes_the_new_password_before_it_locks_the_account(user, probing):
    assert login(APIClient(), user.email).status_code == 200
    session = AuthSession.objects.get(user=user)
    probing.probed_user_id = str(user.pk)

    user_change_password(user=User.objects.get(pk=user.pk), new_password=NEW_PASSWORD, keep_session_id=str(session.pk))

    assert probing.seen == [False]  # one hash, made with no lock on the account
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_a_reset_hashes_the_new_password_before_it_locks_the_account(user, probing):
    link = reset_link_parts(user)
    probing.probed_user_id = str(user.pk)

    password_reset_confirm(uid=link["uid"], token=link["token"], new_password=NEW_PASSWORD)

    assert probing.seen == [False]
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
