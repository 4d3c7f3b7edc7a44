"""JWT signing-key rotation (JWT_SIGNING_KEYS, newest first): the newest signs with its ``kid``, every listed key
verifies, so adding a key signs nobody out and removing one refuses its tokens."""

import jwt
import pytest
from rest_framework.test import APIClient

from backend.accounts.tokens import key_id
from tests.backend.accounts.helpers import bearer, login, refresh_cookie

pytestmark = pytest.mark.django_db

OLD = "old-signing-key-" + "0123456789abcdefghijklmnopqrstuvwxyz"
NEW = "new-signing-key-" + "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210"


@pytest.fixture
def signed_in_with_old_key(settings, api_client, user):
    """A session whose tokens were signed while OLD was the only key: ``(access, refresh)``."""
    settings.JWT_SIGNING_KEYS = [OLD]
    response = login(api_client, user.email)
    return response.json()["access"], refresh_cookie(response)


def _me_status(access: str) -> tuple[int, str]:
    response = bearer(APIClient(), access).get("/api/auth/me/")
    return response.status_code, response.json().get("code", "")


def _refresh_with(raw_refresh: str):
    return APIClient().post("/api/auth/refresh/", {"refresh": raw_refresh}, format="json")


def test_a_removed_key_refuses_its_access_and_refresh_tokens(settings, signed_in_with_old_key):
    access, raw_refresh = signed_in_with_old_key
    assert _me_status(access) == (200, "")  # verified once under the old ring

    settings.JWT_SIGNING_KEYS = [NEW]

    assert _me_status(access) == (401, "token_not_valid")
    response = _refresh_with(raw_refresh)
    assert (response.status_code, response.json()["code"]) == (401, "invalid_refresh_token")


def test_a_token_naming_an_unknown_key_is_refused_even_if_a_listed_key_signed_it(settings, signed_in_with_old_key):
    access, _ = signed_in_with_old_key
    claims = jwt.decode(access, OLD, algorithms=["HS256"])
    forged = jwt.encode(claims, OLD, algorithm="HS256", headers={"kid": "not-a-key-id"})

    assert _me_status(forged) == (401, "token_not_valid")


def test_tokens_are_signed_by_the_newest_key_and_name_it(settings, api_client, user):
    settings.JWT_SIGNING_KEYS = [NEW, OLD]

    response = login(api_client, user.email)

    for token in (response.json()["access"], refresh_cookie(response)):
        assert jwt.get_unverified_header(token)["kid"] == key_id(NEW)
        jwt.decode(token, NEW, algorithms=["HS256"], options={"verify_exp": False})  # raises if another key signed


def test_adding_a_key_signs_nobody_out_and_the_next_refresh_moves_the_session_to_it(settings, signed_in_with_old_key):
    access, raw_refresh = signed_in_with_old_key

    settings.JWT_SIGNING_KEYS = [NEW, OLD]

    assert _me_status(access) == (200, "")
    response = _refresh_with(raw_refresh)
    assert response.status_code == 200
    assert jwt.get_unverified_header(refresh_cookie(response))["kid"] == key_id(NEW)
    # Once the old key is retired, the moved session lives on.
    settings.JWT_SIGNING_KEYS = [NEW]
    assert _me_status(response.json()["access"]) == (200, "")
    assert _refresh_with(refresh_cookie(response)).status_code == 200


def test_a_token_without_a_key_id_from_before_key_ids_is_verified_against_each_listed_key(
    settings, signed_in_with_old_key
):
    access, _ = signed_in_with_old_key
    claims = jwt.decode(access, OLD, algorithms=["HS256"])
    legacy = jwt.encode(claims, OLD, algorithm="HS256")  # no kid header
    settings.JWT_SIGNING_KEYS = [NEW, OLD]

    assert _me_status(legacy) == (200, "")
    settings.JWT_SIGNING_KEYS = [NEW]
    assert _me_status(legacy) == (401, "token_not_valid")
