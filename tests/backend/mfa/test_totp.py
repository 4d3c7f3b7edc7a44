"""The authenticator app (TOTP): setting it up with a real code, the codes it accepts (once, ±1 step), disabling it,
and the limits and re-authentication that guard those endpoints. Codes are computed with pyotp, as the app would."""

import re
import threading
from datetime import UTC, datetime

import pyotp
import pytest
from django.db import connection
from django.utils import timezone

from backend.audit.models import AuditEvent
from backend.mfa.crypto import secret_decrypt, secret_encrypt
from backend.mfa.models import RecoveryCode, TotpAuthenticator
from backend.mfa.services.totp import NOT_ENABLED, NOTHING_PENDING, totp_code_verify, totp_enrol_confirm
from tests.backend.mfa.helpers import (
    CODE_INVALID,
    MFA,
    REAUTH_REQUIRED,
    TOTP,
    TOTP_CONFIRM,
    authentication_aged,
    code_now,
    enable_totp,
)
from tests.conftest import signed_in_client
from tests.support.smtp import text_body

pytestmark = pytest.mark.django_db(transaction=True)  # emails and audit events are sent when the transaction commits

ENABLED_SUBJECT = "An authenticator app was enabled on your account"
DISABLED_SUBJECT = "The authenticator app was disabled on your account"
FIXED_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
FIXED_TIME = datetime(2026, 1, 15, 12, 0, 10, tzinfo=UTC)  # 10 s into a 30 s step


def _conflict(detail: str) -> dict:
    return {"detail": detail, "code": "mfa_state_conflict"}


def _app_with_fixed_secret(user) -> TotpAuthenticator:
    """An enabled authenticator whose secret the test knows, so codes for any moment can be computed."""
    return TotpAuthenticator.objects.create(
        user=user, secret_encrypted=secret_encrypt(FIXED_SECRET), confirmed_at=timezone.now()
    )


def _code_at(*, steps: int) -> str:
    return pyotp.TOTP(FIXED_SECRET).at(FIXED_TIME, counter_offset=steps)


# Failure paths -------------------------------------------------------------------------------------------------------


def test_the_status_needs_an_access_token(api_client):
    response = api_client.get(MFA)

    assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")


def test_starting_a_setup_without_a_recent_authentication_is_refused(user):
    # Given a session whose sign-in is older than REAUTH_MAX_AGE_SECONDS
    client, issued = signed_in_client(user)
    authentication_aged(issued.session.pk)

    # When it starts setting up the authenticator app
    response = client.post(TOTP, {}, format="json")

    # Then it must re-authenticate first, and nothing is created
    assert (response.status_code, response.json()) == (403, REAUTH_REQUIRED)
    assert not TotpAuthenticator.objects.exists()


def test_a_wrong_first_code_leaves_the_app_pending(user, smtp):
    # Given a setup started
    client, _ = signed_in_client(user)
    secret = client.post(TOTP, {}, format="json").json()["secret"]

    # When it is confirmed with a code that is not the app's
    wrong = "000000" if code_now(secret) != "000000" else "111111"
    response = client.post(TOTP_CONFIRM, {"code": wrong}, format="json")

    # Then it is refused and the app stays pending, unannounced; the failure is in the user's security activity
    assert (response.status_code, response.json()) == (400, CODE_INVALID)
    assert client.get(MFA).json()["totp"] == {"enabled": False, "pending": True, "confirmed_at": None}
    assert smtp.messages == []
    assert AuditEvent.objects.filter(user=user, event=AuditEvent.Event.MFA_FAILED).count() == 1


@pytest.mark.parametrize("code", ["12345", "1234567", "abcdef", "12 34 5"])
def test_a_code_that_is_not_six_digits_is_refused_as_wrong(user, code):
    client, _ = signed_in_client(user)
    client.post(TOTP, {}, format="json")

    response = client.post(TOTP_CONFIRM, {"code": code}, format="json")

    assert (response.status_code, response.json()) == (400, CODE_INVALID)


def test_confirming_with_no_setup_started_is_a_conflict(auth_client):
    response = auth_client.post(TOTP_CONFIRM, {"code": "123456"}, format="json")

    assert (response.status_code, response.json()) == (409, _conflict(NOTHING_PENDING))


