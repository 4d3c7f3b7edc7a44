"""Re-encrypt every TOTP secret with the newest MFA_ENCRYPTION_KEYS key: the middle step of a key rotation (put the
new key first, deploy, run this, then drop the old key; docs/mfa.md). Safe to run again, and while serving."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backend.accounts.models import User
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
