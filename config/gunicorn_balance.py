"""How many connections each gunicorn worker holds, in memory the workers share: the data behind least-connections
accepting (config/gunicorn_worker.py, ``BalancedThreadWorker``).

gunicorn's workers share one listening socket, and a keep-alive connection stays on the worker that accepted it.
Whichever worker wakes first takes a new connection, so a client's (or a proxy's) burst of connections can all land
on one worker while the other idles: ``make bench`` saw 16 of 16 on one worker in most runs. ``reuse_port`` would
spread them by hash, but a worker that dies then resets the connections queued on its own socket
(docs/performance.md, "Connection spread"). Instead, each worker publishes its count here, and a worker that holds
more than a sibling leaves a new connection in the shared queue for the sibling to take.

The table is an anonymous shared mapping made when the master imports this module (to load its config), so every
worker it forks shares it. One slot per live worker, handed out by the master before each fork (``pre_fork``),
holds its pid, its connection count and when it last published (``time.monotonic``, the same clock for all
processes of one machine). Each worker writes only its own slot; a reader may see a slot mid-write, which at worst
makes one decision on a stale count. The master clears the slot of a worker that exits (``child_exit`` in
config/gunicorn.conf.py); a slot not refreshed for ``STALE_SECONDS`` is ignored, so a hung or killed worker never
holds connections back for long.
"""

import mmap
import struct
import time
from collections.abc import Iterable

SLOTS = 64  # more workers than that: the rest accept as gthread does
STALE_SECONDS = 2.0  # a worker publishes at least once a second (gthread's main loop wakes every second)
_SLOT = struct.Struct("=qqd")  # pid, connections, monotonic time of the last publication


class ConnectionTable:
    """The per-worker connection counts shared by a master's workers."""

    def __init__(self, slots: int = SLOTS) -> None:
        self._slots = slots
        self._memory = mmap.mmap(-1, _SLOT.size * slots)  # MAP_SHARED | MAP_ANONYMOUS: inherited across fork

    def slot_assign(self, taken: Iterable[int | None]) -> int | None:
        """A free slot, cleared, for a worker about to be forked (the master calls it: ``pre_fork``); None when
        every slot is taken (that worker then accepts as gthread does)."""
        used = set(taken)
        for slot in range(self._slots):
            if slot not in used:
                self.clear(slot)
                return slot
        return None

    def publish(self, slot: int, *, pid: int, connections: int) -> None:
        _SLOT.pack_into(self._memory, slot * _SLOT.size, pid, connections, time.monotonic())

    def clear(self, slot: int) -> None:
        _SLOT.pack_into(self._memory, slot * _SLOT.size, 0, 0, 0.0)

    def clear_pid(self, pid: int) -> None:
        """Forget the worker with this pid (the master calls it when a worker exits, however it died)."""
        for slot, (slot_pid, _, _) in enumerate(_SLOT.iter_unpack(self._memory)):
            if slot_pid == pid:
                self.clear(slot)

    def fewest_elsewhere(self, slot: int) -> int | None:
        """The fewest connections any other live worker holds, or None when no other worker is live."""
        fewest = None
        fresh_since = time.monotonic() - STALE_SECONDS
        for index, (pid, connections, published) in enumerate(_SLOT.iter_unpack(self._memory)):
            if pid and index != slot and published >= fresh_since and (fewest is None or connections < fewest):
                fewest = connections
        return fewest


# The master's table; a worker inherits it when forked.
connection_table = ConnectionTable()
