"""Email delivery (backend/common/mail.py) over real SMTP: a relay that answers "try again later" (4xx) gets the email
again after a delay, off the request path, and it arrives once; one that refuses it for good (5xx) is asked once.
Each failure is one log line naming the email's kind, the attempt and the request, and never the link."""

import email
import email.policy
import json
import smtplib
import socket

import pytest
from aiosmtpd.controller import Controller

from backend.common import mail
from backend.common.background import wait_for_background_jobs
from backend.common.models import OutgoingEmail
from tests.backend.observability.helpers import sample, scrape
from tests.factories import UserFactory
from tests.support.net import free_port

WITH_DB = pytest.mark.django_db(transaction=True)  # email is sent when the transaction commits

RESET = "/api/auth/password-reset/"


class _Relay:
    """An aiosmtpd handler that refuses the first ``refusals`` messages with ``reply`` at ``stage`` (RCPT or DATA),
    then accepts: a relay that is busy, rate-limiting or greylisting (4xx), or that refuses for good (5xx)."""

    def __init__(self, *, reply: str, refusals: int, stage: str = "DATA") -> None:
        self.reply, self.refusals, self.stage = reply, refusals, stage
        self.attempts = 0  # messages offered, accepted or not
        self.accepted: list[email.message.EmailMessage] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:  # aiosmtpd's hook name
        if self.stage == "RCPT":
            self.attempts += 1
            if self.attempts <= self.refusals:
                return self.reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.stage == "DATA":
            self.attempts += 1
            if self.attempts <= self.refusals:
                return self.reply
        self.accepted.append(email.message_from_bytes(envelope.original_content, policy=email.policy.default))
        return "250 Message accepted for delivery"


@pytest.fixture
def relay(settings):
    """Start a _Relay (``relay(reply=..., refusals=...)``) and point Django's SMTP backend at it."""
    controllers: list[Controller] = []

    def start(**kwargs) -> _Relay:
        handler = _Relay(**kwargs)
        controller = Controller(handler, hostname="127.0.0.1", port=free_port(), ready_timeout=10)
        controller.start()
        controllers.append(controller)
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
        return handler

    yield start
    wait_for_background_jobs()
    for controller in controllers:
        controller.stop()


def _failures(json_logs) -> list[dict]:
    return [line for line in json_logs() if line["event"] == "email_failed"]


@WITH_DB
@pytest.mark.parametrize("stage", ["DATA", "RCPT"])
def test_an_email_the_relay_asks_to_retry_later_arrives_once_and_each_failure_is_logged(
    api_client, relay, settings, json_logs, stage
):
    # Given a relay that answers 451 "try again later" to the first two attempts, and retries a moment apart
    settings.EMAIL_RETRY_DELAYS = (0.3, 0.3, 0.3)
    server = relay(reply="451 4.3.0 Try again later", refusals=2, stage=stage)
    user = UserFactory(email="retry@example.com")
    sent = sample("emails_total", kind="password_reset", outcome="sent")
    retried = sample("emails_total", kind="password_reset", outcome="retried")

    # When a reset link is asked for
    response = api_client.post(RESET, {"email": user.email}, format="json")

    # Then the response does not wait for the retries
    assert response.status_code == 202
    assert server.accepted == []
    # And the email arrives once, at the third attempt
    assert wait_for_background_jobs()
    [message] = server.accepted
    assert (message["To"], message["Subject"], server.attempts) == (user.email, "Reset your password", 3)
    assert OutgoingEmail.objects.count() == 0  # sent: out of the outbox
    # And each refusal is one warning naming the email's kind, its account, the attempt and the request, and not
    # its link; then one line for the attempt that went through
    failures = _failures(json_logs)
    assert [(line["attempt"], line["will_retry"], line["smtp_code"], line["level"]) for line in failures] == [
        (1, True, 451, "warning"),
        (2, True, 451, "warning"),
    ]
    for line in failures:
        assert line | {"kind": "password_reset", "user_id": str(user.pk), "attempts": 4} == line
        assert line["request_id"] == response["X-Request-ID"]
        assert "451 4.3.0 Try again later" in line["error"]
    [delivered] = [line for line in json_logs() if line["event"] == "email_sent"]
    assert (delivered["kind"], delivered["attempt"]) == ("password_reset", 3)
    assert "/reset-password" not in json_logs.raw()
    # And counted by kind and outcome
    assert sample("emails_total", kind="password_reset", outcome="retried") - retried == 2
    assert sample("emails_total", kind="password_reset", outcome="sent") - sent == 1


