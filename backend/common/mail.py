"""Sending one email off the request path, again after a temporary failure, and after a killed process.

backend/accounts/emails/ composes each email and hands it here (``email_queue``). Many emails cannot be asked for
again (the notices of a password or address changed, a new sign-in, a second factor changed, an account deleted), so
neither a failed attempt nor a killed process may lose one:

- the email is first a row of the outbox (``OutgoingEmail``, backend/common/outbox.py), written in the transaction
  that caused it: committed with its cause, or rolled back with it and never sent. Its recipient, subject and body
  are encrypted there (the body's links carry one-use tokens);
- once that transaction commits, the row is handed to the background pool (backend/common/background.py), which
  sends it at once: no response waits for the mail server or fails because of it. A sender first claims the row
  (one conditional update: of two senders, exactly one wins), and deletes it once the relay took the message;
- a temporary failure (the relay refused the connection, did not answer within EMAIL_TIMEOUT, hung up, or replied
  4xx, "try again later": RFC 5321, section 4.2.1) puts the row back, due after the next delay of
  EMAIL_RETRY_DELAYS (10 s, 40 s, 2 min by default: four attempts over about three minutes), and this process tries
  again then, on the pool's timer, not on a pool thread, so other emails go out meanwhile;
- a permanent refusal (5xx: no such mailbox, relaying denied, message refused), a settings problem the relay
  reports (STARTTLS or AUTH it does not offer) or a message that cannot be sent at all is not tried again: it would
  fail the same way. The row is deleted, as is one still failing after its last attempt;
- the outbox's sweep (backend/common/mail_sweep.py: every EMAIL_OUTBOX_SWEEP_SECONDS in each gunicorn worker, and
  ``manage.py send_queued_emails``) sends the rows whose attempt is due and which no live claim holds: those whose
  process was killed (OOM, SIGKILL) before it sent them or while they waited for their retry.

Delivery is at least once: a process killed after the relay took a message and before it deleted the row (or a
relay whose reply is lost) leaves the row to be sent again. Sending twice is the price of never losing one.

Each failed attempt logs one line, ``email_failed``, with the email's kind, the attempt, whether it will be tried
again, the relay's reply, the request that queued it (``request_id``) and the recipient's account (``user_id``)
when known: never the address, the subject or the body (a link's token is in it). A retry is a WARNING; an email
given up is an ERROR (it reaches Sentry). ``emails_total`` counts each attempt's outcome by kind
(backend/observability/metrics.py).
"""

import dataclasses
import re
import smtplib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import structlog
from django.conf import settings
from django.core.mail import send_mail
from django.db import connections, transaction
from django.utils import timezone

from backend.observability.logging import stdlib_logger
from backend.observability.metrics import email_outcome, emails_init

from .background import run_in_background, run_in_background_later
from .outbox import Queued, outbox_add, outbox_claim, outbox_content, outbox_release, outbox_remove
from .outbox_crypto import OutboxUndecryptable

# Through logging, which Sentry reads: an email given up must be seen.
logger = stdlib_logger("backend.email")

REPLY_MAX = 200  # characters of the relay's reply kept in the log line
_ADDRESS = re.compile(r"<?[^\s<>@]+@[^\s<>@]+>?")  # an email address in a relay's reply, with its brackets

# What one attempt came to (``EmailAttempt.send``): the command counts them.
SENT, RETRYING, GIVEN_UP, SKIPPED = "sent", "retrying", "given_up", "skipped"


