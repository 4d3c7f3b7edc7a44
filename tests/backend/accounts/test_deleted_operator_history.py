"""An operator's admin history (django.contrib.admin LogEntry rows by them) outlives their account, anonymised.

Django deletes an operator's LogEntry rows with their account (LogEntry.user, on_delete=CASCADE); services.user_delete
credits them to the one "deleted operator" placeholder first, so the history of the accounts they added, changed
and deleted stays readable without their name, email or id (docs/security.md, "Deleting an account").
"""

import re
from html import unescape

import pytest
from django.contrib.admin.models import CHANGE, DELETION, LogEntry
from django.contrib.auth import authenticate
from django.test import Client
from django.urls import reverse

from backend.accounts import services
from backend.accounts.models import User
from tests.conftest import signed_in_client
from tests.factories import DEFAULT_PASSWORD, UserFactory

# Transactional: the deletion's notice and audit row are queued on commit, as in production.
pytestmark = pytest.mark.django_db(transaction=True)

DELETED_OPERATOR = "deleted operator"  # what the admin's history shows as the operator of a deleted operator's action
DELETED_ACCOUNT = "deleted account"  # and as the object of an action on a deleted account
OPERATOR_EMAIL, OPERATOR_NAME = "olivia.operator@example.com", "Olivia Operator"


