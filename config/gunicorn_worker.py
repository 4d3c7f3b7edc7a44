"""gunicorn's gthread worker, except that a stopping worker stops listening at once (config/gunicorn.conf.py).

On SIGTERM, gthread stops *accepting* but keeps its copy of the listening socket open until it exits, up to
``graceful_timeout`` later. Meanwhile the kernel still completes new connections into the socket's backlog, where
nobody will accept them: when the worker finally exits they are reset, after their clients have sent a request.

This worker, as soon as the signal arrives (in its main loop, right after the handler), accepts whatever is already
in the backlog and closes the socket: a connection made before that is served like any other, and one made after
it is refused (a proxy retries it on another pod) instead of being reset later. Every connection already accepted
is served to the end as before: in-flight requests finish, and a request arriving on a kept-alive connection is
answered with ``Connection: close``. The master closes its own copy first, and workers not signalled yet keep
accepting. docs/operations.md, "Graceful shutdown".
"""

import contextlib
from typing import Any

from gunicorn.workers.gthread import TConn, ThreadWorker


class DrainingThreadWorker(ThreadWorker):  # type: ignore[misc]  # gunicorn has no type hints
    _accepting: bool  # gthread's: whether the listeners are registered with the poller

    def handle_exit(self, sig: int, frame: Any) -> None:
        if self.alive:
            # Run by the main loop, not in the signal handler: accepting hands work to the thread pool.
            self.method_queue.defer(self._stop_listening)
        super().handle_exit(sig, frame)

    def _stop_listening(self) -> None:
        for listener in self.sockets:
            if self._accepting:
                with contextlib.suppress(KeyError, ValueError):
                    self.poller.unregister(listener)
            self._accept_backlog(listener)
            listener.close()
        self._accepting = False

    def _accept_backlog(self, listener: Any) -> None:
        """Take every connection the kernel has already completed (what gthread's ``accept`` does, until none is
        left), so closing the socket resets nobody."""
        listener.setblocking(False)
        while True:
            try:
                client_sock, client_addr = listener.accept()
            except OSError:  # BlockingIOError: the backlog is empty
                return
            self.nr_conns += 1
            client_sock.setblocking(True)
            self.enqueue_req(TConn(self.cfg, client_sock, client_addr, listener.getsockname()))

    def set_accept_enabled(self, enabled: bool) -> None:
        if enabled and not self.alive:
            return  # the main loop may try to start accepting again between two checks of ``alive``
        super().set_accept_enabled(enabled)

    def accept(self, listener: Any) -> None:
        try:
            super().accept(listener)
        except (OSError, AttributeError):  # a listener closed by _stop_listening, reported by the same poll
            if self.alive:
                raise
