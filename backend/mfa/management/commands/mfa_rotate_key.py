"""Re-encrypt every TOTP secret with the newest MFA_ENCRYPTION_KEYS key: the middle step of a key rotation (put the
new key first, deploy, run this, then drop the old key; docs/mfa.md). Safe to run again, and while serving."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backend.mfa.crypto import SecretUndecryptable
from backend.mfa.services.totp import totp_secrets_reencrypt


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored authenticator-app secret with the first (newest) MFA_ENCRYPTION_KEYS key, in "
        "batches. Run after prepending a new key and before dropping the old one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500, help="Rows per transaction (default 500).")

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")

        def progress(done: int, total: int) -> None:
            self.stdout.write(f"Re-encrypted {done} of {total} secret(s)...")

        try:
            done = totp_secrets_reencrypt(batch_size=batch_size, on_batch=progress)
        except SecretUndecryptable as exc:
            # Rows before the failing batch are already under the newest key; running again after restoring the
            # missing key finishes the job.
            raise CommandError(
                "A secret could not be decrypted with any MFA_ENCRYPTION_KEYS key: restore the key it was "
                "encrypted with (keep the old keys listed after the new one until this command succeeds)."
            ) from exc
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {done} secret(s) with the newest key."))
