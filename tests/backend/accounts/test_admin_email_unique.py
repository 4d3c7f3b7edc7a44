"""The admin's user form refuses another account's address, in whatever case, with a message an operator reads."""

import re

import pytest
from django.urls import reverse

from backend.accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TAKEN = "An account with this email already exists."


def _errors(response) -> list[str]:
    lists = re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode(), re.S)
    return [re.sub(r"<[^>]+>", "", item).strip() for found in lists for item in re.findall(r"<li>.*?</li>", found)]


@pytest.mark.parametrize("address", ["taken@example.com", "TAKEN@Example.COM"])
def test_adding_a_user_with_another_accounts_address_says_the_address_is_taken(admin_client, address):
    UserFactory(email="taken@example.com")
    before = User.objects.count()

    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": address,
            "name": "",
            "usable_password": "true",
            "password1": "Whatever-pass-99!",
            "password2": "Whatever-pass-99!",
        },
    )

    assert response.status_code == 200
    # Once, on the field: not the database constraint's name ("Constraint ... is violated."), nor a second time for
    # the form as a whole (the case-insensitive constraint and the field's own unique check both find it)
    assert _errors(response) == [TAKEN]
    assert re.search(r'<ul class="errorlist[^"]*"[^>]*id="id_email_error"', response.content.decode())
    assert User.objects.count() == before
