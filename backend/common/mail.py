"""Sending one email off the request path, and again after a temporary failure.

backend/accounts/emails.py composes each email and hands it here (``email_queue``) to be sent once the transaction
that caused it commits, on the background pool (backend/common/background.py): no response waits for the mail
server or fails because of it. Many emails cannot be asked for again (the notices of a password or address changed,
a new sign-in, a second factor changed, an account deleted), so one failed attempt must not lose them:

- a temporary failure (the relay refused the connection, did not answer within EMAIL_TIMEOUT, hung up, or replied
  4xx, "try again later": RFC 5321, section 4.2.1) is tried again after each delay of EMAIL_RETRY_DELAYS (10 s,
  40 s, 2 min by default: four attempts over about three minutes). The delay is waited out by the pool's timer, not
  by a pool thread, so other emails go out meanwhile;
- a permanent refusal (5xx: no such mailbox, relaying denied, message refused), a settings problem the relay
  reports (STARTTLS or AUTH it does not offer) or a message that cannot be sent at all is not tried again: it would
  fail the same way.

Each failed attempt logs one line, ``email_failed``, with the email's kind, the attempt, whether it will be tried
again, the relay's reply, the request that queued it (``request_id``) and the recipient's account (``user_id``)
when known: never the address, the subject or the body (a link's token is in it). A retry is a WARNING; an email
given up is an ERROR (it reaches Sentry). ``emails_total`` counts each attempt's outcome by kind
(backend/observability/metrics.py). An email waiting for its retry lives in this process's memory: when the process
exits it gets one last attempt (background.py), and a killed process loses it.
"""

import smtplib
from typing import Any

import structlog
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from backend.observability.logging import stdlib_logger
from backend.observability.metrics import email_outcome, emails_init

from .background import run_in_background, run_in_background_later

# Through logging, which Sentry reads: an email given up must be seen.
logger = stdlib_logger("backend.email")

REPLY_MAX = 200  # characters of the relay's reply kept in the log line


class _Email:
    """One email and its attempts so far; the background job that sends it."""

    def __init__(
        self, *, kind: str, to: str, subject: str, body: str, user_id: str | None, request_id: str | None
    ) -> None:
        self.kind, self.to, self.subject, self.body = kind, to, subject, body
        self.user_id, self.request_id = user_id, request_id
        self.from_email = settings.DEFAULT_FROM_EMAIL
        self.attempt = 0

    def __repr__(self) -> str:  # what background.py logs of the job: never the address or the content
        return f"email {self.kind} (attempt {self.attempt + 1})"

    def __call__(self) -> None:
        self.attempt += 1
        try:
            send_mail(self.subject, self.body, self.from_email, [self.to])
        except Exception as error:
            self._failed(error)
            return
        email_outcome(kind=self.kind, outcome="sent")
        if self.attempt > 1:
            logger.info("email_sent", **self._fields())

    def on_dropped(self) -> None:
        """The process exits before this email's next attempt could start (background.py)."""
        self._given_up(reason="process_exiting", temporary=True, error=None, code=None)

    def _failed(self, error: Exception) -> None:
        code = smtp_code(error)
        temporary = is_temporary(error, code)
        delays = settings.EMAIL_RETRY_DELAYS
        if not temporary:
            self._given_up(reason="permanent", temporary=False, error=error, code=code)
        elif self.attempt > len(delays):
            self._given_up(reason="attempts_exhausted", temporary=True, error=error, code=code)
        elif not run_in_background_later(delays[self.attempt - 1], self):
            self._given_up(reason="process_exiting", temporary=True, error=error, code=code)
        else:
            email_outcome(kind=self.kind, outcome="retried")
            logger.warning(
                "email_failed",
                **self._fields(),
                will_retry=True,
                retry_in_seconds=delays[self.attempt - 1],
                temporary=True,
                error=describe(error),
                smtp_code=code,
            )

    def _given_up(self, *, reason: str, temporary: bool, error: Exception | None, code: int | None) -> None:
        email_outcome(kind=self.kind, outcome="failed" if temporary else "rejected")
        logger.error(
            "email_failed",
            **self._fields(),
            will_retry=False,
            reason=reason,
            temporary=temporary,
            error=describe(error) if error is not None else None,
            smtp_code=code,
        )

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
    """Send a plain-text email to ``to`` after the current transaction commits (outside one, at once), retrying
    temporary failures. ``kind`` names it in logs and metrics; ``user_id``: the recipient's account, if known."""
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    emails_init(kind)  # its outcomes' series at 0 from now on, so the first one given up is an increase an alert sees
    email = _Email(
        kind=kind,
        to=to,
        subject=subject,
        body=body,
        user_id=str(user_id) if user_id is not None else None,
        request_id=request_id,
    )
    transaction.on_commit(lambda: run_in_background(email))


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
    text = " ".join(text.split())
    text = text[:REPLY_MAX] + ("…" if len(text) > REPLY_MAX else "")
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
