"""A password is one password however a device spells its accented letters: "é" as U+00E9 (most keyboards) or as
"e" and a combining U+0301 (Vietnamese input on Windows, text pasted from a macOS file name). It is hashed and
checked in NFC (normalization.normalize_password)."""

from io import StringIO

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher, make_password
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.test import APIClient

from backend.accounts.management.commands.changepassword import Command as ChangePassword
from backend.accounts.models import User
from tests.backend.accounts.helpers import login
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

COMPOSED = "Crème-brûlée-à-minuit"  # NFC: each accented letter one code point
DECOMPOSED = "Cre\u0300me-bru\u0302le\u0301e-a\u0300-minuit"  # NFD: the same letters, each a letter and a mark
EMAIL = "chef@example.com"


def user_with_password(password: str) -> User:
    user = UserFactory(email=EMAIL)
    user.set_password(password)
    user.save(update_fields=["password"])
    return user


def test_the_two_spellings_are_one_visible_password():
    assert COMPOSED != DECOMPOSED
    assert len(COMPOSED) == 21
    assert len(DECOMPOSED) == 25


@pytest.mark.parametrize(
    ("chosen", "typed"), [(COMPOSED, DECOMPOSED), (DECOMPOSED, COMPOSED)], ids=["nfc-then-nfd", "nfd-then-nfc"]
)
def test_a_password_signs_in_however_the_device_spells_its_accents(chosen, typed):
    user_with_password(chosen)

    response = login(APIClient(), EMAIL, typed)

    assert response.status_code == 200
    assert response.json()["user"]["email"] == EMAIL


def test_registering_with_a_decomposed_password_signs_in_with_the_composed_one():
    response = APIClient().post("/api/auth/register/", {"email": EMAIL, "password": DECOMPOSED}, format="json")
    assert response.status_code == 201

    assert login(APIClient(), EMAIL, COMPOSED).status_code == 200


def test_a_password_hashed_as_typed_before_normalisation_still_signs_in_and_is_hashed_again_in_nfc():
    # Given an account whose password was hashed as typed, decomposed (before passwords were normalised)
    user = UserFactory(email=EMAIL)
    User.objects.filter(pk=user.pk).update(password=make_password(DECOMPOSED))

    # When its owner signs in typing it the same way
    response = login(APIClient(), EMAIL, DECOMPOSED)

    # Then it signs in, and the stored hash is now of the NFC password, which any spelling reaches
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.check_password(COMPOSED)
    assert MD5PasswordHasher().verify(COMPOSED, user.password)


def test_a_wrong_password_is_still_refused_in_either_spelling():
    user_with_password(COMPOSED)

    responses = [login(APIClient(), EMAIL, wrong) for wrong in ("Cre\u0300me-brulee-a-minuit", "Creme-brulee")]

    assert [response.status_code for response in responses] == [401, 401]


class CountingHasher(MD5PasswordHasher):
    """The tests' hasher, counting the hashes it computes."""

    computed = 0

    def encode(self, password, salt):
        CountingHasher.computed += 1
        return super().encode(password, salt)


@pytest.fixture
def counting_hasher(settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    CountingHasher.computed = 0
    return CountingHasher


def test_a_wrong_decomposed_password_costs_the_same_hashing_for_an_unknown_address_as_for_an_account(
    counting_hasher,
):
    # Given an account (its password hashed before counting starts)
    user_with_password(COMPOSED)
    counting_hasher.computed = 0
    wrong = "Mauvaise-re\u0301ponse-42"  # not in NFC: checked in NFC and as typed

    # When the same wrong password is tried on the account, then on an address that has none
    assert login(APIClient(), EMAIL, wrong).status_code == 401
    for_the_account = counting_hasher.computed
    assert login(APIClient(), "nobody@example.com", wrong).status_code == 401
    for_nobody = counting_hasher.computed - for_the_account

    # Then each took as many hashes: the answer's time does not tell which addresses have an account
    assert (for_the_account, for_nobody) == (2, 2)


# Five accented letters, each typed as a letter and a combining accent: ten code points as typed, five in NFC, the
# form it would be hashed in; under the minimum of eight.
SHORT_IN_NFC = "a\u0301e\u0301i\u0301o\u0301u\u0301"


def test_a_password_that_is_too_short_in_nfc_is_refused_by_the_admin_as_by_the_api(admin_client):
    # Given an account, and a password long enough only as typed (the API refuses it: it is judged as hashed)
    target = user_with_password(COMPOSED)
    assert len(SHORT_IN_NFC) == 10
    api = APIClient().post("/api/auth/register/", {"email": "new@example.com", "password": SHORT_IN_NFC}, format="json")
    assert api.status_code == 400

    # When an operator sets it in the admin
    response = admin_client.post(
        reverse("admin:auth_user_password_change", args=[target.pk]),
        {"password1": SHORT_IN_NFC, "password2": SHORT_IN_NFC, "usable_password": "true"},
    )

    # Then the form refuses it as too short, and the password is unchanged
    assert response.status_code == 200
    assert "This password is too short. It must contain at least 8 characters." in response.content.decode()
    target.refresh_from_db()
    assert target.check_password(COMPOSED)


def test_changepassword_refuses_a_password_that_is_too_short_in_nfc(monkeypatch):
    # Given an account, and an operator typing a password long enough only as typed, at every prompt
    target = user_with_password(COMPOSED)
    monkeypatch.setattr(ChangePassword, "_get_pass", lambda self, prompt="": SHORT_IN_NFC)

    # When they run changepassword, then it gives up after its tries, and the password is unchanged
    with pytest.raises(CommandError, match="Aborting password change"):
        call_command("changepassword", EMAIL, stdout=StringIO(), stderr=StringIO())
    target.refresh_from_db()
    assert target.check_password(COMPOSED)


def test_createsuperuser_without_input_refuses_a_password_that_is_too_short_in_nfc(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", SHORT_IN_NFC)

    with pytest.raises(CommandError, match="DJANGO_SUPERUSER_PASSWORD is too weak: This password is too short"):
        call_command("createsuperuser", "--noinput", "--email", "root@example.com")

    assert not User.objects.filter(email="root@example.com").exists()
