"""Recovery codes: ten single-use codes issued with the first factor, stored hashed, accepted however they are typed,
replaced all at once by regenerating; each use audited and announced to the owner."""

import hashlib
import threading

import pytest
from django.db import connection

from backend.audit.models import AuditEvent
from backend.mfa.models import RecoveryCode
from backend.mfa.services.recovery_codes import recovery_code_use, recovery_codes_issue_if_first
from tests.backend.mfa.helpers import (
    CODE_INVALID,
    MFA,
    RECOVERY_CODES,
    TOTP,
    authentication_aged,
    enable_totp,
)
from tests.conftest import signed_in_client
from tests.support.smtp import text_body

pytestmark = pytest.mark.django_db(transaction=True)  # emails and audit events are sent when the transaction commits

USED_SUBJECT = "A recovery code of your account was used"
REGENERATED_SUBJECT = "New recovery codes were generated for your account"


# Failure paths -------------------------------------------------------------------------------------------------------


def test_regenerating_without_a_second_factor_is_a_conflict(auth_client):
    response = auth_client.post(RECOVERY_CODES, {}, format="json")

    assert (response.status_code, response.json()) == (
        409,
        {
            "detail": "Recovery codes come with a second factor: enable the authenticator app first.",
            "code": "mfa_state_conflict",
        },
    )
    assert not RecoveryCode.objects.exists()


def test_regenerating_without_a_recent_authentication_is_refused_and_keeps_the_codes(user):
    # Given the app enabled and the session's authentication grown old
    client, issued = signed_in_client(user)
    _, codes = enable_totp(client)
    authentication_aged(issued.session.pk)

    # When new codes are asked for
    response = client.post(RECOVERY_CODES, {}, format="json")

    # Then it must re-authenticate first, and the old codes still work
    assert response.status_code == 403
    assert response.json()["code"] == "reauthentication_required"
    assert recovery_code_use(user=user, code=codes[0]) is True


def test_an_unknown_recovery_code_is_refused_audited_and_not_announced(user, smtp):
    client, _ = signed_in_client(user)
    enable_totp(client)
    smtp.wait_for(to=user.email)  # the app-enabled notice
    smtp.clear()

    response = client.delete(TOTP, {"recovery_code": "aaaa-bbbb-cccc-dddd"}, format="json")

    assert (response.status_code, response.json()) == (400, CODE_INVALID)
    assert AuditEvent.objects.filter(user=user, event=AuditEvent.Event.MFA_FAILED).count() == 1
    assert not AuditEvent.objects.filter(event=AuditEvent.Event.RECOVERY_CODE_USED).exists()
    assert client.get(MFA).json()["recovery_codes"] == {"remaining": 10, "total": 10}
    assert smtp.messages == []


def test_a_recovery_code_is_accepted_once(user):
    client, _ = signed_in_client(user)
    _, codes = enable_totp(client)

    first = recovery_code_use(user=user, code=codes[3])
    second = recovery_code_use(user=user, code=codes[3])

    assert (first, second) == (True, False)
    assert client.get(MFA).json()["recovery_codes"] == {"remaining": 9, "total": 10}


def test_another_users_recovery_code_is_refused(user, other_user):
    client, _ = signed_in_client(user)
    _, codes = enable_totp(client)

    assert recovery_code_use(user=other_user, code=codes[0]) is False
    assert RecoveryCode.objects.filter(user=user, used_at__isnull=True).count() == 10


@pytest.mark.parametrize("typed", ["", "   ", "aaaa", "x" * 64])
def test_malformed_recovery_codes_are_refused(user, typed):
    client, _ = signed_in_client(user)
    enable_totp(client)

    assert recovery_code_use(user=user, code=typed) is False


def test_regenerating_refuses_every_earlier_code(user, smtp):
    # Given the app enabled with its ten codes
    client, _ = signed_in_client(user)
    _, old = enable_totp(client)

    # When new codes are generated
    response = client.post(RECOVERY_CODES, {}, format="json")

    # Then ten new ones are shown once, the old ones are refused and the new ones work
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    new = response.json()["recovery_codes"]
    assert len(set(new)) == 10
    assert not set(new) & set(old)
    assert [recovery_code_use(user=user, code=code) for code in old] == [False] * 10
    assert recovery_code_use(user=user, code=new[0]) is True

    # And it is audited and the owner told, without the codes
    assert AuditEvent.objects.filter(user=user, event=AuditEvent.Event.RECOVERY_CODES_GENERATED).count() == 2
    [notice] = smtp.wait_for(to=user.email, subject=REGENERATED_SUBJECT)
    assert not any(code in text_body(notice) for code in new)


def test_parallel_uses_of_the_same_recovery_code_succeed_once(user):
    client, _ = signed_in_client(user)
    _, codes = enable_totp(client)
    barrier = threading.Barrier(6)
    results: list[bool] = []

    def use() -> None:
        try:
            barrier.wait()
            results.append(recovery_code_use(user=user, code=codes[0]))
        finally:
            connection.close()

    threads = [threading.Thread(target=use) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [False] * 5 + [True]
    assert AuditEvent.objects.filter(user=user, event=AuditEvent.Event.RECOVERY_CODE_USED).count() == 1


# Issuing and using ---------------------------------------------------------------------------------------------------


def test_codes_are_stored_as_sha256_hashes_only(user):
    client, _ = signed_in_client(user)
    _, codes = enable_totp(client)

    stored = set(RecoveryCode.objects.filter(user=user).values_list("code_hash", flat=True))

    assert stored == {hashlib.sha256(code.replace("-", "").encode()).hexdigest() for code in codes}


def test_a_second_factor_keeps_the_codes_already_issued(user):
    client, _ = signed_in_client(user)
    enable_totp(client)

    assert recovery_codes_issue_if_first(user=user) == []
    assert RecoveryCode.objects.filter(user=user).count() == 10


@pytest.mark.parametrize(
    "typing", [str.upper, lambda code: code.replace("-", ""), lambda code: f"  {code.replace('-', ' ')} "]
)
def test_a_recovery_code_is_accepted_in_capitals_without_hyphens_or_with_spaces(user, typing):
    client, _ = signed_in_client(user)
    _, codes = enable_totp(client)

    assert recovery_code_use(user=user, code=typing(codes[0])) is True


def test_disabling_the_app_with_a_recovery_code_is_audited_and_announced(user, smtp):
    # Given the app enabled
    client, _ = signed_in_client(user)
    _, codes = enable_totp(client)

    # When it is disabled with a recovery code typed in capitals
    response = client.delete(TOTP, {"recovery_code": codes[0].upper()}, format="json")

    # Then the code is spent, audited, and the owner told how many remained
    assert response.status_code == 204
    assert AuditEvent.objects.filter(user=user, event=AuditEvent.Event.RECOVERY_CODE_USED).count() == 1
    [notice] = smtp.wait_for(to=user.email, subject=USED_SUBJECT)
    body = text_body(notice)
    assert "9 recovery codes remain." in body
    assert codes[0] not in body
    assert "http://testserver/security" in body
