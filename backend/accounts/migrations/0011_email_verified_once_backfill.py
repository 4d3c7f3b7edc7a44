"""User.email_verified_once for the accounts that had a confirmed address before the field existed: those whose
address is confirmed now, and those whose audit trail shows a confirmation (a verification link followed, or a reset
that confirmed the address: ``email_verified``; an email change confirmed at the new address by its link:
``email_changed`` with the session that asked for it, which the admin's change never has). A password reset removes
the second factors and providers only of an account that never had one (services/password_reset.py): without this,
an account whose address an operator changed before the upgrade would still lose them to whoever reads the new
mailbox. Events older than AUDIT_RETENTION_DAYS are purged already and tell nothing.

Not atomic, and in batches of BATCH accounts, each its own short UPDATE: one statement (or one transaction) over a
large users table would hold the rows' locks, which every sign-in takes, until it ended. Run again after a try that
gave up, it carries on: every step only sets the flag where it is still false. Plain ORM filters and updates, so
SQLite, PostgreSQL and MongoDB run the same code."""

from django.db import migrations
from django.db.models import Q

# Accounts per UPDATE; the ids go in an IN list, within SQLite's oldest limit on parameters (999).
BATCH = 500


def _flag(User, ids) -> None:
    User.objects.filter(pk__in=ids, email_verified_once=False).update(email_verified_once=True)


def email_verified_once_backfill(apps, schema_editor) -> None:
    User = apps.get_model("accounts", "User")
    AuditEvent = apps.get_model("audit", "AuditEvent")

    # Confirmed now: walked in primary-key order from where the last batch ended, never from the start again.
    confirmed = User.objects.filter(email_verified=True, email_verified_once=False).order_by("pk")
    last = None
    while True:
        page = confirmed if last is None else confirmed.filter(pk__gt=last)
        ids = list(page.values_list("pk", flat=True)[:BATCH])
        if not ids:
            break
        _flag(User, ids)
        last = ids[-1]

    # Confirmed once, by the audit trail: read through the index on the event, streamed.
    proofs = AuditEvent.objects.filter(
        Q(event="email_verified") | Q(event="email_changed", session_id__isnull=False), user__isnull=False
    )
    ids = set()
    for user_id in proofs.order_by().values_list("user_id", flat=True).iterator(chunk_size=2000):
        ids.add(user_id)
        if len(ids) >= BATCH:
            _flag(User, ids)
            ids = set()
    if ids:
        _flag(User, ids)


class Migration(migrations.Migration):
    atomic = False  # each batch commits on its own (see above)

    dependencies = [
        ("accounts", "0010_user_email_verified_once"),
        # The audit trail read above: its first migration has every column read (event, user, session_id). audit's
        # migrations depend on accounts' first one only: no cycle. Not a later one: taking a later audit migration
        # back (its tests do) would take this one back too, leaving it to run again for nothing.
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(email_verified_once_backfill, migrations.RunPython.noop, elidable=True),
    ]
