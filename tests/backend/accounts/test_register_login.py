"""Registration and sign-in: input validation first, then the signed-in result."""

from datetime import datetime

import pytest
from django.conf import settings

from backend.accounts.models import AuthSession, User
from tests.backend.accounts.helpers import bearer, login
from tests.dbvendor import as_stored
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

REGISTER = "/api/auth/register/"
STRONG = "a-Strong-passphrase-42"


def test_register_with_duplicate_email_in_other_case_is_400(api_client):
    UserFactory(email="taken@example.com")
    response = api_client.post(REGISTER, {"email": "TAKEN@Example.com", "password": STRONG}, format="json")
    assert response.status_code == 400
    assert response.json() == {"email": ["An account with this email already exists."]}
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("password", "fragment"),
    [("short", "too short"), ("password123", "too common"), ("12345678901", "entirely numeric")],
)
def test_register_with_weak_password_is_400_with_the_validators_message(api_client, password, fragment):
    response = api_client.post(REGISTER, {"email": "new@example.com", "password": password}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert list(body) == ["password"]
    assert any(fragment in message for message in body["password"])
    assert not User.objects.exists()


def test_register_with_password_similar_to_email_is_400(api_client):
    response = api_client.post(
        REGISTER, {"email": "margaret.hamilton@example.com", "password": "margaret.hamilton"}, format="json"
    )
    assert response.status_code == 400
    assert "password" in response.json()


@pytest.mark.parametrize(
    "body",
    [{}, {"email": "not-an-email", "password": STRONG}, {"email": "a@example.com"}, {"password": STRONG}],
)
def test_register_with_missing_or_malformed_fields_is_400(api_client, body):
    response = api_client.post(REGISTER, body, format="json")
    assert response.status_code == 400
    assert set(response.json()) <= {"email", "password"}
    assert response.json()


def test_register_cannot_set_staff_or_superuser_flags(api_client):
    response = api_client.post(
        REGISTER,
        {"email": "sneaky@example.com", "password": STRONG, "is_staff": True, "is_superuser": True},
        format="json",
    )
    assert response.status_code == 201
    user = User.objects.get(email="sneaky@example.com")
    assert (user.is_staff, user.is_superuser) == (False, False)


def test_register_signs_the_user_in_and_never_returns_the_refresh_token_in_the_body(api_client):
    response = api_client.post(
        REGISTER,
        {"email": "  Ada@Example.COM ", "password": STRONG, "name": " Ada "},
        format="json",
        HTTP_USER_AGENT="Firefox/130",
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"user", "access"}
    user = User.objects.get()
    joined = datetime.fromisoformat(body["user"].pop("date_joined"))
    assert body["user"] == {"id": str(user.id), "email": "ada@example.com", "email_verified": False, "name": "Ada"}
    assert as_stored(joined) == user.date_joined  # the response has the time before MongoDB drops microseconds
    refresh_value = response.cookies[settings.REFRESH_COOKIE_NAME].value
    assert refresh_value
    assert refresh_value not in response.content.decode()
    session = AuthSession.objects.get()
    assert (session.user_id, session.user_agent, session.ip_address) == (user.id, "Firefox/130", "127.0.0.1")
    assert bearer(api_client, body["access"]).get("/api/auth/me/").status_code == 200


def test_registered_password_is_hashed_with_the_configured_first_hasher(api_client):
    api_client.post(REGISTER, {"email": "hash@example.com", "password": STRONG}, format="json")
    user = User.objects.get()
    assert user.password != STRONG
    assert user.check_password(STRONG)


def test_login_with_wrong_password_is_401_and_creates_no_session(api_client, user):
    response = login(api_client, user.email, "wrong-password")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid email or password.", "code": "invalid_credentials"}
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert settings.REFRESH_COOKIE_NAME not in response.cookies
    assert not AuthSession.objects.exists()


def test_login_with_unknown_email_gives_exactly_the_same_response_as_a_wrong_password(api_client, user):
    wrong_password = login(api_client, user.email, "wrong-password")
    unknown_email = login(api_client, "nobody@example.com", "wrong-password")
    assert unknown_email.status_code == wrong_password.status_code == 401
    assert unknown_email.content == wrong_password.content


def test_login_for_unknown_email_still_runs_the_password_hasher(api_client, monkeypatch):
    # Equal timing comes from hashing the password even when no account exists.
    from django.contrib.auth import hashers

    calls = []
    original = hashers.make_password

    def counting_make_password(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr("django.contrib.auth.base_user.make_password", counting_make_password)
    response = login(api_client, "nobody@example.com", "whatever")
    assert response.status_code == 401
    assert calls, "ModelBackend must hash the password for unknown emails"


def test_login_of_inactive_user_is_401(api_client):
    user = UserFactory(is_active=False)
    response = login(api_client, user.email)
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"


def test_login_with_non_string_fields_is_400(api_client):
    response = api_client.post("/api/auth/login/", {"email": ["x"], "password": {"a": 1}}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"email", "password"}


def test_login_is_case_insensitive_on_email_and_ignores_a_stale_bearer(api_client):
    user = UserFactory(email="grace@example.com")
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    response = login(api_client, "GRACE@example.com", DEFAULT_PASSWORD)
    assert response.status_code == 200
    assert response.json()["user"]["id"] == str(user.id)
    assert response.cookies[settings.REFRESH_COOKIE_NAME].value


def test_each_login_creates_its_own_session(api_client, user):
    login(api_client, user.email)
    login(api_client, user.email)
    assert AuthSession.objects.filter(user=user).count() == 2


def test_registering_an_existing_email_is_a_400_counted_against_the_per_ip_limit(api_client, rates):
    # Given an existing account and a per-IP registration limit of 2
    rates(register_ip="2/1h")
    UserFactory(email="taken@example.com")
    body = {"email": "taken@example.com", "password": STRONG}

    # When one client keeps trying to register that address
    statuses = [api_client.post(REGISTER, body, format="json").status_code for _ in range(3)]

    # Then it learns the address is taken (a documented trade-off) only as often as the limit allows
    assert statuses == [400, 400, 429]
