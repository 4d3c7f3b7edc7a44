"""Operators and second factors: the user page lists an account's factors, "Reset second factors" removes them
(audited, the user emailed), and the admin's own sign-in asks for a code from every account with a second factor
(and, with MFA_REQUIRED_FOR_STAFF, from all staff)."""

import html
import re

import pyotp
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from backend.accounts.models import User
from backend.audit.models import AuditEvent
from backend.mfa.crypto import secret_encrypt
from backend.mfa.models import Passkey, RecoveryCode, TotpAuthenticator
from backend.mfa.services.recovery_codes import recovery_codes_issue_if_first
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)  # emails and audit events are sent when the transaction commits

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
PASSWORD = "an-Admin-passphrase-1"
RESET_SUBJECT = "The second factors of your account were reset"
GENERIC_ERROR = (
    "Please enter the correct email address, password and authentication code for a staff account. Note that they "
    "may be case-sensitive."
)


def _with_app(user: User) -> TotpAuthenticator:
    return TotpAuthenticator.objects.create(
        user=user, secret_encrypted=secret_encrypt(SECRET), confirmed_at=timezone.now()
    )


def _with_every_factor(user: User) -> list[str]:
    _with_app(user)
    Passkey.objects.create(user=user, name="Work laptop", credential_id=f"cred-{user.pk}", public_key="pk")
    return recovery_codes_issue_if_first(user=user)


def _html_text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


# The user page -------------------------------------------------------------------------------------------------------


def test_a_user_without_factors_shows_none(admin_client):
    target = UserFactory()

    response = admin_client.get(reverse("admin:accounts_user_change", args=[target.pk]))

    assert response.status_code == 200
    text = _html_text(response)
    assert "Authenticator app: none" in text
    assert "Recovery codes: 0 of 0 unused" in text
    assert "Passkeys: none" in text


def test_the_user_page_lists_the_factors_without_any_secret(admin_client):
    # Given a user with an authenticator app, a passkey and ten recovery codes, one of them used
    target = UserFactory()
    codes = _with_every_factor(target)
    one = RecoveryCode.objects.filter(user=target).values_list("pk", flat=True)[:1]
    RecoveryCode.objects.filter(pk__in=list(one)).update(used_at=timezone.now())

    # When an operator opens their page
    response = admin_client.get(reverse("admin:accounts_user_change", args=[target.pk]))

    # Then the factors are listed, read-only, and no secret or code appears
    text = _html_text(response)
    assert re.search(r"Authenticator app: enabled since \d{4}-\d\d-\d\d \d\d:\d\d UTC", text)
    assert "Recovery codes: 9 of 10 unused" in text
    assert re.search(r"Passkeys: 1 Work laptop \(added \d{4}-\d\d-\d\d \d\d:\d\d UTC, last used never\)", text)
    page = response.content.decode()
    assert SECRET not in page
    assert not any(code in page for code in codes)
    assert f'href="/admin/accounts/user/{target.pk}/reset-second-factors/"' in page


@pytest.mark.parametrize("object_id", ["abc", "00000000-0000-0000-0000-000000000000"])
def test_the_reset_page_of_a_malformed_or_unknown_id_is_404(admin_client, object_id):
    url = reverse("admin:accounts_user_reset_second_factors", args=[object_id])

    assert (admin_client.get(url).status_code, admin_client.post(url).status_code) == (404, 404)


