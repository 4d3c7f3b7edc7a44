"""The email outbox (backend/common/mail.py, outbox.py, mail_sweep.py) over real SMTP and a real database: an email is
a row written with its cause, sent and deleted, or kept for its retry; a process killed while the email waits loses
nothing, because the sweep sends what it left; one row is sent by one sender at a time; the row's content is
encrypted at rest."""

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

from backend.common import mail
from backend.common.mail_sweep import email_outbox_sweep_start
from backend.common.models import OutgoingEmail
from backend.common.outbox import outbox_add, outbox_claim
from tests.backend.common.helpers import ROOT
from tests.e2e.servers import gunicorn_running
from tests.support.net import free_port
from tests.support.smtp import SmtpServer, link_in, text_body

# Email is sent when the transaction commits; other connections (threads, processes) see the rows.
WITH_DB = pytest.mark.django_db(transaction=True)

TOKEN = "tok3n-0ne-use-" + "x" * 20
BODY = f"Reset your password: http://testserver/reset-password#uid=abc&token={TOKEN}\n"


@pytest.fixture
def relay(settings) -> Iterator[SmtpServer]:
    """An SMTP server of this test's own (its refusal and gate are the test's to set), where Django sends."""
    with SmtpServer() as server:
        settings.EMAIL_HOST, settings.EMAIL_PORT = server.host, server.port
        yield server
        server.gate.set()  # nothing left waiting at DATA when it stops


def _queue(to: str = "outbox@example.com", subject: str = "Reset your password", kind: str = "password_reset"):
    """A row as email_queue writes it, committed (these tests run outside a transaction), and not handed to the pool."""
    return outbox_add(kind=kind, to=to, subject=subject, body=BODY, user_id=None, request_id="r-1")


def _failures(json_logs) -> list[dict]:
    return [line for line in json_logs() if line["event"] == "email_failed"]


@WITH_DB
def test_the_email_is_written_with_its_cause_and_a_rollback_takes_it_back_unsent(smtp):
    queued_in_the_transaction = []

    def cause_then_fail() -> None:
        with transaction.atomic():
            mail.email_queue(kind="password_reset", to="rolled-back@example.com", subject="s", body=BODY)
            queued_in_the_transaction.append(OutgoingEmail.objects.count())
            raise RuntimeError("the write that caused the email fails")

    with pytest.raises(RuntimeError):
        cause_then_fail()

    assert queued_in_the_transaction == [1]
    assert OutgoingEmail.objects.count() == 0
    assert smtp.messages == []


@WITH_DB
def test_an_email_is_sent_after_its_commit_and_its_row_deleted(smtp):
    with transaction.atomic():
        mail.email_queue(kind="password_reset", to="sent@example.com", subject="Reset your password", body=BODY)
        [row] = OutgoingEmail.objects.all()
        assert (row.kind, row.attempt, row.claimed_until) == ("password_reset", 0, None)

    [message] = smtp.wait_for(to="sent@example.com")
    assert link_in(message, "/reset-password").endswith(TOKEN)
    assert smtp.messages == [message]  # (after every background job ended)
    assert OutgoingEmail.objects.count() == 0


@WITH_DB
def test_a_permanent_refusal_deletes_the_row_and_is_logged_as_today(relay, json_logs):
    relay.refusal = "554 5.7.1 Rejected"

    mail.email_queue(kind="password_reset", to="refused@example.com", subject="s", body=BODY, user_id=None)

    assert relay.messages == []
    assert relay.offered == 1
    assert OutgoingEmail.objects.count() == 0
    [failure] = _failures(json_logs)
    expected = {"kind": "password_reset", "attempt": 1, "will_retry": False, "reason": "permanent", "level": "error"}
    assert failure | expected | {"smtp_code": 554} == failure
    assert "refused@example.com" not in json_logs.raw()
    assert TOKEN not in json_logs.raw()


