"""The second factors at once, in two transactions: the factor writers take the user's row lock (mfa_writes_lock),
so one that removes a factor sees what the other left, and new recovery codes asked for meanwhile see no factor;
two answers to one sign-in step spend it once. MongoDB takes no row lock and is not run here (mfa_writes_lock says
so; a challenge's spending is a compare-and-set there too)."""

import pytest

from backend.audit.models import AuditEvent
from backend.common.db import atomic
from backend.mfa.models import Passkey, RecoveryCode, TotpAuthenticator
from backend.mfa.services.passkeys import passkey_delete
from backend.mfa.services.recovery_codes import CODES_NEED_A_FACTOR, recovery_codes_issue_if_first
from backend.mfa.services.totp import totp_disable
from tests.backend.mfa.helpers import RECOVERY_CODES, authenticator_app_enabled
from tests.conftest import signed_in_client
from tests.dbvendor import skip_on_mongodb
from tests.support.concurrency import OtherConnection
from tests.support.webauthn import passkey_registered

pytestmark = [
    skip_on_mongodb("no row locks there: mfa_writes_lock documents the window"),
    pytest.mark.django_db(transaction=True),
]

APP_DISABLED_SUBJECT = "The authenticator app was disabled on your account"


def _app_passkey_and_codes(user) -> Passkey:
    authenticator_app_enabled(user)
    passkey_registered(user)
    recovery_codes_issue_if_first(user=user)
    assert RecoveryCode.objects.filter(user=user).count() == 10
    return Passkey.objects.get(user=user)


@pytest.mark.parametrize("first", ["app", "passkey"], ids=["app-first", "passkey-first"])
def test_removing_the_app_and_the_last_passkey_at_once_leaves_no_recovery_codes(user, first):
    # Given an account with the app, one passkey and its recovery codes
    passkey = _app_passkey_and_codes(user)
    removals = {"app": lambda: totp_disable(user=user), "passkey": lambda: passkey_delete(passkey=passkey)}
    second = "passkey" if first == "app" else "app"

    # When one factor is removed (seeing the other, it keeps the codes) and, before that commits, the other too
    with atomic():
        removals[first]()
        remover = OtherConnection(removals[second]).start()
        remover.wait_until_finished_or_blocked()
    remover.join()

    # Then the second removal waited, saw no factor left, and took the codes with it
    assert remover.error is None, remover.error
    assert not TotpAuthenticator.objects.filter(user=user).exists()
    assert not Passkey.objects.filter(user=user).exists()
    assert not RecoveryCode.objects.filter(user=user).exists()


def test_recovery_codes_regenerated_while_the_last_factor_is_removed_are_refused_and_none_outlive_it(user, smtp):
    # Given an account whose one factor is the app, with its codes, and a session at two factors
    authenticator_app_enabled(user)
    recovery_codes_issue_if_first(user=user)
    client, _ = signed_in_client(user, amr=("pwd", "otp"))
    smtp.clear()

    # When the app is removed and, before that commits, new codes are asked for (another tab)
    with atomic():
        totp_disable(user=user)
        regenerating = OtherConnection(lambda: client.post(RECOVERY_CODES, {}, format="json")).start()
        regenerating.wait_until_finished_or_blocked()
    regenerating.join()

    # Then the regeneration waited, found no factor left, and made no codes: none outlive the factor
    assert regenerating.error is None, regenerating.error
    assert (regenerating.result.status_code, regenerating.result.json()) == (
        409,
        {"detail": CODES_NEED_A_FACTOR, "code": "mfa_state_conflict"},
    )
    assert not RecoveryCode.objects.filter(user=user).exists()
    assert AuditEvent.objects.filter(user=user, event=AuditEvent.Event.RECOVERY_CODES_GENERATED).count() == 1
    assert [message["Subject"] for message in smtp.messages] == [APP_DISABLED_SUBJECT]

    # And a new first factor issues its ten codes again
    authenticator_app_enabled(user)
    assert len(recovery_codes_issue_if_first(user=user)) == 10


def test_two_answers_to_one_sign_in_step_at_once_spend_it_once(user):
    from backend.accounts.assurance import PASSWORD
    from backend.mfa.models import MfaChallenge
    from backend.mfa.services.challenges import ChallengeInvalid, challenge_open, challenge_use

    # Given one open sign-in step, read by two requests that both found it open (say, a code and a recovery code)
    opened = challenge_open(purpose=MfaChallenge.Purpose.SIGN_IN, user=user, first_factor=PASSWORD)
    first, second = (MfaChallenge.objects.get(pk=opened.challenge.pk) for _ in range(2))

    # When the first spends it and, before that commits, the second does too
    with atomic():
        challenge_use(challenge=first)
        other = OtherConnection(lambda: challenge_use(challenge=second)).start()
        other.wait_until_finished_or_blocked()
    other.join()

    # Then the second waited, found it spent, and is refused: one sign-in, not two
    assert isinstance(other.error, ChallengeInvalid), other.error
