"""The second factors' writers at once: each takes the user's row lock (mfa_writes_lock), so one that removes a
factor sees what the other left. MongoDB ignores the lock and is not run here (mfa_writes_lock says so)."""

import pytest

from backend.common.db import atomic
from backend.mfa.models import Passkey, RecoveryCode, TotpAuthenticator
from backend.mfa.services.passkeys import passkey_delete
from backend.mfa.services.recovery_codes import recovery_codes_issue_if_first
from backend.mfa.services.totp import totp_disable
from tests.backend.mfa.helpers import authenticator_app_enabled
from tests.dbvendor import skip_on_mongodb
from tests.support.concurrency import OtherConnection
from tests.support.webauthn import passkey_registered

pytestmark = [
    skip_on_mongodb("no row locks there: mfa_writes_lock documents the window"),
    pytest.mark.django_db(transaction=True),
]


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