def test_the_reset_page_needs_the_change_permission(client):
    # Given a staff member who may only view users
    from django.contrib.auth.models import Permission

    viewer = User.objects.create_user(email="viewer@example.com", password=PASSWORD, is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_user"))
    client.force_login(viewer)
    target = UserFactory()
    _with_app(target)

    # When they try to reset a user's second factors
    page = client.get(reverse("admin:accounts_user_reset_second_factors", args=[target.pk]))
    post = client.post(reverse("admin:accounts_user_reset_second_factors", args=[target.pk]))

    # Then they are refused and nothing changes
    assert (page.status_code, post.status_code) == (403, 403)
    assert TotpAuthenticator.objects.filter(user=target).exists()


def test_the_reset_page_confirms_and_then_resets_with_the_operator_as_actor(admin_client, smtp):
    target = UserFactory()
    _with_every_factor(target)
    url = reverse("admin:accounts_user_reset_second_factors", args=[target.pk])

    confirm = admin_client.get(url)
    assert confirm.status_code == 200
    assert "Recovery codes: 10 of 10 unused" in _html_text(confirm)
    assert TotpAuthenticator.objects.filter(user=target).exists()

    response = admin_client.post(url)

    assert (response.status_code, response["Location"]) == (302, f"/admin/accounts/user/{target.pk}/change/")
    assert not Passkey.objects.filter(user=target).exists()
    [event] = AuditEvent.objects.filter(event=AuditEvent.Event.MFA_RESET)
    assert event.actor_id == User.objects.get(email="root@example.com").pk
    smtp.wait_for(to=target.email, subject=RESET_SUBJECT)


def test_resetting_a_user_without_factors_changes_nothing_and_sends_nothing(admin_client, smtp):
    target = UserFactory()

    response = admin_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_second_factors", "_selected_action": [str(target.pk)]},
        follow=True,
    )

    assert "Removed the second factors of 0 user(s)" in response.content.decode()
    assert not AuditEvent.objects.filter(event=AuditEvent.Event.MFA_RESET).exists()
    assert smtp.messages == []


def test_reset_second_factors_removes_them_all_audited_with_the_operator_and_tells_the_user(admin_client, smtp):
    # Given a user with every factor, and a bystander with an app
    target, bystander = UserFactory(), UserFactory()
    _with_every_factor(target)
    _with_app(bystander)

    # When an operator resets the target's second factors
    response = admin_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_second_factors", "_selected_action": [str(target.pk)]},
        follow=True,
    )

    # Then they are all gone, the bystander's untouched
    assert response.status_code == 200
    assert "Removed the second factors of 1 user(s)" in response.content.decode()
    assert not TotpAuthenticator.objects.filter(user=target).exists()
    assert not RecoveryCode.objects.filter(user=target).exists()
    assert not Passkey.objects.filter(user=target).exists()
    assert TotpAuthenticator.objects.filter(user=bystander).exists()

    # And it is audited with the operator as actor, and the user told
    [event] = AuditEvent.objects.filter(event=AuditEvent.Event.MFA_RESET)
    operator = User.objects.get(email="root@example.com")
    assert (event.user_id, event.actor_id) == (target.pk, operator.pk)
    [notice] = smtp.wait_for(to=target.email, subject=RESET_SUBJECT)
    assert "http://testserver/security" in notice.get_body(preferencelist=("plain",)).get_content()


# The admin's sign-in: a code from accounts with a second factor (with MFA_REQUIRED_FOR_STAFF, from all staff) ---


@pytest.fixture
def staff(db):
    return User.objects.create_superuser(email="ops@example.com", password=PASSWORD)


@pytest.fixture
def staff_mfa(settings):
    settings.MFA_REQUIRED_FOR_STAFF = True


def _post_login(client: Client, email: str, password: str, otp: str | None = None):
    data = {"username": email, "password": password, "next": "/admin/"}
    if otp is not None:
        data["otp"] = otp
    return client.post("/admin/login/", data)


def _signed_in(client: Client) -> bool:
    return client.get("/admin/").status_code == 200


def _errors(response) -> list[str]:
    found = re.findall(r'<p class="errornote">(.*?)</p>', response.content.decode(), re.S)
    return [html.unescape(" ".join(error.split())) for error in found]


def test_staff_without_an_authenticator_app_are_sent_to_enable_one(staff, staff_mfa):
    client = Client()

    response = _post_login(client, staff.email, PASSWORD, otp="123456")

    assert response.status_code == 200
    assert _errors(response) == [
        "Staff sign in to the admin with an authenticator app. Enable it on the Security page of the dashboard "
        "(http://testserver/security) first, then sign in here."
    ]
    assert not _signed_in(client)


