"""Stored addresses with their domain spelled as normalize_email() now spells it: as the mail is delivered.

Before, ``user@xn--bcher-kva.de`` and ``user@bücher.de`` (or ``a@straße.de`` and ``a@strasse.de``) were stored as
typed, so each could be an account of its own although SMTP delivers both to one mailbox; and an account stored in
one spelling could not sign in with the other. Each address is rewritten to its normal form, unless another account
already has that form: two accounts then claim one mailbox, and an operator must decide which keeps it (the
migration prints them, and leaves both), as accounts.0005 did for lookalikes.
"""

from django.db import migrations
from django.db.models.functions import Lower

from backend.accounts.models import normalize_email


def domains_as_delivered(apps, schema_editor) -> list[str]:
    """Rewrite every stored address that is not in its normal form; return the ids of the accounts left as they
    were because another account has the normal form."""
    User = apps.get_model("accounts", "User")
    left: list[str] = []
    for user in User.objects.only("pk", "email").iterator(chunk_size=2000):
        normal = normalize_email(user.email)
        if normal == user.email:
            continue
        # lower(email), as the unique constraint's index holds it (accounts.0005 says why not iexact).
        if User.objects.alias(email_lower=Lower("email")).filter(email_lower=normal).exclude(pk=user.pk).exists():
            left.append(str(user.pk))
            continue
        User.objects.filter(pk=user.pk).update(email=normal)
    for user_id in left:
        print(f"\n  accounts.0008: user {user_id}'s address reaches the mailbox of another account's; left as it is")
    return left


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_email_change_key_and_unique_email_message"),
    ]

    operations = [
        migrations.RunPython(domains_as_delivered, migrations.RunPython.noop, elidable=True),
    ]
