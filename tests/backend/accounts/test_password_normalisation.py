"""A password is one password however a device spells its accented letters: "é" as U+00E9 (most keyboards) or as
"e" and a combining U+0301 (Vietnamese input on Windows, text pasted from a macOS file name). It is hashed and
checked in NFC (models.normalize_password)."""

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher, make_password
from rest_framework.test import APIClient

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
