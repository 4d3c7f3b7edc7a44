"""Throwaway PostgreSQL servers for tests that need more than the leg's one (e.g. a primary and a replica).

The recipe is scripts/with-services.sh's (docs: /usr/lib/postgresql/*/bin, run as the ``postgres``
user when root, trust auth on 127.0.0.1, fsync off, stopped by pid with SIGINT), in Python so that
a fixture can start, inspect and stop several servers.
"""

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from tests.support.net import free_port

HINT = "install PostgreSQL (apt-get install -y postgresql); .ci/run installs it"
START_TIMEOUT = int(os.environ.get("SERVICES_START_TIMEOUT", "30"))


def pg_bindir(debian_root: Path = Path("/usr/lib/postgresql")) -> Path:
    """The directory holding initdb, pg_ctl and pg_basebackup (PATH first, then the newest Debian version)."""
    initdb = shutil.which("initdb")
    candidates = [Path(initdb).resolve().parent] if initdb else []
    candidates += sorted(debian_root.glob("*/bin"), key=_version, reverse=True)
    for bindir in candidates:
        if all((bindir / tool).is_file() for tool in ("initdb", "pg_ctl", "pg_basebackup")):
            return bindir
    raise RuntimeError(f"No PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) found: {HINT}.")


def _version(bindir: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in bindir.parent.name.split(".") if part.isdigit())


def _as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the ``postgres`` user then."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _run(command: list[str], what: str, log: Path) -> None:
    with log.open("a") as out:
        result = subprocess.run(_as_postgres(command), stdout=out, stderr=subprocess.STDOUT, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{what} failed (exit {result.returncode}):\n{log.read_text()[-3000:]}")


def private_workdir(prefix: str) -> Path:
    """A fresh directory the ``postgres`` user can traverse and write (pytest's tmp dirs are root-only)."""
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    workdir.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(workdir, "postgres", "postgres")
    return workdir


class PostgresServer:
    """One postmaster on 127.0.0.1:``port`` over ``datadir``; ``stop()`` sends SIGINT (fast shutdown) to its pid."""

    def __init__(self, *, datadir: Path, port: int, bindir: Path) -> None:
        self.datadir = datadir
        self.port = port
        self.bindir = bindir
        self.log = datadir.parent / f"{datadir.name}.tools.log"  # our commands' output (written by this process)
        self.server_log = datadir.parent / f"{datadir.name}.server.log"  # the postmaster's (written by postgres)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    @classmethod
    def initdb(cls, workdir: Path, name: str, *, settings: dict[str, str] | None = None) -> "PostgresServer":
        """A new cluster (trust auth, replication allowed from 127.0.0.1) with ``settings`` in postgresql.conf."""
        server = cls(datadir=workdir / name, port=free_port(), bindir=pg_bindir())
        initdb = [str(server.bindir / "initdb"), "-D", str(server.datadir), "--auth=trust", "-U", "postgres"]
        _run([*initdb, "-E", "UTF8", "--no-locale", "--no-sync"], "initdb", server.log)
        with (server.datadir / "postgresql.conf").open("a") as conf:
            for key, value in (settings or {}).items():
                conf.write(f"{key} = '{value}'\n")
        with (server.datadir / "pg_hba.conf").open("a") as hba:
            hba.write("host replication all 127.0.0.1/32 trust\n")
        return server

    @classmethod
    def base_backup(cls, primary: "PostgresServer", workdir: Path, name: str) -> "PostgresServer":
        """A hot standby of the running ``primary``: pg_basebackup -R writes standby.signal and primary_conninfo."""
        server = cls(datadir=workdir / name, port=free_port(), bindir=primary.bindir)
        source = ["-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres"]
        target = ["-D", str(server.datadir), "-R", "-X", "stream", "-c", "fast", "--no-sync"]
        _run([str(server.bindir / "pg_basebackup"), *source, *target], "pg_basebackup", server.log)
        return server

    def start(self, timeout: int = START_TIMEOUT, *, port_attempts: int = 3) -> "PostgresServer":
        """Start and wait until it accepts connections; on failure, stop whatever did start, then raise.

        free_port() only says the port was free when asked: if another process took it since, start again on
        a new one (``url`` follows ``port``)."""
        for _ in range(port_attempts - 1):
            logged_before = self.server_log.stat().st_size if self.server_log.exists() else 0
            try:
                return self._start(timeout)
            except RuntimeError:
                with self.server_log.open("rb") as log:
                    log.seek(logged_before)
                    if b"Address already in use" not in log.read():  # this attempt's lines only
                        raise
                self.port = free_port()
        return self._start(timeout)

    def _server_log_tail(self) -> str:
        return self.server_log.read_text()[-3000:] if self.server_log.exists() else ""

    def _start(self, timeout: int) -> "PostgresServer":
        options = f"-p {self.port} -k {self.datadir.parent} -c listen_addresses=127.0.0.1 -c fsync=off"
        pg_ctl = [str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-l", str(self.server_log), "start"]
        command = [*pg_ctl, "-w", "-t", str(timeout), "-o", options]
        try:
            _run(command, f"starting PostgreSQL on {self.port}", self.log)
        except RuntimeError as exc:
            # pg_ctl gives up after the timeout but leaves a slow postmaster running: stop it, or it outlives the
            # test (and its data directory, which the caller deletes).
            if "did not start in time" in str(exc):  # else the postmaster has exited already
                self._stop_if_started()
            raise RuntimeError(f"{exc}\nServer log:\n{self._server_log_tail()}") from None
        return self

    def _stop_if_started(self, grace: float = 10) -> None:
        # The postmaster writes its pid file early in its start-up; give a slow one the time to do so.
        deadline = time.monotonic() + grace
        while self.pid() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        self.stop()

    def pid(self) -> int | None:
        try:
            return int((self.datadir / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return None

    def stop(self) -> None:
        """Fast shutdown by pid; waits until the postmaster has gone (SIGKILL after 15 s)."""
        pid = self.pid()
        if pid is None:
            return
        try:
            os.kill(pid, signal.SIGINT)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 15
        while _alive(pid):
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                break
            time.sleep(0.1)

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(self.url, autocommit=True, connect_timeout=5)

    def execute(self, sql: str, *params: object) -> None:
        with self.connect() as conn:
            conn.execute(sql, params)

    def query_one(self, sql: str, *params: object) -> object:
        with self.connect() as conn:
            row = conn.execute(sql, params).fetchone()
        return row[0] if row else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