@WITH_DB
def test_a_temporary_failure_keeps_the_row_with_its_attempt_and_when_it_is_due_again(relay, settings, json_logs):
    settings.EMAIL_RETRY_DELAYS = (600.0,)
    relay.refusal = "451 4.3.0 Try again later"
    queued = _queue()
    before = timezone.now()

    # (retry_in_memory=False: a retry waiting ten minutes on this process's timer would outlive the test)
    outcome = mail.EmailAttempt(queued, retry_in_memory=False).send()

    assert outcome == mail.RETRYING
    row = OutgoingEmail.objects.get(pk=queued.pk)
    assert (row.attempt, row.claimed_until) == (1, None)
    assert before + timedelta(seconds=600) <= row.next_attempt_at <= timezone.now() + timedelta(seconds=600)
    [failure] = _failures(json_logs)
    assert failure | {"attempt": 1, "will_retry": True, "retry_in_seconds": 600.0, "level": "warning"} == failure


@WITH_DB
def test_an_attempt_the_exiting_process_drops_leaves_the_row_for_the_sweep(json_logs):
    # (background.py calls on_dropped for a job it cancels at exit)
    from tests.backend.observability.helpers import sample

    queued = _queue(kind="mfa_reset_notice")
    failed = sample("emails_total", kind="mfa_reset_notice", outcome="failed")

    mail.EmailAttempt(queued).on_dropped()

    [line] = _failures(json_logs)
    assert line | {"kind": "mfa_reset_notice", "reason": "process_exiting", "will_retry": True} == line
    assert line["level"] == "warning"
    assert OutgoingEmail.objects.filter(pk=queued.pk, attempt=0, claimed_until=None).exists()
    assert sample("emails_total", kind="mfa_reset_notice", outcome="failed") == failed


def _database_url() -> str:
    """This test database, for another process."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    pytest.skip(f"another process cannot reach this test's {connection.vendor} database here")


def _process_env(server: SmtpServer, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "PYTEST_XDIST_WORKER"}
    env.update(server.environment(), DJANGO_SETTINGS_MODULE="config.settings.test", DATABASE_URL=_database_url())
    env.update(extra)
    return env


# Queues an email while the relay answers 4xx; once its first attempt failed and its retry waits (ten minutes, on
# this process's timer), says so, then sleeps until it is killed ("wait") or exits at once ("exit").
QUEUE_AND_WAIT = """
import os, sys, time
import django
django.setup()
from django.conf import settings
settings.EMAIL_RETRY_DELAYS = (600.0, 600.0)  # three attempts in all
from backend.common.mail import email_queue
from backend.common.models import OutgoingEmail

email_queue(
    kind="password_changed_notice", to="killed@example.com", subject="Your password was changed", body=sys.argv[1]
)
while not OutgoingEmail.objects.filter(attempt=1, claimed_until=None).exists():
    time.sleep(0.05)
os.write(1, b"retry waiting\\n")
if sys.argv[2] == "wait":
    time.sleep(3600)
