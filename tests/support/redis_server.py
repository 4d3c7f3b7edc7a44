"""A real, private redis-server for tests that must stop Redis halfway (outage behaviour)."""

import shutil
import signal
import subprocess
import time
from pathlib import Path

import redis

from tests.support.net import free_port


class RedisServer:
    """redis-server on a free port, no persistence; ``stop()`` kills it so clients get connection errors."""

    def __init__(self, workdir: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed (apt-get install -y redis-server); .ci/run installs it.")
        # free_port() only says the port was free when asked: another test process may take it first, and then
        # a ping would reach that one's server (and stop() kill nothing). Start again elsewhere until the server
        # answering is ours.
        for _ in range(5):
            self.port = free_port()
            self.url = f"redis://127.0.0.1:{self.port}/0"
            self._process = subprocess.Popen(
                [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                cwd=workdir,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.STDOUT,
            )
            if self._answering_is_ours():
                return
            self.stop()
        raise RuntimeError("redis-server did not start on a free port in 5 tries")

    def _answering_is_ours(self) -> bool:
        """Whether the server on self.port, once it answers, is the process started here."""
        client = redis.Redis.from_url(self.url, socket_timeout=0.5)
        deadline = time.monotonic() + 10
        while True:
            try:
                return int(client.info("server")["process_id"]) == self._process.pid
            except redis.ConnectionError:
                if self._process.poll() is not None or time.monotonic() > deadline:
                    return False
                time.sleep(0.05)

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): connections are accepted by the kernel but nothing answers."""
        self._process.send_signal(signal.SIGSTOP)

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGCONT)  # in case it was paused
            self._process.kill()
            self._process.wait(timeout=10)

    def cache_settings(self, *, key_prefix: str = "outage-test") -> dict:
        """The CACHES setting production uses (config/settings/base.py), pointing at this server."""
        return {
            "default": {
                "BACKEND": "backend.common.redis_cache.ResilientRedisCache",
                "LOCATION": self.url,
                "KEY_PREFIX": key_prefix,
                "OPTIONS": {
                    "CLIENT_CLASS": "backend.common.redis_cache.FailFastRedisClient",
                    "SOCKET_CONNECT_TIMEOUT": 0.5,
                    "SOCKET_TIMEOUT": 0.5,
                },
            }
        }
