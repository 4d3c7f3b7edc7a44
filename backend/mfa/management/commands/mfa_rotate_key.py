"""Re-encrypt every TOTP secret with the newest MFA_ENCRYPTION_KEYS key: the middle step of a key rotation (put the
new key first, deploy, run this, then drop the old key; docs/operations.md). Safe to run again, and while serving.

Refused with a single key: it would re-encrypt with the key the secrets are already under, succeed, and the next
step (dropping the old key) would leave every secret unreadable. That happens when the Secret had not changed yet
when the pods were rolled (External Secrets syncs on its own schedule). For the same reason it needs the new key's
fingerprint (``--expect-fingerprint``) and refuses when the newest loaded key is another: a pod still holding
``OLD,NEW`` (the first step's list) would otherwise re-encrypt with OLD and succeed."""

import hashlib
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from backend.accounts.models import User
from backend.common.commands import OperatorCommandMixin
from backend.mfa.services.totp import totp_secrets_reencrypt

FINGERPRINT_IS = "the first 8 hex digits of the SHA-256 of each key"


def key_fingerprint(key: str) -> str:
    """A key's fingerprint, as `printf %s "$KEY" | sha256sum | cut -c1-8` computes it: enough to tell keys apart,
    nothing to recover a high-entropy key from."""
    return hashlib.sha256(key.encode()).hexdigest()[:8]


class Command(OperatorCommandMixin, BaseCommand):
    help = (
        "Re-encrypt every stored authenticator-app secret with the first (newest) MFA_ENCRYPTION_KEYS key, in "
        "batches. Run after prepending a new key and before dropping the old one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500, help="Rows per transaction (default 500).")
        parser.add_argument(
            "--expect-fingerprint",
            required=True,
            metavar="HEX8",
            help='The new key\'s fingerprint: printf %%s "$NEW_KEY" | sha256sum | cut -c1-8. The command refuses '
            "to run unless the newest loaded key has it.",
        )

    def work_kept(self) -> str:
        return (
            "The secrets re-encrypted so far stay under the newest key (each batch commits on its own), which the "
            "listed keys still decrypt: run it again to finish, and do not drop the old key before it succeeds."
        )

    def handle(self, *args: Any, batch_size: int, expect_fingerprint: str, **options: Any) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        keys = [key_fingerprint(key) for key in settings.MFA_ENCRYPTION_KEYS]
        if len(keys) < 2:
            found = keys[0] if keys else "derived from SECRET_KEY: MFA_ENCRYPTION_KEYS is unset"
            raise CommandError(
                f"Only one MFA encryption key is loaded ({found}): this would re-encrypt with the key the secrets "
                "are already under, and dropping the old key next would leave every authenticator-app secret "
                "unreadable. Put the new key first in MFA_ENCRYPTION_KEYS and the old one second "
                "(MFA_ENCRYPTION_KEYS=NEW,OLD), roll the pods once the Secret shows it (with External Secrets, force "
                'a sync first), and run this again (docs/operations.md, "Rotating the MFA encryption key").'
            )
        self.stdout.write(f"MFA_ENCRYPTION_KEYS loaded, newest first: {', '.join(keys)} ({FINGERPRINT_IS}).")
        if keys[0] != expect_fingerprint.strip().lower():
            raise CommandError(
                f"The newest loaded key is {keys[0]}, not {expect_fingerprint}: the settings this command loaded "
                "(the Secret as mounted now, not what the serving pods loaded when they started) do not hold the new "
                "key first yet (the Secret not synced or not changed), so nothing was re-encrypted. Make the Secret "
                "show MFA_ENCRYPTION_KEYS=NEW,OLD, roll the pods, wait for the rollout to finish, and run this again."
            )
        self.stdout.write(f"Re-encrypting with {keys[0]}, the key you just added.")

        def progress(done: int, total: int) -> None:
            self.stdout.write(f"Re-encrypted {done} of {total} secret(s)...")

        undecryptable: list[Any] = []

        def skipped(user_id: Any) -> None:
            undecryptable.append(user_id)
            email = User.objects.filter(pk=user_id).values_list("email", flat=True).first()
            self.stderr.write(f"Skipped the secret of user {user_id} ({email}): no listed key decrypts it.")

        done = totp_secrets_reencrypt(batch_size=batch_size, on_batch=progress, on_undecryptable=skipped)
        if undecryptable:
            # Every other secret is under the newest key now; running again after restoring the key finishes it.
            raise CommandError(
                f"Re-encrypted {done} secret(s); {len(undecryptable)} could not be decrypted with any "
                "MFA_ENCRYPTION_KEYS key (listed above). Restore the key they were encrypted with (keep the old keys "
                "listed after the new one) and run this again; if that key is lost, use the admin's \"Reset second "
                'factors" for those users, who then sign in with their password and enrol again. Do not drop the '
                "old key before this command succeeds."
            )
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {done} secret(s) with the newest key."))