@WITH_DB
@pytest.mark.parametrize(
    ("stage", "reply"),
    [("RCPT", "550 5.1.1 <refused@example.com>: Recipient address rejected"), ("DATA", "554 5.7.1 Rejected")],
)
def test_an_email_the_relay_refuses_for_good_is_tried_once_and_logged_as_permanent(
    api_client, relay, settings, json_logs, stage, reply
):
    settings.EMAIL_RETRY_DELAYS = (0.0, 0.0, 0.0)
    server = relay(reply=reply, refusals=10, stage=stage)
    user = UserFactory(email="refused@example.com")
    rejected = sample("emails_total", kind="password_reset", outcome="rejected")

    response = api_client.post(RESET, {"email": user.email}, format="json")

    assert response.status_code == 202
    assert wait_for_background_jobs()
    assert (server.attempts, server.accepted) == (1, [])
    [failure] = _failures(json_logs)
    expected = {"kind": "password_reset", "attempt": 1, "will_retry": False, "reason": "permanent", "level": "error"}
    assert failure | expected | {"smtp_code": int(reply[:3])} == failure
    assert failure["request_id"] == response["X-Request-ID"]
    assert "refused@example.com" not in json.dumps(failure)  # the relay's reply is logged without the address
    assert sample("emails_total", kind="password_reset", outcome="rejected") - rejected == 1


@WITH_DB
def test_an_email_still_refused_after_the_last_attempt_is_given_up_and_logged_as_an_error(relay, settings, json_logs):
    from backend.accounts.emails import notices

    settings.EMAIL_RETRY_DELAYS = (0.0, 0.0)
    server = relay(reply="421 4.3.2 Service not available", refusals=10)
    user = UserFactory(email="patient@example.com")
    failed = sample("emails_total", kind="password_changed_notice", outcome="failed")

    notices.notify_password_changed(user=user)

    assert wait_for_background_jobs()
    assert (server.attempts, server.accepted) == (3, [])
    failures = _failures(json_logs)
    assert [(line["attempt"], line["will_retry"], line["level"]) for line in failures] == [
        (1, True, "warning"),
        (2, True, "warning"),
        (3, False, "error"),
    ]
    assert failures[-1]["reason"] == "attempts_exhausted"
    assert failures[-1]["kind"] == "password_changed_notice"
    assert OutgoingEmail.objects.count() == 0  # given up: not left for the sweep to try forever
    assert sample("emails_total", kind="password_changed_notice", outcome="failed") - failed == 1


@WITH_DB
def test_an_emails_failed_series_is_scraped_at_zero_from_its_queueing_so_the_first_one_given_up_is_an_increase(
    relay, settings
):
    # BackendEmailsFailing is increase(emails_total{outcome="failed"}[15m]) > 0: a series that first appears at 1
    # has no increase, so the first email of a kind given up in a pod's life would never alert.
    from django.db import transaction
    from django.test import Client

    settings.EMAIL_RETRY_DELAYS = (0.0,)
    relay(reply="421 4.3.2 Service not available", refusals=10)
    series = ("emails_total", (("kind", "first_of_its_kind_notice"), ("outcome", "failed")))

    # Given an email of a kind this process never sent, queued and not yet tried
    with transaction.atomic():
        mail.email_queue(kind="first_of_its_kind_notice", to="first@example.com", subject="s", body="b")
        # When Prometheus scrapes before it is tried, and again once it is given up
        before = scrape(Client().get("/metrics").content.decode())
    assert wait_for_background_jobs()
    after = scrape(Client().get("/metrics").content.decode())

    # Then the failed series went from 0 to 1
    assert (before.get(series), after.get(series)) == (0.0, 1.0)


@WITH_DB
def test_a_relay_that_accepts_the_connection_but_never_answers_is_retried_after_its_timeout(settings, json_logs):
    from backend.accounts.emails import notices

    # A listening socket that never sends the SMTP greeting: each attempt ends at EMAIL_TIMEOUT
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", silent.getsockname()[1]
        settings.EMAIL_TIMEOUT, settings.EMAIL_RETRY_DELAYS = 1, (0.0,)

        notices.notify_password_changed(user=UserFactory(email="slow@example.com"))
        assert wait_for_background_jobs()

    failures = _failures(json_logs)
    assert [(line["attempt"], line["will_retry"], line["temporary"]) for line in failures] == [
        (1, True, True),
        (2, False, True),
    ]
    assert all("timed out" in line["error"] for line in failures)


@pytest.mark.parametrize(
    ("error", "temporary"),
    [
        (smtplib.SMTPDataError(451, b"Try again later"), True),
        (smtplib.SMTPSenderRefused(452, b"Too many messages", "from@example.com"), True),
        (smtplib.SMTPConnectError(421, b"Too busy"), True),
        (smtplib.SMTPAuthenticationError(454, b"Temporary authentication failure"), True),
        (smtplib.SMTPRecipientsRefused({"a@example.com": (450, b"Mailbox busy")}), True),
        (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), True),
        (ConnectionRefusedError(111, "Connection refused"), True),
        (TimeoutError("timed out"), True),
        (socket.gaierror(-2, "Name or service not known"), True),
        (smtplib.SMTPDataError(550, b"Rejected"), False),
        (smtplib.SMTPRecipientsRefused({"a@example.com": (550, b"No such user")}), False),
        (smtplib.SMTPAuthenticationError(535, b"Bad credentials"), False),
        (smtplib.SMTPNotSupportedError("STARTTLS extension not supported by server."), False),
        (ValueError("Header values may not contain linefeed or carriage return characters"), False),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else str(value),
)
def test_temporary_failures_are_told_from_final_ones(error, temporary):
    assert mail.is_temporary(error, mail.smtp_code(error)) is temporary