def test_starting_a_setup_while_the_app_is_enabled_is_a_conflict(user):
    client, _ = signed_in_client(user)
    enable_totp(client)

    response = client.post(TOTP, {}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "mfa_state_conflict"
    assert TotpAuthenticator.objects.get(user=user).confirmed_at is not None


def test_a_code_already_accepted_is_refused_when_used_again(user):
    # Given the app enabled with the current code
    client, _ = signed_in_client(user)
    secret = client.post(TOTP, {}, format="json").json()["secret"]
    code = code_now(secret)
    assert client.post(TOTP_CONFIRM, {"code": code}, format="json").status_code == 200

    # When the same code is sent again, to disable the app
    response = client.delete(TOTP, {"code": code}, format="json")

    # Then it is a replay: refused, and the app stays enabled
    assert (response.status_code, response.json()) == (400, CODE_INVALID)
    assert client.get(MFA).json()["totp"]["enabled"] is True


def test_the_same_code_verified_twice_in_a_row_is_accepted_once(user):
    _app_with_fixed_secret(user)
    code = _code_at(steps=0)

    first = totp_code_verify(user=user, code=code, for_time=FIXED_TIME)
    second = totp_code_verify(user=user, code=code, for_time=FIXED_TIME)

    assert (first, second) == (True, False)


def test_a_code_older_than_the_last_accepted_one_is_refused(user):
    # Given the code of the next step accepted (a fast clock)
    _app_with_fixed_secret(user)
    assert totp_code_verify(user=user, code=_code_at(steps=1), for_time=FIXED_TIME)

    # Then the current step's code, earlier, is refused
    assert totp_code_verify(user=user, code=_code_at(steps=0), for_time=FIXED_TIME) is False


@pytest.mark.parametrize("steps", [-2, 2])
def test_a_code_two_steps_away_is_refused(user, steps):
    _app_with_fixed_secret(user)

    assert totp_code_verify(user=user, code=_code_at(steps=steps), for_time=FIXED_TIME) is False


def test_a_pending_app_codes_do_not_verify_as_a_second_factor(user):
    # Given an app set up but not confirmed
    client, _ = signed_in_client(user)
    secret = client.post(TOTP, {}, format="json").json()["secret"]

    # Then its codes are no second factor yet
    assert totp_code_verify(user=user, code=code_now(secret)) is False


def test_a_wrong_code_after_the_setup_was_replaced_is_refused(user):
    # Given a setup replaced by a new one
    client, _ = signed_in_client(user)
    first = client.post(TOTP, {}, format="json").json()["secret"]
    second = client.post(TOTP, {}, format="json").json()["secret"]

    # Then the first secret's code does not confirm, the second's does
    refused = client.post(TOTP_CONFIRM, {"code": code_now(first)}, format="json")
    accepted = client.post(TOTP_CONFIRM, {"code": code_now(second)}, format="json")

    assert first != second
    assert (refused.status_code, refused.json()) == (400, CODE_INVALID)
    assert accepted.status_code == 200


def test_disabling_without_a_recent_authentication_is_refused(user):
    # Given the app enabled, and later the session's authentication grown old
    client, issued = signed_in_client(user)
    secret, _ = enable_totp(client)
    authentication_aged(issued.session.pk)

    # When the app is disabled with a right code
    response = client.delete(TOTP, {"code": code_now(secret, steps=1)}, format="json")

    # Then it must re-authenticate with a second factor first (the session has two now)
    assert response.status_code == 403
    assert response.json()["code"] == "reauthentication_required"
    assert "authenticator app or a passkey" in response.json()["detail"]
    assert TotpAuthenticator.objects.filter(user=user, confirmed_at__isnull=False).exists()


@pytest.mark.parametrize("body", ["{}", '{"code": "123456", "recovery_code": "aaaa-bbbb-cccc-dddd"}'])
def test_disabling_needs_exactly_one_answer(user, body):
    client, _ = signed_in_client(user)
    enable_totp(client)

    response = client.generic("DELETE", TOTP, body, content_type="application/json")

    assert (response.status_code, response.json()) == (
        400,
        {"non_field_errors": ["Send exactly one of: code, recovery_code."]},
    )


def test_disabling_when_the_app_is_not_enabled_is_a_conflict(auth_client):
    response = auth_client.generic("DELETE", TOTP, '{"code": "123456"}', content_type="application/json")

    assert (response.status_code, response.json()) == (409, _conflict(NOT_ENABLED))


def test_too_many_wrong_first_codes_lock_the_account_like_wrong_passwords(user, rates):
    # Given the account's sign-in limit from unknown devices at three failures
    rates(login_email_ip="3/5m")
    client, _ = signed_in_client(user)
    secret = client.post(TOTP, {}, format="json").json()["secret"]
    wrong = "000000" if code_now(secret) != "000000" else "111111"

    # When three wrong codes are sent, then the right one
    statuses = [client.post(TOTP_CONFIRM, {"code": wrong}, format="json").status_code for _ in range(3)]
    locked = client.post(TOTP_CONFIRM, {"code": code_now(secret)}, format="json")

    # Then the fourth attempt is refused unchecked, as a locked sign-in
    assert statuses == [400, 400, 400]
    assert locked.status_code == 429
    assert locked.json()["code"] == "login_locked"
    assert locked.json()["detail"].startswith("Too many failed sign-ins to this account")
    assert TotpAuthenticator.objects.get(user=user).confirmed_at is None


def test_a_first_code_counts_on_the_sign_in_limits_only_when_it_is_wrong(user, rates):
    # Given room for one failed sign-in of the account
    rates(login_email_ip="1/5m")
    client, _ = signed_in_client(user)

    # When a confirmation finds nothing to confirm, then a right first code enables the app
    nothing = client.post(TOTP_CONFIRM, {"code": "123456"}, format="json")
    secret = client.post(TOTP, {}, format="json").json()["secret"]
    enabled = client.post(TOTP_CONFIRM, {"code": code_now(secret)}, format="json")

    # Then neither was counted: the one failure allowed is still there (a wrong code to disable it), then no more
    valid = {code_now(secret, steps=steps) for steps in (-1, 0, 1)}
    wrong = next(code for code in ("000000", "111111", "222222") if code not in valid)
    statuses = [client.delete(TOTP, {"code": wrong}, format="json").status_code for _ in range(2)]
    assert (nothing.status_code, enabled.status_code) == (409, 200)
    assert statuses == [400, 429]


def test_wrong_codes_to_disable_count_on_the_sign_in_limits(user, rates):
    rates(login_email_ip="2/5m")
    client, _ = signed_in_client(user)
    secret, _ = enable_totp(client)
    valid = {code_now(secret, steps=steps) for steps in (-1, 0, 1)}
    wrong = next(code for code in ("000000", "111111", "222222") if code not in valid)

    statuses = [client.delete(TOTP, {"code": wrong}, format="json").status_code for _ in range(3)]

    assert statuses == [400, 400, 429]
    assert AuditEvent.objects.filter(user=user, event=AuditEvent.Event.MFA_FAILED).count() == 2
    assert TotpAuthenticator.objects.filter(user=user).exists()


def test_another_users_status_shows_nothing_of_this_users_factors(user, other_client):
    client, _ = signed_in_client(user)
    enable_totp(client)

    status = other_client.get(MFA).json()

    assert status["mfa_enabled"] is False
    assert status["totp"] == {"enabled": False, "pending": False, "confirmed_at": None}
    assert status["recovery_codes"] == {"remaining": 0, "total": 0}
    assert status["session"]["amr"] == ["pwd"]


# Setting up ----------------------------------------------------------------------------------------------------------


def test_setting_up_the_app_with_a_real_code_enables_it_with_ten_recovery_codes(user, smtp):
    # Given a signed-in user with a recent authentication (a one-factor session)
    client, _ = signed_in_client(user)

    # When they start the setup
    started = client.post(TOTP, {}, format="json")

    # Then they get a secret, its otpauth URI and a QR code, not cached
    assert started.status_code == 201
    assert started["Cache-Control"] == "no-store"
    body = started.json()
    assert set(body) == {"secret", "otpauth_uri", "qr_svg"}
    assert re.fullmatch(r"[A-Z2-7]{32}", body["secret"])
    assert body["otpauth_uri"] == pyotp.TOTP(body["secret"]).provisioning_uri(
        name=user.email, issuer_name="Scalable Auth Dashboard"
    )
    assert body["qr_svg"].startswith("<svg")
    assert body["qr_svg"].rstrip().endswith("</svg>")

    # When they confirm with the code the app shows
    confirmed = client.post(TOTP_CONFIRM, {"code": code_now(body["secret"])}, format="json")

    # Then the app is enabled and ten recovery codes are shown, once
    assert confirmed.status_code == 200
    codes = confirmed.json()["recovery_codes"]
    assert len(codes) == len(set(codes)) == 10
    assert all(re.fullmatch(r"[a-z2-7]{4}(-[a-z2-7]{4}){3}", code) for code in codes)

    # And the status shows it, with this session now at two factors
    status = client.get(MFA).json()
    assert status["mfa_enabled"] is True
    assert status["totp"]["enabled"] is True
    assert status["totp"]["pending"] is False
    assert status["totp"]["confirmed_at"] is not None
    assert status["recovery_codes"] == {"remaining": 10, "total": 10}
    assert status["passkeys"] == []
    assert (status["session"]["amr"], status["session"]["aal"]) == (["pwd", "otp"], 2)
    assert status["session"]["reauthenticated_until"] > status["session"]["authenticated_at"]

    # And it is audited and the owner emailed, with no secret in the mail
    events = set(AuditEvent.objects.filter(user=user).values_list("event", flat=True))
    assert {AuditEvent.Event.TOTP_ENABLED, AuditEvent.Event.RECOVERY_CODES_GENERATED} <= events
    [notice] = smtp.wait_for(to=user.email, subject=ENABLED_SUBJECT)
    mail = text_body(notice)
    assert body["secret"] not in mail
    assert "otpauth" not in mail
    assert "http://testserver/security" in mail


def test_the_secret_is_stored_encrypted_not_in_clear(user):
    client, _ = signed_in_client(user)
    secret = client.post(TOTP, {}, format="json").json()["secret"]

    with connection.cursor() as cursor:
        cursor.execute("SELECT secret_encrypted FROM mfa_totpauthenticator")
        [(raw,)] = cursor.fetchall()

    assert secret not in raw
    assert secret.lower() not in raw.lower()
    assert secret_decrypt(raw) == secret


@pytest.mark.parametrize("steps", [-1, 0, 1])
def test_a_code_one_step_either_side_is_accepted(user, steps):
    _app_with_fixed_secret(user)

    assert totp_code_verify(user=user, code=_code_at(steps=steps), for_time=FIXED_TIME) is True
    assert TotpAuthenticator.objects.get(user=user).last_used_step == int(FIXED_TIME.timestamp()) // 30 + steps


def test_a_code_typed_with_spaces_is_accepted(user):
    _app_with_fixed_secret(user)
    code = _code_at(steps=0)

    assert totp_code_verify(user=user, code=f" {code[:3]} {code[3:]} ", for_time=FIXED_TIME) is True


def test_confirming_a_second_time_with_another_code_is_a_conflict(user):
    client, _ = signed_in_client(user)
    secret, _ = enable_totp(client)

    response = client.post(TOTP_CONFIRM, {"code": code_now(secret, steps=1)}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "mfa_state_conflict"


def test_parallel_checks_of_the_same_code_succeed_once(user):
    # Given an enabled app and one code, sent by eight requests at the same moment
    _app_with_fixed_secret(user)
    code = _code_at(steps=0)
    barrier = threading.Barrier(8)
    results: list[bool] = []

    def check() -> None:
        try:
            barrier.wait()
            results.append(totp_code_verify(user=user, code=code, for_time=FIXED_TIME))
        finally:
            connection.close()

    threads = [threading.Thread(target=check) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then exactly one is accepted
    assert sorted(results) == [False] * 7 + [True]


def test_confirming_through_the_service_checks_the_pending_app_at_the_given_time(user):
    # Given a pending app with a known secret
    TotpAuthenticator.objects.create(user=user, secret_encrypted=secret_encrypt(FIXED_SECRET))

    # Then a code of that moment confirms it, and returns the first recovery codes
    codes = totp_enrol_confirm(user=user, code=_code_at(steps=1), for_time=FIXED_TIME)

    assert len(codes) == 10
    assert TotpAuthenticator.objects.get(user=user).confirmed_at is not None


# Disabling -----------------------------------------------------------------------------------------------------------


def test_disabling_with_the_next_code_removes_the_app_and_the_recovery_codes(user, smtp):
    # Given the app enabled (its current step's code spent by the confirmation)
    client, _ = signed_in_client(user)
    secret, _ = enable_totp(client)

    # When it is disabled with the next step's code, within the session's recent authentication
    response = client.delete(TOTP, {"code": code_now(secret, steps=1)}, format="json")

    # Then it is gone, with the recovery codes (no passkey left), audited and announced
    assert response.status_code == 204
    status = client.get(MFA).json()
    assert status["mfa_enabled"] is False
    assert status["totp"] == {"enabled": False, "pending": False, "confirmed_at": None}
    assert status["recovery_codes"] == {"remaining": 0, "total": 0}
    assert not RecoveryCode.objects.filter(user=user).exists()
    assert AuditEvent.objects.filter(user=user, event=AuditEvent.Event.TOTP_DISABLED).count() == 1
    smtp.wait_for(to=user.email, subject=DISABLED_SUBJECT)
