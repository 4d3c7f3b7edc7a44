"""gunicorn's gthread worker, except that a stopping worker stops listening at once, and that the workers accept by
least connections (``BalancedThreadWorker``, the one config/gunicorn.conf.py runs).

On SIGTERM, gthread stops *accepting* but keeps its copy of the listening socket open until it exits, up to
``graceful_timeout`` later. Meanwhile the kernel still completes new connections into the socket's backlog, where
nobody will accept them: when the worker finally exits they are reset, after their clients have sent a request.

This worker, as soon as the signal arrives (in its main loop, right after the handler), accepts whatever is already
in the backlog and closes the socket: a connection made before that is served like any other, and one made after
it is refused (a proxy retries it on another pod) instead of being reset later. (One the kernel completes in the
instant between the last accept and the close is reset: never taken, no request on it began, and a proxy retries
it too. In a cluster none arrive then: the pod left the endpoints during the preStop pause.) Every connection
already accepted is served to the end as before: in-flight requests finish, and a request arriving on a kept-alive
connection is answered with ``Connection: close``. The master closes its own copy first, and workers not signalled
yet keep accepting. docs/operations.md, "Graceful shutdown".
"""

import contextlib
import os
import time
from typing import Any

from gunicorn.workers.gthread import TConn, ThreadWorker

from config.gunicorn_balance import connection_table


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


class BalancedThreadWorker(DrainingThreadWorker):
    """The draining gthread worker, accepting by least connections: a worker that holds more connections than a
    sibling leaves a new one in the shared listening queue for a ``ACCEPT_PAUSE_SECONDS`` turn, and the sibling, woken
    by the same readiness, takes it. The counts are in config/gunicorn_balance.py, which says why.

    Its slot in the table is given by the master before the fork (``pre_fork`` in config/gunicorn.conf.py). Without a
    slot, or with ``reuse_port`` (each worker then has a socket of its own, whose queue no sibling can take from), it
    accepts as gthread does."""

    # Long enough for the sibling's main loop to wake and accept, short enough that a connection the sibling cannot
    # take (it is about to exit, say) waits little: the check is made again every turn.
    ACCEPT_PAUSE_SECONDS = 0.002

    connection_slot: int | None = None  # set by the master (pre_fork)
    _listening = False  # published only once the app is loaded and the main loop runs
    _accept_paused_until: float = 0.0

    def run(self) -> None:
        self._listening = self.connection_slot is not None and not self.cfg.reuse_port
        super().run()

    def notify(self) -> None:
        """Every turn of the main loop: gunicorn's heartbeat, and this worker's count for its siblings."""
        super().notify()
        self._publish()

    def _publish(self) -> None:
        if not self._listening or self.connection_slot is None:
            return
        if self.alive:
            connection_table.publish(self.connection_slot, pid=os.getpid(), connections=self.nr_conns)
        else:  # stopping: it no longer accepts, so its siblings must not leave connections for it
            self._listening = False
            connection_table.clear(self.connection_slot)

    def _stop_listening(self) -> None:
        if self._listening and self.connection_slot is not None:
            self._listening = False
            connection_table.clear(self.connection_slot)
        super()._stop_listening()

    def accept(self, listener: Any) -> None:
        if self._listening and self.connection_slot is not None:
            fewest_elsewhere = connection_table.fewest_elsewhere(self.connection_slot)
            if fewest_elsewhere is not None and fewest_elsewhere < self.nr_conns:
                self._accept_paused_until = time.monotonic() + self.ACCEPT_PAUSE_SECONDS
                self.set_accept_enabled(False)
                return
        super().accept(listener)
        self._publish()

    def set_accept_enabled(self, enabled: bool) -> None:
        if enabled and time.monotonic() < self._accept_paused_until:
            return  # the main loop asks every turn; it gets the listener back once the pause is over
        super().set_accept_enabled(enabled)

    def wait_for_and_dispatch_events(self, timeout: float) -> None:
        pause_left = self._accept_paused_until - time.monotonic()
        if pause_left > 0:
            timeout = min(timeout, pause_left)  # wake when the pause ends, to listen again
        super().wait_for_and_dispatch_events(timeout)
