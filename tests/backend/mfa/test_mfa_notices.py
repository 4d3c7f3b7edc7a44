"""The MFA notices (received over real SMTP): each tells the owner what changed on their account and where to look,
and none carries a token, a code or a link that acts."""

import pytest

from backend.accounts import emails
from tests.support.smtp import text_body

pytestmark = pytest.mark.django_db(transaction=True)  # email is sent when the transaction commits

NOTICES = [
    (emails.notify_totp_enabled, {}, "An authenticator app was enabled on your account"),
    (emails.notify_totp_disabled, {}, "The authenticator app was disabled on your account"),
    (emails.notify_recovery_code_used, {"remaining": 1}, "A recovery code of your account was used"),
    (emails.notify_recovery_codes_regenerated, {}, "New recovery codes were generated for your account"),
    (emails.notify_passkey_added, {"name": "Phone"}, "A passkey was added to your account"),
    (emails.notify_passkey_removed, {"name": "Phone"}, "A passkey was removed from your account"),
    (emails.notify_mfa_reset, {}, "The second factors of your account were reset"),
]


@pytest.mark.parametrize(("notify", "extra", "subject"), NOTICES, ids=[n[0].__name__ for n in NOTICES])
def test_each_mfa_notice_names_the_account_and_the_security_page_without_a_token(user, smtp, notify, extra, subject):
    notify(user=user, **extra)

    [notice] = smtp.wait_for(to=user.email, subject=subject)
    body = text_body(notice)
    assert user.email in body
    assert "http://testserver/security" in body
    assert "token=" not in body


def test_a_passkey_notice_says_a_password_reset_keeps_it(user, smtp):
    # A passkey signs in without the password: resetting the password, as "if it was not you" advises, does not
    # remove one an intruder added, and the notice says where to
    emails.notify_passkey_added(user=user, name="Phone")

    [notice] = smtp.wait_for(to=user.email)
    body = text_body(notice)
    assert "reset your password now" in body
    assert "A reset keeps your authenticator app and passkeys: remove any you do not recognise at " in body


def test_a_passkey_name_is_shown_on_one_line(user, smtp):
    # A name is the user's own text: a line break in it must not forge lines (or headers) of the notice
    emails.notify_passkey_added(user=user, name="Phone\r\nBcc: someone@example.com")

    [notice] = smtp.wait_for(to=user.email)
    assert 'a passkey named "Phone Bcc: someone@example.com" was added' in text_body(notice)
    assert notice["Bcc"] is None


def test_the_last_recovery_code_is_counted_in_the_singular(user, smtp):
    emails.notify_recovery_code_used(user=user, remaining=1)

    [notice] = smtp.wait_for(to=user.email)
    assert "1 recovery code remains." in text_body(notice)
