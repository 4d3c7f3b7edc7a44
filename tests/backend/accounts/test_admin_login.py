"""The admin login form is rate limited like the API login, so it is no side door for password guessing."""

import pytest
from django.test import Client

from backend.accounts.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "an-Admin-passphrase-1"


@pytest.fixture
def staff(db):
    return User.objects.create_superuser(email="ops@example.com", password=PASSWORD)


@pytest.fixture
def rates(settings):
    def set_rates(**scopes: str) -> None:
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, **scopes}

    return set_rates


def _post_login(client: Client, email: str, password: str):
    return client.post("/admin/login/", {"username": email, "password": password, "next": "/admin/"})


def test_failed_admin_logins_lock_the_email_for_the_right_password_too(staff, rates):
    rates(login_email="2/15m", login_ip="100/1m")
    for n in range(2):
        assert _post_login(Client(REMOTE_ADDR=f"198.51.100.{n}"), staff.email, "wrong").status_code == 200

    response = _post_login(Client(REMOTE_ADDR="198.51.100.50"), staff.email, PASSWORD)

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 60


def test_admin_logins_are_limited_per_ip(staff, rates):
    rates(login_ip="2/1m", login_email="100/15m")
    client = Client(REMOTE_ADDR="198.51.100.60")
    statuses = [_post_login(client, f"guess{n}@example.com", "wrong").status_code for n in range(3)]

    assert statuses == [200, 200, 429]


def test_a_successful_admin_login_still_signs_in_and_is_not_counted_against_the_email(staff, rates):
    rates(login_email="1/15m", login_ip="100/1m")
    for _ in range(3):
        response = _post_login(Client(), staff.email, PASSWORD)
        assert response.status_code == 302
        assert response["Location"] == "/admin/"


def test_the_login_page_itself_is_never_limited(rates):
    rates(login_ip="1/1m")

    statuses = [Client().get("/admin/login/").status_code for _ in range(3)]

    assert statuses == [200, 200, 200]