"""


def _wait_for_line(process: subprocess.Popen, wanted: str, timeout: float = 60) -> None:
    """Until the process writes the line ``wanted`` (its log lines come before); one that does not within
    ``timeout`` fails the test (a safety net against a hung test, not a measurement)."""
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
    deadline = time.monotonic() + timeout
    seen = []
    while not seen or seen[-1] != wanted + "\n":
        try:
            seen.append(lines.get(timeout=max(0.0, deadline - time.monotonic())))
        except queue.Empty:
            process.kill()
            raise AssertionError(f"no {wanted!r} within {timeout}s: {''.join(seen)}{process.stderr.read()}") from None


@WITH_DB
def test_an_email_waiting_for_its_retry_in_a_killed_process_is_sent_once_by_the_sweep(relay):
    # Given a process that queued an email the relay asked to retry later, and was killed while the retry waited
    relay.refusal = "451 4.3.0 Try again later"
    process = subprocess.Popen(
        [sys.executable, "-c", QUEUE_AND_WAIT, BODY, "wait"],
        cwd=ROOT,
        env=_process_env(relay),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for_line(process, "retry waiting")
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    [row] = OutgoingEmail.objects.all()
    assert (row.attempt, row.claimed_until) == (1, None)
    assert relay.offered == 1
    assert relay.messages == []

    # When the relay accepts again, the retry's ten minutes have passed, and the operator's sweep runs
    relay.refusal = None
    OutgoingEmail.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    out = StringIO()
    call_command("send_queued_emails", stdout=out)

    # Then the email arrives, once, and the outbox is empty
    [message] = relay.wait_for(to="killed@example.com")
    assert (message["Subject"], text_body(message)) == ("Your password was changed", BODY)
    assert relay.messages == [message]
    assert relay.offered == 2
    assert OutgoingEmail.objects.count() == 0
    assert "sent 1, to be retried 0, given up 0" in out.getvalue()


@WITH_DB
def test_of_two_concurrent_senders_of_one_row_exactly_one_sends(relay):
    queued = _queue(to="once@example.com")
    relay.gate.clear()  # the first sender is held at DATA, its claim taken and the row not yet deleted
    outcomes: dict[str, str] = {}
    finished = {name: threading.Event() for name in ("first", "second")}

    def sender(name: str) -> None:
        try:
            outcomes[name] = mail.EmailAttempt(queued, retry_in_memory=False).send()
        finally:
            connection.close()  # this thread's own connection
            finished[name].set()

    threading.Thread(target=sender, args=("first",)).start()
    relay.wait_offered(1)
    threading.Thread(target=sender, args=("second",)).start()
    deadline = time.monotonic() + 60  # a safety net against a hung test, not a measurement
    while not finished["second"].is_set() and relay.offered < 2:
        assert time.monotonic() < deadline, "the second sender neither finished nor sent"
        time.sleep(0.01)
    relay.gate.set()
    assert all(event.wait(60) for event in finished.values())

    assert sorted(outcomes.values()) == sorted([mail.SENT, mail.SKIPPED])
    assert len(relay.wait_for(to="once@example.com")) == 1
    assert relay.offered == 1
    assert OutgoingEmail.objects.count() == 0


@WITH_DB
def test_the_stored_address_subject_and_link_are_encrypted(smtp):
    with transaction.atomic():
        mail.email_queue(
            kind="password_reset", to="secret-reader@example.com", subject="Reset your password", body=BODY
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM common_outgoingemail")
            stored = " ".join(str(value) for value in cursor.fetchone())

    for plain in ("secret-reader@example.com", "secret-reader", "Reset your password", TOKEN, "reset-password"):
        assert plain not in stored
    assert smtp.wait_for(to="secret-reader@example.com", subject="Reset your password")


@WITH_DB
def test_an_email_queued_under_the_previous_secret_key_is_sent_after_a_rotation(relay, settings):
    settings.SECRET_KEY = "the-old-secret-key-" + "o" * 40
    queued = _queue(to="rotated@example.com", subject="Queued before the rotation")
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "the-new-secret-key-" + "n" * 40, [settings.SECRET_KEY]

    assert mail.EmailAttempt(queued, retry_in_memory=False).send() == mail.SENT

    [message] = relay.wait_for(to="rotated@example.com")
    assert (message["Subject"], text_body(message)) == ("Queued before the rotation", BODY)


@WITH_DB
def test_an_email_no_key_decrypts_any_more_is_given_up_and_logged(relay, settings, json_logs):
    settings.SECRET_KEY = "the-old-secret-key-" + "o" * 40
    queued = _queue(to="stranded@example.com")
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "the-new-secret-key-" + "n" * 40, []

    assert mail.EmailAttempt(queued, retry_in_memory=False).send() == mail.GIVEN_UP

    assert relay.offered == 0
    assert OutgoingEmail.objects.count() == 0
    [failure] = _failures(json_logs)
    assert failure | {"reason": "undecryptable", "will_retry": False, "level": "error"} == failure


@WITH_DB
def test_a_row_whose_senders_were_killed_on_every_attempt_is_given_up_not_retried_forever(relay, settings, json_logs):
    settings.EMAIL_RETRY_DELAYS = (0.0, 0.0)  # three attempts in all
    queued = _queue(to="poison@example.com")
    # Every attempt claimed by a process killed before it finished: the lease ran out each time
    OutgoingEmail.objects.filter(pk=queued.pk).update(attempt=3, claimed_until=timezone.now() - timedelta(seconds=1))

    out = StringIO()
    with pytest.raises(CommandError, match="1 email"):
        call_command("send_queued_emails", stdout=out)

    assert relay.offered == 0
    assert OutgoingEmail.objects.count() == 0
    assert "given up 1" in out.getvalue()
    [failure] = _failures(json_logs)
    assert failure | {"reason": "attempts_exhausted", "attempt": 4, "will_retry": False} == failure


@WITH_DB
def test_the_command_leaves_rows_not_due_or_held_by_a_live_claim(relay):
    later, held = _queue(to="later@example.com"), _queue(to="held@example.com")
    in_a_minute = timezone.now() + timedelta(minutes=1)
    OutgoingEmail.objects.filter(pk=later.pk).update(next_attempt_at=in_a_minute)
    OutgoingEmail.objects.filter(pk=held.pk).update(claimed_until=in_a_minute)

    out = StringIO()
    call_command("send_queued_emails", stdout=out)

    assert "sent 0, to be retried 0, given up 0" in out.getvalue()
    assert relay.offered == 0
    assert OutgoingEmail.objects.count() == 2


def test_no_sweep_starts_when_it_is_turned_off(settings):
    settings.EMAIL_OUTBOX_SWEEP_SECONDS = 0

    assert email_outbox_sweep_start() is False


@contextmanager
def _served(relay: SmtpServer, tmp_path, **extra: str) -> Iterator[str]:
    port = free_port()
    env = _process_env(relay, GUNICORN_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="1", **extra)
    with gunicorn_running(env=env, port=port, stdout=tmp_path / "gunicorn.log") as url:
        yield url


@WITH_DB
def test_a_serving_process_sweeps_the_outbox_on_its_own(relay, tmp_path):
    # Given an email a killed process left due in the outbox
    queued = _queue(to="left-behind@example.com", subject="Left behind")

    # When gunicorn serves with a sweep every second
    with _served(relay, tmp_path, EMAIL_OUTBOX_SWEEP_SECONDS="1"):
        # Then its worker sends it, once
        [message] = relay.wait_for(to="left-behind@example.com", timeout=120)

    assert message["Subject"] == "Left behind"
    assert relay.offered == 1
    assert not OutgoingEmail.objects.filter(pk=queued.pk).exists()


@WITH_DB
def test_an_email_whose_last_try_at_the_process_exit_fails_stays_queued_for_the_sweep(relay):
    # Given a process that queued an email the relay asked to retry later, and exits while the retry waits
    relay.refusal = "451 4.3.0 Try again later"
    result = subprocess.run(
        [sys.executable, "-c", QUEUE_AND_WAIT, BODY, "exit"],
        cwd=ROOT,
        env=_process_env(relay),
        capture_output=True,
        text=True,
        timeout=60,
    )

    # Then the retry got its last try at the exit, refused too, and the row is left, free, for the sweep
    assert result.returncode == 0, result.stderr
    assert relay.offered == 2
    [row] = OutgoingEmail.objects.all()
    assert (row.attempt, row.claimed_until) == (2, None)
    relay.refusal = None
    OutgoingEmail.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    call_command("send_queued_emails", stdout=StringIO())
    assert len(relay.wait_for(to="killed@example.com")) == 1
    assert OutgoingEmail.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(("timeout", "lease"), [(10, 300), (60, 720)])
def test_a_claim_holds_the_row_longer_than_an_attempt_may_take(settings, timeout, lease):
    # (each step of the SMTP conversation may take EMAIL_TIMEOUT: a lease shorter than the whole would let a second
    # sender claim the row while the first still sends it, and the email go out twice)
    settings.EMAIL_TIMEOUT = timeout
    queued = outbox_add(kind="password_reset", to="a@example.com", subject="s", body="b", user_id=None, request_id=None)
    now = timezone.now()

    assert outbox_claim(queued, now=now)

    assert OutgoingEmail.objects.get(pk=queued.pk).claimed_until == now + timedelta(seconds=lease)
