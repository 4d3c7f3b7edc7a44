"""gunicorn's gthread worker, except that a stopping worker stops listening at once (config/gunicorn.conf.py).

On SIGTERM, gthread stops *accepting* but keeps its copy of the listening socket open until it exits, up to
``graceful_timeout`` later. Meanwhile the kernel still completes new connections into the socket's backlog, where
nobody will accept them: when the worker finally exits they are reset, after their clients have sent a request.
Closing the socket as soon as the signal arrives makes a new connection refused instead (a proxy retries those on
another pod), while every connection already accepted is served to the end as before: in-flight requests finish,
and a request arriving on a kept-alive connection is answered with ``Connection: close``.

The master closes its own copy first, and workers that have not been signalled yet keep accepting, so a connection
is either served or refused, never left in a backlog that nobody reads. docs/operations.md, "Graceful shutdown".
"""

import contextlib
from typing import Any

from gunicorn.workers.gthread import ThreadWorker


class DrainingThreadWorker(ThreadWorker):  # type: ignore[misc]  # gunicorn has no type hints
    _accepting: bool  # gthread's: whether the listeners are registered with the poller

    def handle_exit(self, sig: int, frame: Any) -> None:
        if self.alive:
            # In the signal handler, before ``alive`` goes False: from here on no response says keep-alive to a
            # client that could then reconnect into a backlog nobody reads.
            self._stop_listening()
        super().handle_exit(sig, frame)

    def _stop_listening(self) -> None:
        for listener in self.sockets:
            if self._accepting:
                with contextlib.suppress(KeyError, ValueError):
                    self.poller.unregister(listener)
            listener.close()
        self._accepting = False

    def set_accept_enabled(self, enabled: bool) -> None:
        if enabled and not self.alive:
            return  # the main loop may try to start accepting again between two checks of ``alive``
        super().set_accept_enabled(enabled)

    def accept(self, listener: Any) -> None:
        try:
            super().accept(listener)
        except (OSError, AttributeError):  # the listener was closed under the main loop by handle_exit
            if self.alive:
                raise