def test_a_wrong_code_reads_like_a_wrong_password_and_is_audited(staff, staff_mfa):
    _with_app(staff)
    now = pyotp.TOTP(SECRET).now()
    wrong = next(code for code in ("000000", "111111", "222222") if code != now)

    wrong_code = _post_login(Client(), staff.email, PASSWORD, otp=wrong)
    wrong_password = _post_login(Client(), staff.email, "not-the-password", otp=now)

    assert _errors(wrong_code) == _errors(wrong_password) == [GENERIC_ERROR]
    assert AuditEvent.objects.filter(user=staff, event=AuditEvent.Event.MFA_FAILED).count() == 1


def test_a_missing_code_is_refused(staff, staff_mfa):
    _with_app(staff)
    client = Client()

    response = _post_login(client, staff.email, PASSWORD)

    assert _errors(response) == [GENERIC_ERROR]
    assert not _signed_in(client)


def test_a_code_used_once_is_refused_the_second_time(staff, staff_mfa):
    _with_app(staff)
    code = pyotp.TOTP(SECRET).now()
    assert _post_login(Client(), staff.email, PASSWORD, otp=code).status_code == 302

    replay = _post_login(Client(), staff.email, PASSWORD, otp=code)

    assert _errors(replay) == [GENERIC_ERROR]


def test_wrong_codes_count_on_the_sign_in_limits(staff, staff_mfa, rates):
    # Given the per-account limit at two failures
    rates(login_email="2/15m", login_ip="100/1m")
    _with_app(staff)
    now = pyotp.TOTP(SECRET).now()
    wrong = next(code for code in ("000000", "111111", "222222") if code != now)

    # When two wrong codes come with the right password, then the right code
    statuses = [_post_login(Client(), staff.email, PASSWORD, otp=wrong).status_code for _ in range(2)]
    locked = _post_login(Client(), staff.email, PASSWORD, otp=now)

    # Then the third is refused unchecked
    assert (statuses, locked.status_code) == ([200, 200], 429)


def test_the_login_page_asks_for_the_code_with_or_without_the_setting(staff, settings):
    # (it cannot know the account before the form is posted)
    settings.MFA_REQUIRED_FOR_STAFF = False
    without = Client().get("/admin/login/").content.decode()
    settings.MFA_REQUIRED_FOR_STAFF = True
    with_setting = Client().get("/admin/login/").content.decode()

    assert "Authentication code" in without
    assert "If your account has two-step verification: the code your authenticator app shows" in without
    assert "Authentication code" in with_setting
    assert 'autocomplete="one-time-code"' in with_setting


def test_staff_sign_in_with_the_password_and_a_current_code(staff, staff_mfa):
    _with_app(staff)
    client = Client()

    response = _post_login(client, staff.email, PASSWORD, otp=pyotp.TOTP(SECRET).now())

    assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert _signed_in(client)


def test_staff_sign_in_with_a_recovery_code_which_is_then_spent(staff, staff_mfa, smtp):
    _with_app(staff)
    codes = recovery_codes_issue_if_first(user=staff)
    client = Client()

    response = _post_login(client, staff.email, PASSWORD, otp=codes[0].upper())

    assert response.status_code == 302
    assert _signed_in(client)
    assert _errors(_post_login(Client(), staff.email, PASSWORD, otp=codes[0])) == [GENERIC_ERROR]
    smtp.wait_for(to=staff.email, subject="A recovery code of your account was used")


def test_without_the_setting_staff_without_a_second_factor_sign_in_with_the_password_alone(staff, settings):
    settings.MFA_REQUIRED_FOR_STAFF = False

    response = _post_login(Client(), staff.email, PASSWORD)

    assert response.status_code == 302


