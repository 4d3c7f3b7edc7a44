"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, keeping every message it receives.

The backend tests point Django's SMTP backend at one per xdist worker (tests/conftest.py, fixture ``smtp``); the
browser tests start their own and hand its host and port to gunicorn through the environment.
"""

import asyncio
import email
import email.policy
import logging
import re
import threading
import time
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller

from .net import free_port

# aiosmtpd logs every connection at INFO; the tests read the messages instead.
logging.getLogger("mail.log").setLevel(logging.WARNING)

_URL = re.compile(r"https?://[^\s<>\"']+")


class _Handler:
    def __init__(self, server: "SmtpServer") -> None:
        self._server = server

    async def handle_DATA(self, server, session, envelope) -> str:  # aiosmtpd calls it by this name
        refusal = await self._server._offered()
        if refusal is not None:
            return refusal
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode()
        message = email.message_from_bytes(content, policy=email.policy.default)
        self._server._received(list(envelope.rcpt_tos), message)
        return "250 Message accepted for delivery"


class SmtpServer:
    """An SMTP server on 127.0.0.1 and a free port that keeps the messages it receives, in arrival order."""

    host: str
    port: int

    def __init__(self, host: str = "127.0.0.1", *, save_to: Path | None = None) -> None:
        """``save_to``: also write each message, decoded, to a file there (``To:``, ``Subject:``, a blank line, the
        text body), for a process that cannot ask this one (schemathesis' hooks)."""
        self.host = host
        self.port = 0
        self._save_to = save_to
        self._controller: Controller | None = None
        self._condition = threading.Condition()
        self._received_messages: list[tuple[list[str], EmailMessage]] = []
        # A reply DATA gets instead of the message being kept (e.g. "451 4.3.0 Try again later"); None: kept.
        self.refusal: str | None = None
        self.offered = 0  # messages offered (DATA), kept or refused
        # Cleared: each message offered waits at DATA until it is set again (a send held mid-conversation).
        self.gate = threading.Event()
        self.gate.set()

    def start(self) -> "SmtpServer":
        """Listen on a free port (a few tries: another process may take the port between finding and binding it)."""
        last_error: Exception | None = None
        for _ in range(5):
            port = free_port()
            controller = Controller(_Handler(self), hostname=self.host, port=port, ready_timeout=10)
            try:
                controller.start()
            except Exception as exc:  # the port was taken meanwhile
                last_error = exc
                continue
            self._controller, self.port = controller, port
            return self
        raise RuntimeError(f"could not start the test SMTP server on {self.host}: {last_error}")

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> "SmtpServer":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def environment(self) -> dict[str, str]:
        """The settings' environment variables that make a served app (gunicorn) send its email here."""
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": self.host,
            "EMAIL_PORT": str(self.port),
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
            "EMAIL_USE_TLS": "false",
            "EMAIL_USE_SSL": "false",
        }

    def clear(self) -> None:
        """Forget every message received so far, once every email this process has queued so far was sent: one still
        on its way (a notice mailed after commit, on a background thread) would otherwise land after the clear."""
        from backend.common.background import wait_for_background_jobs

        wait_for_background_jobs()
        with self._condition:
            self._received_messages.clear()

    @property
    def messages(self) -> list[EmailMessage]:
        """Every message received since the last clear(), in arrival order, once every email this process has queued
        so far was sent: emails go out on a background thread after commit, so "none was sent" read at once would
        pass whatever is still on its way."""
        from backend.common.background import wait_for_background_jobs

        wait_for_background_jobs()
        with self._condition:
            return [message for _, message in self._received_messages]

    async def _offered(self) -> str | None:
        with self._condition:
            self.offered += 1
            self._condition.notify_all()
        if not self.gate.is_set():
            await asyncio.get_running_loop().run_in_executor(None, self.gate.wait)
        return self.refusal

    def wait_offered(self, count: int, timeout: float = 30) -> None:
        """Until ``count`` messages have been offered (DATA), kept or refused; AssertionError after ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while self.offered < count:
                left = deadline - time.monotonic()
                assert left > 0, f"expected {count} message(s) offered within {timeout}s, got {self.offered}"
                self._condition.wait(left)

    def _received(self, recipients: list[str], message: EmailMessage) -> None:
        with self._condition:
            self._received_messages.append((recipients, message))
            if self._save_to is not None:
                saved = f"To: {', '.join(recipients)}\nSubject: {message['Subject']}\n\n{text_body(message)}"
                path = self._save_to / f"{len(self._received_messages):06d}.txt"
                path.with_suffix(".tmp").write_text(saved)
                path.with_suffix(".tmp").rename(path)  # whole files only: a reader never sees half a message
            self._condition.notify_all()

    def _to(self, address: str, subject: str | None) -> list[EmailMessage]:
        wanted = address.strip().lower()
        return [
            message
            for recipients, message in self._received_messages
            if wanted in {recipient.strip().lower() for recipient in recipients}
            and (subject is None or message["Subject"] == subject)
        ]

    def wait_for(
        self, *, to: str, count: int = 1, timeout: float = 15, subject: str | None = None
    ) -> list[EmailMessage]:
        """The messages delivered to ``to`` (case-insensitive; envelope recipients), and with this ``subject`` if
        given, once at least ``count`` have arrived; AssertionError naming what did arrive if they do not within
        ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while True:
                found = self._to(to, subject)
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    arrived = [
                        f"{', '.join(recipients)}: {message['Subject']!r}"
                        for recipients, message in self._received_messages
                    ]
                    about = f" with subject {subject!r}" if subject is not None else ""
                    raise AssertionError(
                        f"expected {count} message(s) to {to}{about} within {timeout}s, got {len(found)}; "
                        f"all that arrived: {arrived or 'nothing'}"
                    )
                self._condition.wait(left)


def text_body(message: EmailMessage) -> str:
    """The message's plain-text body, with its lines ending in \\n (SMTP carries them as \\r\\n)."""
    part = message.get_body(preferencelist=("plain",))
    if part is None:
        raise AssertionError(f"message {message['Subject']!r} has no text/plain body")
    return part.get_content().replace("\r\n", "\n")


def link_params(link: str) -> dict[str, str]:
    """The parameters an emailed link carries in its fragment (``#uid=...&token=...``), where the token stays out of
    every server's logs (backend/accounts/emails/links.py)."""
    fragment = urlsplit(link).fragment
    assert fragment, f"no parameters in the fragment of {link}"
    return {name: values[0] for name, values in parse_qs(fragment, keep_blank_values=True).items()}


def link_in(message: EmailMessage, path: str) -> str:
    """The first http(s) URL in the message's text body whose path is ``path`` (e.g. "/verify-email")."""
    body = text_body(message)
    for url in _URL.findall(body):
        if urlsplit(url).path == path:
            return url
    raise AssertionError(f"no link to {path} in message {message['Subject']!r}:\n{body}")
