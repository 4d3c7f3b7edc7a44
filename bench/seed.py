"""Bench data, run inside Django (config.settings.bench): users, their tasks and signed-in sessions.

Idempotent: users are found by email and only topped up, so a second run against the same
database (DATABASE_URL set) skips the bulk insert.
"""

import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection, transaction
from django.utils import timezone

from backend.accounts.models import User
from backend.accounts.services import session_start
from backend.tasks.models import Task

DOMAIN = "bench.invalid"
BATCH = 5_000
LOGIN_EMAIL = f"bench-login@{DOMAIN}"
STATUSES = Task.Status.values
PRIORITIES = Task.Priority.values


@dataclass(frozen=True)
class SeededUser:
    email: str
    token: str
    task_ids: list[str]
    refresh: str = ""  # the session's refresh token: the runner refreshes ``token`` with it (bench/tokens.py)


def progress(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def _user(email: str, password: str | None = None) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=password)
    elif password is not None and not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    return user


def _task(owner: User, n: int, today: date) -> Task:
    status = STATUSES[n % len(STATUSES)]
    return Task(
        owner=owner,
        title=f"Bench task {n}",
        description="Seeded by make bench." if n % 3 else "",
        status=status,
        priority=PRIORITIES[n % len(PRIORITIES)],
        due_date=today + timedelta(days=(n % 60) - 20) if n % 4 else None,
        completed_at=timezone.now() - timedelta(days=n % 14) if status == Task.Status.DONE else None,
    )


def tasks_top_up(owner: User, count: int, *, label: str) -> None:
    """Insert tasks until ``owner`` has at least ``count`` (bulk, in batches, with progress)."""
    have = Task.objects.filter(owner=owner).count()
    if have >= count:
        return
    today = timezone.localdate()
    started = time.monotonic()
    for first in range(have, count, BATCH):
        last = min(first + BATCH, count)
        with transaction.atomic():
            Task.objects.bulk_create([_task(owner, n, today) for n in range(first, last)], batch_size=BATCH)
        if count - have > BATCH:
            rate = (last - have) / max(time.monotonic() - started, 1e-6)
            progress(f"  {label}: {last:,}/{count:,} tasks ({rate:,.0f}/s)")


def _signed_in(user: User, *, ids: int) -> SeededUser:
    issued = session_start(user=user, user_agent="make bench")
    task_ids = [
        str(pk) for pk in Task.objects.filter(owner=user).order_by("-created_at").values_list("pk", flat=True)[:ids]
    ]
    return SeededUser(email=user.email, token=issued.tokens.access, task_ids=task_ids, refresh=issued.tokens.refresh)


def seed(*, small_users: int, small_tasks: int, big_tasks: int, login_password: str) -> dict[str, list[SeededUser]]:
    """The bench's users: ``small`` (``small_tasks`` each), ``big`` (``big_tasks``), ``writer`` and ``login``."""
    progress(f"seeding {small_users} users x {small_tasks} tasks, one user with {big_tasks:,} tasks ...")
    small = []
    for i in range(small_users):
        user = _user(f"bench-small-{i}@{DOMAIN}")
        tasks_top_up(user, small_tasks, label=user.email)
        small.append(_signed_in(user, ids=small_tasks))
    big_user = _user(f"bench-big-{big_tasks}@{DOMAIN}")
    tasks_top_up(big_user, big_tasks, label=big_user.email)
    writer = _user(f"bench-writer@{DOMAIN}")
    tasks_top_up(writer, small_tasks, label=writer.email)
    login = _user(LOGIN_EMAIL, password=login_password)
    if connection.vendor == "postgresql":
        # What autovacuum does soon after a bulk insert in production: statistics, and the visibility map
        # that lets index-only scans skip the table.
        progress("VACUUM ANALYZE of the tasks table ...")
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {Task._meta.db_table}")
    return {
        "small": small,
        "big": [_signed_in(big_user, ids=1)],
        "writer": [_signed_in(writer, ids=small_tasks)],
        "login": [SeededUser(email=login.email, token="", task_ids=[])],
    }