def _admin(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _renamed_in_the_admin(client: Client, user: User, *, name: str) -> None:
    """A real change through the admin's change form (Django logs it with the user's email as ``object_repr``),
    keeping the account's permissions as they are."""
    form = {"email": user.email, "name": name, "is_active": "on", "date_joined_0": "2026-01-01"}
    form["date_joined_1"] = "00:00:00"
    form.update({flag: "on" for flag in ("is_staff", "is_superuser") if getattr(user, flag)})
    response = client.post(reverse("admin:accounts_user_change", args=[user.pk]), form)
    assert response.status_code == 302, response.content.decode()[:2000]


def _deleted_in_the_admin(client: Client, user: User) -> None:
    response = client.post(reverse("admin:accounts_user_delete", args=[user.pk]), {"post": "yes"})
    assert response.status_code == 302, response.content.decode()[:2000]


def _rows() -> list[tuple[str, int, str | None, str, str]]:
    """The whole admin history, oldest first: (operator's username, action, object id, object name, message)."""
    entries = LogEntry.objects.select_related("user").order_by("action_time", "pk")
    return [
        (entry.user.get_username(), entry.action_flag, entry.object_id, entry.object_repr, entry.get_change_message())
        for entry in entries
    ]


def _history_page(client: Client, user: User) -> list[tuple[str, str]]:
    """The (operator, message) rows of ``user``'s admin "History" page, as shown."""
    response = client.get(reverse("admin:accounts_user_history", args=[user.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    rows = re.findall(r'<th scope="row">.*?</th>\s*<td>(.*?)</td>\s*<td>(.*?)</td>', body, flags=re.S)
    return [(unescape(who).strip(), unescape(message).strip()) for who, message in rows]


@pytest.fixture
def operator_with_history():
    """An operator who, in the admin, changed one account, their own, and deleted another (three history rows)."""
    operator = User.objects.create_superuser(email=OPERATOR_EMAIL, password=DEFAULT_PASSWORD, name="Olivia")
    kept, gone = UserFactory(email="kept@example.com"), UserFactory(email="gone@example.com")
    client = _admin(operator)
    _renamed_in_the_admin(client, kept, name="Renamed")
    _renamed_in_the_admin(client, operator, name=OPERATOR_NAME)  # their own account: a row about them
    _deleted_in_the_admin(client, gone)
    operator.refresh_from_db()
    return operator, client, kept


def _deleted_by_themselves_through_the_api(operator: User, admin_client: Client, colleague: User) -> None:
    api, _ = signed_in_client(operator)
    response = api.delete("/api/auth/me/", {"current_password": DEFAULT_PASSWORD}, format="json")
    assert response.status_code == 204


def _deleted_by_themselves_in_the_admin(operator: User, admin_client: Client, colleague: User) -> None:
    _deleted_in_the_admin(admin_client, operator)


def _deleted_by_another_operator(operator: User, admin_client: Client, colleague: User) -> None:
    _deleted_in_the_admin(_admin(colleague), operator)


def _deleted_by_themselves_in_a_bulk_delete_with_another(operator: User, admin_client: Client, colleague: User) -> None:
    other = UserFactory(email="also-gone@example.com")
    response = admin_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "delete_selected", "_selected_action": [str(operator.pk), str(other.pk)], "post": "yes"},
    )
    assert response.status_code == 302
    assert not User.objects.filter(pk__in=[operator.pk, other.pk]).exists()


COLLEAGUE_EMAIL = "colleague@example.com"
# The rows the operator wrote before, once they are deleted: every one kept, credited to "deleted operator"; the
# row about their own account no longer names it, as for any deleted account.
KEPT_ROWS = [
    (DELETED_OPERATOR, CHANGE, "KEPT", "kept@example.com", "Changed Name."),
    (DELETED_OPERATOR, CHANGE, None, DELETED_ACCOUNT, "Changed Name."),
    (DELETED_OPERATOR, DELETION, None, DELETED_ACCOUNT, ""),
]


@pytest.mark.parametrize(
    ("delete", "deletion_rows"),
    [
        (_deleted_by_themselves_through_the_api, []),
        (_deleted_by_themselves_in_the_admin, [(DELETED_OPERATOR, DELETION, None, DELETED_ACCOUNT, "")]),
        (_deleted_by_another_operator, [(COLLEAGUE_EMAIL, DELETION, None, DELETED_ACCOUNT, "")]),
        (
            _deleted_by_themselves_in_a_bulk_delete_with_another,
            [(DELETED_OPERATOR, DELETION, None, DELETED_ACCOUNT, "")] * 2,
        ),
    ],
    ids=["themselves-api", "themselves-admin", "another-operator", "bulk-with-others"],
)
def test_given_an_operator_is_deleted_then_their_admin_history_stays_as_deleted_operators(
    operator_with_history, delete, deletion_rows
):
    # Given an operator with a history in the admin, and a colleague
    operator, admin_client, kept = operator_with_history
    colleague = User.objects.create_superuser(email=COLLEAGUE_EMAIL, password=DEFAULT_PASSWORD)
    operator_id = str(operator.pk)

    # When the operator's account is deleted
    delete(operator, admin_client, colleague)

    # Then every row they wrote stays, credited to "deleted operator", after which come the deletion's own rows
    assert not User.objects.filter(pk=operator.pk).exists()
    expected = [row if row[2] != "KEPT" else (*row[:2], str(kept.pk), *row[3:]) for row in KEPT_ROWS]
    assert _rows() == expected + deletion_rows
    # And the history page of the account they changed shows the change, by "deleted operator"
    assert _history_page(_admin(colleague), kept) == [(DELETED_OPERATOR, "Changed Name.")]
    # And neither the history nor the accounts keep the operator's name, email or id
    page = _admin(colleague).get(reverse("admin:accounts_user_history", args=[kept.pk])).content.decode()
    for personal in (OPERATOR_EMAIL, OPERATOR_NAME, operator_id):
        assert personal not in str(_rows())
        assert personal not in page
    assert not User.objects.filter(name__in=["Olivia", OPERATOR_NAME]).exists()


def test_the_deleted_operator_placeholder_is_one_unusable_account_hidden_from_the_admin(operator_with_history):
    # Given two operators with history, both deleted
    operator, _, kept = operator_with_history
    second = User.objects.create_superuser(email="second.operator@example.com", password=DEFAULT_PASSWORD)
    _renamed_in_the_admin(_admin(second), kept, name="Renamed again")
    colleague = User.objects.create_superuser(email=COLLEAGUE_EMAIL, password=DEFAULT_PASSWORD)
    for leaving in (operator, second):
        services.user_delete(user=leaving, actor=colleague)

    # Then both histories are credited to one placeholder, which has no name and cannot sign in or act
    [placeholder] = User.objects.filter(email=DELETED_OPERATOR)
    assert set(LogEntry.objects.exclude(user=colleague).values_list("user_id", flat=True)) == {placeholder.pk}
    assert _history_page(_admin(colleague), kept) == [
        (DELETED_OPERATOR, "Changed Name."),
        (DELETED_OPERATOR, "Changed Name."),
    ]
    assert (placeholder.name, placeholder.is_active, placeholder.is_staff, placeholder.is_superuser) == (
        "",
        False,
        False,
        False,
    )
    assert not placeholder.has_usable_password()
    assert authenticate(username=DELETED_OPERATOR, password="") is None
    # And the admin neither lists it nor opens, edits or deletes it
    colleague_client = _admin(colleague)
    listed = colleague_client.get(reverse("admin:accounts_user_changelist"), {"q": "deleted"})
    assert listed.status_code == 200
    assert DELETED_OPERATOR not in listed.content.decode()
    for page in ("change", "delete", "history", "password_change"):
        url_name = f"admin:{'auth' if page == 'password_change' else 'accounts'}_user_{page}"
        assert colleague_client.get(reverse(url_name, args=[placeholder.pk])).status_code in (302, 404)
    bulk = colleague_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "delete_selected", "_selected_action": [str(placeholder.pk)], "post": "yes"},
    )
    assert bulk.status_code == 302
    # And the deletion service refuses it: its deletion would take every deleted operator's history with it
    with pytest.raises(ValueError, match="placeholder"):
        services.user_delete(user=placeholder)
    assert User.objects.filter(pk=placeholder.pk).exists()
    assert LogEntry.objects.filter(user=placeholder).count() == 4


def test_given_an_account_that_never_acted_in_the_admin_is_deleted_then_no_placeholder_is_made(admin_client):
    # Given a user an operator changed in the admin, who never acted there themselves
    user = UserFactory(email="plain@example.com")
    _renamed_in_the_admin(admin_client, user, name="Renamed")
    client, _ = signed_in_client(user)

    # When they delete their account
    response = client.delete("/api/auth/me/", {"current_password": DEFAULT_PASSWORD}, format="json")

    # Then the history is as before (the operator's row about them scrubbed), and no placeholder account exists
    assert response.status_code == 204
    assert _rows() == [("root@example.com", CHANGE, None, DELETED_ACCOUNT, "Changed Name.")]
    assert not User.objects.filter(email=DELETED_OPERATOR).exists()