def test_without_the_setting_staff_with_an_authenticator_app_still_need_its_code(staff, settings):
    # Given staff with an authenticator app, and the setting off (its default)
    settings.MFA_REQUIRED_FOR_STAFF = False
    _with_app(staff)
    client = Client()

    # When they give the password alone (someone who has only the password), then with the code
    password_alone = _post_login(client, staff.email, PASSWORD)
    signed_out = not _signed_in(client)
    with_code = _post_login(client, staff.email, PASSWORD, otp=pyotp.TOTP(SECRET).now())

    # Then the password alone is refused like a wrong one: the admin is no way around the account's second factor
    assert (_errors(password_alone), signed_out) == ([GENERIC_ERROR], True)
    assert with_code.status_code == 302
    assert _signed_in(client)


def test_staff_whose_only_factor_is_a_passkey_sign_in_with_a_recovery_code(staff, settings, smtp):
    settings.MFA_REQUIRED_FOR_STAFF = False
    Passkey.objects.create(user=staff, name="Work laptop", credential_id=f"cred-{staff.pk}", public_key="pk")
    [code, *_] = recovery_codes_issue_if_first(user=staff)

    assert _errors(_post_login(Client(), staff.email, PASSWORD)) == [GENERIC_ERROR]
    assert _post_login(Client(), staff.email, PASSWORD, otp=code).status_code == 302


def test_staff_whose_only_factor_is_a_passkey_and_no_recovery_code_left_are_told_to_enable_the_app(staff, settings):
    settings.MFA_REQUIRED_FOR_STAFF = False
    Passkey.objects.create(user=staff, name="Work laptop", credential_id=f"cred-{staff.pk}", public_key="pk")

    response = _post_login(Client(), staff.email, PASSWORD)

    assert _errors(response) == [
        "This account's second factor is a passkey, which this form cannot check. Enable the authenticator app on "
        "the Security page of the dashboard (http://testserver/security), then sign in here."
    ]


def test_wrong_codes_at_the_admin_count_on_the_accounts_code_limit(staff, staff_mfa, rates):
    # Given one wrong authenticator code allowed a day for the account
    rates(authenticator_code_account="1/1d")
    _with_app(staff)
    now = pyotp.TOTP(SECRET).now()
    wrong = next(code for code in ("000000", "111111", "222222") if code != now)

    # When a wrong code comes with the right password, then the right one
    first = _post_login(Client(), staff.email, PASSWORD, otp=wrong)
    refused = _post_login(Client(), staff.email, PASSWORD, otp=now)

    # Then the right one is refused unchecked, saying why
    assert _errors(first) == [GENERIC_ERROR]
    [error] = _errors(refused)
    assert error.startswith("Too many wrong authenticator codes for this account.")


def test_an_app_no_key_decrypts_sends_staff_to_a_recovery_code_and_counts_nothing(staff, staff_mfa, settings, rates):
    # Given staff whose app secret is under a key MFA_ENCRYPTION_KEYS no longer lists (a rotation that skipped it,
    # or the old key dropped too soon: docs/operations.md), and one failed sign-in and one wrong code allowed
    rates(login_email_ip="1/15m", login_email="1/15m", authenticator_code_account="1/1d")
    settings.MFA_ENCRYPTION_KEYS = ["old-key: a long random string an operator generated last year"]
    _with_app(staff)
    settings.MFA_ENCRYPTION_KEYS = ["new-key: another long random string, generated today"]
    client = Client()

    # When they sign in with the right password and the app's right code
    response = _post_login(client, staff.email, PASSWORD, otp=pyotp.TOTP(SECRET).now())

    # Then it is no 500: the form says to use a recovery code (it cannot check a passkey), and nobody is signed in
    assert response.status_code == 200
    assert _errors(response) == [
        "Your authenticator app cannot be checked right now. Sign in with one of your recovery codes instead, or "
        "ask another operator to reset your second factors."
    ]
    assert not _signed_in(client)
    # And the code was never checked, so neither the sign-in nor the code counts: once the key is back, the right
    # code signs in (not locked out by the account's one failed sign-in, nor by its one wrong code)
    settings.MFA_ENCRYPTION_KEYS = [
        "new-key: another long random string, generated today",
        "old-key: a long random string an operator generated last year",
    ]
    assert _post_login(client, staff.email, PASSWORD, otp=pyotp.TOTP(SECRET).now()).status_code == 302
    assert _signed_in(client)
