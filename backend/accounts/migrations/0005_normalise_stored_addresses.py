"""Stored addresses in the one form normalize_email() gives (NFKC, trimmed, lowercased).

Before it applied NFKC, an email change could store a lookalike of an address (a fullwidth letter), which sign-in,
the login limits and SMTP all read as that address; such an account could then not sign in with the address as it
is stored. Each one is rewritten to its normal form, unless another account already has that form: two accounts
then claim one mailbox, and an operator must decide which keeps it (the migration prints them, and leaves both).
"""

from django.db import migrations
from django.db.models.functions import Lower

from backend.accounts.models import normalize_email


def normalise_stored_addresses(apps, schema_editor) -> list[str]:
    """Rewrite every stored address that is not in its normal form; return the ids of the accounts left as they
    were because another account has the normal form."""
    User = apps.get_model("accounts", "User")
    left: list[str] = []
    for user in User.objects.only("pk", "email").iterator(chunk_size=2000):
        normal = normalize_email(user.email)
        if normal == user.email:
            continue
        # lower(email), as the unique constraint: its index answers at once, where iexact's upper() scanned every
        # account for each rewritten one (minutes on a large table, past the migrate Job's deadline).
        if User.objects.alias(email_lower=Lower("email")).filter(email_lower=normal).exclude(pk=user.pk).exists():
            left.append(str(user.pk))
            continue
        User.objects.filter(pk=user.pk).update(email=normal)
    for user_id in left:
        print(f"\n  accounts.0005: user {user_id}'s address is a lookalike of another account's; left as it is")
    return left


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_session_authentication_level"),
    ]

    operations = [
        migrations.RunPython(normalise_stored_addresses, migrations.RunPython.noop, elidable=True),
    ]