class EmailAttempt:
    """One queued email's next attempt: the background job that claims its outbox row and sends it. It holds no
    address or content (those are read, decrypted, once the row is claimed)."""

    def __init__(self, queued: Queued, *, retry_in_memory: bool = True) -> None:
        self.queued = queued
        self.kind, self.user_id, self.request_id = queued.kind, queued.user_id, queued.request_id
        self.attempt = queued.attempt  # attempts so far; this one's number once the row is claimed
        # False for the command: it ends before a retry would be due, so the sweep (or its next run) makes it.
        self.retry_in_memory = retry_in_memory

    def __repr__(self) -> str:  # what background.py logs of the job: never the address or the content
        return f"email {self.kind} (attempt {self.attempt + 1})"

    def __call__(self) -> None:
        try:
            self.send()
        finally:
            # This pool thread's database connection goes back (to the pool, with PostgreSQL) between jobs.
            connections.close_all()

    def send(self) -> str:
        """One attempt, if this sender wins the row: SENT, RETRYING or GIVEN_UP; SKIPPED when another sender has
        it, has made this attempt already, or it is gone."""
        if not outbox_claim(self.queued, now=timezone.now()):
            return SKIPPED
        self.attempt = self.queued.attempt + 1
        if self.attempt > len(settings.EMAIL_RETRY_DELAYS) + 1:
            # Only claims whose senders were killed mid-attempt get here: it is not tried again, as after a failure.
            return self._given_up(reason="attempts_exhausted", temporary=True, error=None, code=None)
        try:
            content = outbox_content(self.queued.pk)
        except OutboxUndecryptable:  # its SECRET_KEY is neither the current one nor a fallback: it never will be
            return self._given_up(reason="undecryptable", temporary=False, error=None, code=None)
        if content is None:
            return SKIPPED
        try:
            send_mail(content.subject, content.body, settings.DEFAULT_FROM_EMAIL, [content.to])
        except Exception as error:
            return self._failed(error)
        # Killed here, before the delete, the row is sent again once its lease runs out: at least once, not once.
        outbox_remove(self.queued.pk)
        email_outcome(kind=self.kind, outcome="sent")
        if self.attempt > 1:
            logger.info("email_sent", **self._fields())
        return SENT

    def on_dropped(self) -> None:
        """The process exits before this attempt could start (background.py): the row stays, for the sweep."""
        logger.warning(
            "email_failed",
            **self._fields(),
            will_retry=True,
            reason="process_exiting",
            temporary=True,
            error=None,
            smtp_code=None,
        )

    def _failed(self, error: Exception) -> str:
        code = smtp_code(error)
        temporary = is_temporary(error, code)
        delays = settings.EMAIL_RETRY_DELAYS
        if not temporary:
            return self._given_up(reason="permanent", temporary=False, error=error, code=code)
        if self.attempt > len(delays):
            return self._given_up(reason="attempts_exhausted", temporary=True, error=error, code=code)
        delay = delays[self.attempt - 1]
        outbox_release(self.queued.pk, attempt=self.attempt, next_attempt_at=timezone.now() + timedelta(seconds=delay))
        if self.retry_in_memory:
            # Refused when the process is exiting: the row, due then, is the sweep's.
            run_in_background_later(delay, EmailAttempt(dataclasses.replace(self.queued, attempt=self.attempt)))
        email_outcome(kind=self.kind, outcome="retried")
        logger.warning(
            "email_failed",
            **self._fields(),
            will_retry=True,
            retry_in_seconds=delay,
            temporary=True,
            error=describe(error),
            smtp_code=code,
        )
        return RETRYING

    def _given_up(self, *, reason: str, temporary: bool, error: Exception | None, code: int | None) -> str:
        outbox_remove(self.queued.pk)
        email_outcome(kind=self.kind, outcome="rejected" if reason == "permanent" else "failed")
        logger.error(
            "email_failed",
            **self._fields(),
            will_retry=False,
            reason=reason,
            temporary=temporary,
            error=describe(error) if error is not None else None,
            smtp_code=code,
        )
        return GIVEN_UP

    def _fields(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "attempt": self.attempt,
            "attempts": len(settings.EMAIL_RETRY_DELAYS) + 1,
            # The request's own id, bound by the observability middleware: this thread has no request of its own.
            "request_id": self.request_id,
            "user_id": self.user_id,
        }


def email_queue(*, kind: str, to: str, subject: str, body: str, user_id: Any = None) -> None:
    """Queue a plain-text email to ``to`` in the outbox, in the current transaction (outside one, at once), and send
    it once that transaction commits, retrying temporary failures. ``kind`` names it in logs and metrics;
    ``user_id``: the recipient's account, if known."""
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    emails_init(kind)  # its outcomes' series at 0 from now on, so the first one given up is an increase an alert sees
    queued = outbox_add(kind=kind, to=to, subject=subject, body=body, user_id=user_id, request_id=request_id)
    transaction.on_commit(lambda: run_in_background(EmailAttempt(queued)))


def email_queue_unseen(decide: Callable[[], None]) -> None:
    """Run ``decide`` (which looks up whether an email is due, and queues it) on the background pool, with this
    request's id bound, for a request whose response must not tell whether an email went out: a password reset or
    a new verification link asked for by address, which must not reveal which addresses have an account. Queuing
    writes the outbox's row, a write only the request of an existing account would make, and its time would tell.
    A process killed before the job ran loses that email; the user, seeing none, asks again."""
    request_id = structlog.contextvars.get_contextvars().get("request_id")

    def email_decide() -> None:
        try:
            with structlog.contextvars.bound_contextvars(request_id=request_id):
                decide()
        finally:
            connections.close_all()  # this pool thread's database connection goes back between jobs

    run_in_background(email_decide)


def smtp_code(error: Exception) -> int | None:
    """The relay's reply code in ``error``, if it carries one (the recipient's, when it refused the recipient)."""
    if isinstance(error, smtplib.SMTPResponseException):
        return int(error.smtp_code)
    if isinstance(error, smtplib.SMTPRecipientsRefused) and error.recipients:
        return max(int(code) for code, _ in error.recipients.values())  # one recipient per email: its code
    return None


def is_temporary(error: Exception, code: int | None) -> bool:
    """Whether the same email may go through if tried again later."""
    if code is not None:
        return not 500 <= code < 600  # 4xx asks for a retry; anything odd (-1: no reply) is not judged final
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return True
    if isinstance(error, smtplib.SMTPException):
        return False  # STARTTLS or AUTH not offered, no usable mechanism: the settings need fixing, not time
    # Refused, reset, unreachable, name not resolved, timed out (EMAIL_TIMEOUT), TLS handshake. Anything else (an
    # address or header Django cannot encode) fails the same way every time.
    return isinstance(error, OSError)


def describe(error: Exception) -> str:
    """The failure on one short line: its type and the relay's reply, without the message."""
    if isinstance(error, smtplib.SMTPResponseException):
        reply = error.smtp_error
        text = f"{error.smtp_code} {reply.decode(errors='replace') if isinstance(reply, bytes) else reply}"
    elif isinstance(error, smtplib.SMTPRecipientsRefused):
        text = "; ".join(
            f"{code} {reply.decode(errors='replace') if isinstance(reply, bytes) else reply}"
            for code, reply in error.recipients.values()
        )
    else:
        text = str(error)
    # A relay's refusal often repeats the recipient ("550 5.1.1 <alice@example.com>: Recipient address rejected"):
    # the line names the account by user_id, never by its address.
    text = _ADDRESS.sub("<address>", " ".join(text.split()))
    text = text[:REPLY_MAX] + ("…" if len(text) > REPLY_MAX else "")
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
