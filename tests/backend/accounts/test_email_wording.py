"""What the emails promise (received over real SMTP): the reset link says how long it works and what cancels it; the
notices that send a reader to a person name SUPPORT_CONTACT, and promise no support when there is none; an
operator's deletion of an account is not worded as an intruder's."""

import pytest

from backend.accounts.emails import links, notices, security_notices
from backend.accounts.services.account_deletion import user_delete
from tests.factories import UserFactory
from tests.support.smtp import text_body

pytestmark = pytest.mark.django_db(transaction=True)  # email is sent when the transaction commits

OLD, NEW = "old@example.com", "new@example.com"


# Password reset ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("seconds", "said"), [(3600, "1 hour"), (2 * 3600, "2 hours"), (90 * 60, "90 minutes")])
def test_the_reset_email_says_how_long_its_link_works_and_that_signing_in_cancels_it(settings, smtp, seconds, said):
    settings.PASSWORD_RESET_TIMEOUT = seconds
    user = UserFactory(email="forgetful@example.com")

    links.send_password_reset_link(user=user)

    body = text_body(smtp.wait_for(to=user.email, subject="Reset your password")[0])
    assert f"The link works once, for {said}." in body
    assert "Signing in to your account before you use it cancels it" in body
    assert "http://testserver/forgot-password" in body


# Notices that need a person ------------------------------------------------------------------------------------------


def _email_changed(user) -> str:
    notices.notify_email_changed(old_email=user.email, new_email=NEW)
    return user.email


def _email_changed_by_operator(user) -> str:
    notices.notify_email_changed_by_operator(old_email=user.email, new_email=NEW)
    return user.email


def _password_set_by_operator(user) -> str:
    notices.notify_password_set_by_operator(user=user)
    return user.email


def _mfa_reset(user) -> str:
    security_notices.notify_mfa_reset(user=user)
    return user.email


def _account_deleted(user) -> str:
    notices.notify_account_deleted(email=user.email)
    return user.email


def _account_deleted_by_operator(user) -> str:
    notices.notify_account_deleted(email=user.email, by_operator=True)
    return user.email


NEEDING_A_PERSON = [
    _email_changed,
    _email_changed_by_operator,
    _password_set_by_operator,
    _mfa_reset,
    _account_deleted,
    _account_deleted_by_operator,
]


@pytest.mark.parametrize("contact", ["help@example.com", "https://example.com/help"])
@pytest.mark.parametrize("notify", NEEDING_A_PERSON, ids=[notify.__name__.strip("_") for notify in NEEDING_A_PERSON])
def test_a_notice_that_needs_a_person_names_the_support_contact(settings, smtp, notify, contact):
    settings.SUPPORT_CONTACT = contact

    to = notify(UserFactory(email=OLD))

    [notice] = smtp.wait_for(to=to)
    assert f"contact support at {contact}" in " ".join(text_body(notice).split())


@pytest.mark.parametrize("notify", NEEDING_A_PERSON, ids=[notify.__name__.strip("_") for notify in NEEDING_A_PERSON])
def test_without_a_support_contact_no_notice_promises_support(settings, smtp, notify):
    settings.SUPPORT_CONTACT = ""

    to = notify(UserFactory(email=OLD))

    [notice] = smtp.wait_for(to=to)
    assert "support" not in text_body(notice).lower()


@pytest.mark.parametrize("notify", [_password_set_by_operator, _mfa_reset])
def test_without_a_support_contact_an_operators_change_still_says_how_to_take_the_account_back(settings, smtp, notify):
    settings.SUPPORT_CONTACT = ""

    [notice] = smtp.wait_for(to=notify(UserFactory(email=OLD)))

    assert "If you did not ask for this, reset your password now:\nhttp://testserver/forgot-password" in text_body(
        notice
    )


@pytest.mark.parametrize("notify", [_email_changed, _email_changed_by_operator])
def test_without_a_support_contact_an_address_change_says_resets_now_go_to_the_new_address(settings, smtp, notify):
    settings.SUPPORT_CONTACT = ""

    [notice] = smtp.wait_for(to=notify(UserFactory(email=OLD)))

    body = " ".join(text_body(notice).split())
    assert "Password reset links now go to the new address, not to this one. Keep this email" in body


# Account deleted: by its owner, or by an operator --------------------------------------------------------------------


def test_an_account_deleted_by_an_operator_is_not_worded_as_a_break_in(smtp):
    operator = UserFactory(email="operator@example.com", is_staff=True, is_superuser=True)
    target = UserFactory(email="removed@example.com")

    user_delete(user=target, actor=operator)

    body = " ".join(text_body(smtp.wait_for(to="removed@example.com", subject="Your account was deleted")[0]).split())
    assert "an administrator deleted the account for removed@example.com, with its data" in body
    assert "If it was not you" not in body
    assert "someone knew your password" not in body


def test_an_account_deleted_by_its_owner_says_what_to_do_if_it_was_not_them(smtp):
    target = UserFactory(email="leaving@example.com")

    user_delete(user=target)

    body = " ".join(text_body(smtp.wait_for(to="leaving@example.com", subject="Your account was deleted")[0]).split())
    assert "the account for leaving@example.com was deleted, with its data" in body
    assert "If it was not you, someone knew your password" in body
    assert "administrator" not in body
