"""The project's PostgreSQL backend (backend/common/postgresql/base.py): the pool's socket-only check and the
C-parsed timestamps. Against the real server of the PostgreSQL leg; the SQLite leg has no PostgreSQL to ask."""

import datetime
import select
import socket
import struct
import threading
import time

import psycopg
import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import register_tzloader
from psycopg.pq import Format
from psycopg_pool import ConnectionPool

from backend.common.postgresql import base as postgresql_base
from backend.common.postgresql.base import UtcTimestamptzLoader, connection_check

TIMESTAMPTZ_OID = psycopg.postgres.types["timestamptz"].oid
pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL leg only")


def _dsn() -> str:
    params = connection.get_connection_params()
    return psycopg.conninfo.make_conninfo(
        **{key: value for key, value in params.items() if key in {"host", "port", "user", "password"}},
        dbname="postgres",
    )


def _last_query(observer: psycopg.Connection, pid: int) -> tuple[str, datetime.datetime]:
    row = observer.execute("SELECT query, state_change FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()
    assert row is not None
    return row[0], row[1]


def _wait_readable(conn: psycopg.Connection, seconds: float = 10.0) -> None:
    poller = select.poll()
    poller.register(conn.fileno(), select.POLLIN)
    assert poller.poll(int(seconds * 1000)), "the server never wrote to the terminated connection"


@pytest.fixture
def observer():
    with psycopg.connect(_dsn(), autocommit=True) as conn:
        yield conn


def test_a_connection_whose_backend_was_terminated_fails_the_check(observer):
    with psycopg.connect(_dsn(), autocommit=True) as conn:
        connection_check(conn)  # handed out moments ago: the next check only looks at the socket, unless it reads
        observer.execute("SELECT pg_terminate_backend(%s)", [conn.info.backend_pid])
        _wait_readable(conn)

        with pytest.raises(psycopg.OperationalError):
            connection_check(conn)


def test_a_closed_connection_fails_the_check():
    conn = psycopg.connect(_dsn(), autocommit=True)
    conn.close()

    with pytest.raises(psycopg.OperationalError):
        connection_check(conn)


def test_a_connection_handed_out_moments_ago_passes_the_check_without_a_round_trip(observer):
    with psycopg.connect(_dsn(), autocommit=True) as conn:
        connection_check(conn)  # its first check is the full one
        conn.execute("SELECT 'in use'")
        before = _last_query(observer, conn.info.backend_pid)

        connection_check(conn)

        assert _last_query(observer, conn.info.backend_pid) == before
        # What it saves: psycopg's own check is a query, which the server records.
        ConnectionPool.check_connection(conn)
        assert _last_query(observer, conn.info.backend_pid)[1] > before[1]


def test_a_connection_idle_for_longer_gets_the_full_check(observer, monkeypatch):
    monkeypatch.setattr(postgresql_base, "QUIET_CHECK_MAX_IDLE_SECONDS", 0.05)
    with psycopg.connect(_dsn(), autocommit=True) as conn:
        connection_check(conn)
        time.sleep(0.1)
        before = _last_query(observer, conn.info.backend_pid)

        connection_check(conn)

        assert _last_query(observer, conn.info.backend_pid)[1] > before[1]


class _VanishingProxy:
    """TCP between the client and PostgreSQL whose server side can vanish without a word to the client (a host
    crash, a failover behind a virtual IP, a NAT that dropped the flow): the client's next packet gets a reset."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream, self.flows = upstream, []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            flow = {"client": client, "server": server, "gone": False}
            self.flows.append(flow)
            threading.Thread(target=self._pump, args=(flow, client, server), daemon=True).start()
            threading.Thread(target=self._pump, args=(flow, server, client), daemon=True).start()

    @staticmethod
    def _pump(flow: dict, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                if flow["gone"]:
                    if source is flow["client"]:  # answered with a reset, as by a host that forgot the flow
                        source.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                        source.close()
                    return
                sink.sendall(data)
        except OSError:
            pass

    def vanish(self) -> None:
        for flow in self.flows:
            flow["gone"] = True
            flow["server"].close()

    def close(self) -> None:
        self.listener.close()


def test_the_pool_replaces_a_connection_whose_server_vanished_silently_once_it_was_idle(monkeypatch):
    monkeypatch.setattr(postgresql_base, "QUIET_CHECK_MAX_IDLE_SECONDS", 0.2)
    params = connection.get_connection_params()
    proxy = _VanishingProxy((params.get("host") or "127.0.0.1", int(params.get("port") or 5432)))
    dsn = psycopg.conninfo.make_conninfo(_dsn(), host="127.0.0.1", port=proxy.port)
    pool = ConnectionPool(dsn, min_size=1, max_size=1, check=connection_check, open=True, kwargs={"autocommit": True})
    try:
        with pool.connection() as conn:
            first_pid = conn.info.backend_pid
        proxy.vanish()
        time.sleep(0.4)

        with pool.connection(timeout=10) as conn:
            assert conn.execute("SELECT pg_backend_pid()").fetchone()[0] != first_pid
    finally:
        pool.close()
        proxy.close()


def test_a_connection_the_server_wrote_to_gets_the_full_check_and_passes_it(observer):
    with psycopg.connect(_dsn(), autocommit=True) as conn:
        conn.execute("LISTEN backend_check")
        connection_check(conn)  # handed out moments ago: the next check only looks at the socket, unless it reads
        observer.execute("NOTIFY backend_check")
        _wait_readable(conn)
        before = _last_query(observer, conn.info.backend_pid)

        connection_check(conn)

        assert _last_query(observer, conn.info.backend_pid)[1] > before[1]
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_the_pool_replaces_a_connection_whose_backend_was_terminated(observer):
    pool = ConnectionPool(
        _dsn(), min_size=1, max_size=1, check=connection_check, open=True, kwargs={"autocommit": True}
    )
    try:
        with pool.connection() as conn:
            first_pid = conn.info.backend_pid
        observer.execute("SELECT pg_terminate_backend(%s)", [first_pid])
        deadline = time.monotonic() + 10
        while observer.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [first_pid]).fetchone():
            assert time.monotonic() < deadline, "the backend did not exit"
            time.sleep(0.02)

        with pool.connection() as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
            assert conn.info.backend_pid != first_pid
    finally:
        pool.close()


def test_djangos_pool_is_given_the_socket_check(settings):
    pool = connection.pool
    if pool is None:
        pytest.skip("this run's DATABASES has no pool option")
    assert pool._check is connection_check


@pytest.mark.django_db
def test_timestamps_load_as_djangos_loader_loads_them_in_utc():
    texts = [
        "2024-03-31 01:59:59.999999+00",
        "2024-03-31 03:30:00+02",
        "1999-12-31 23:00:00-05:30",
        "0001-01-01 00:00:00+00",
        "9999-12-31 23:59:59.999999+00",
    ]
    query = "SELECT " + ", ".join(["%s::timestamptz"] * len(texts))
    with connection.cursor() as cursor:
        cursor.execute(query, texts)
        ours = cursor.fetchone()
    with connection.cursor() as cursor:
        register_tzloader(datetime.UTC, cursor.cursor)  # Django's own pure-Python loader, on this cursor only
        cursor.execute(query, texts)
        djangos = cursor.fetchone()

    assert ours == djangos
    assert [value.tzinfo for value in ours] == [datetime.UTC] * len(texts)
    with connection.cursor() as cursor:
        assert cursor.cursor.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT) is UtcTimestamptzLoader
    assert [value.tzinfo for value in djangos] == [datetime.UTC] * len(texts)


@pytest.mark.django_db
def test_timestamps_stay_utc_when_the_session_time_zone_is_changed():
    with connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'Asia/Kolkata'")
        try:
            cursor.execute("SELECT '2024-06-01 12:00:00+00'::timestamptz")
            (value,) = cursor.fetchone()
        finally:
            cursor.execute("SET TIME ZONE 'UTC'")

    assert value == datetime.datetime(2024, 6, 1, 12, tzinfo=datetime.UTC)
    assert value.tzinfo is datetime.UTC


def test_opening_a_connection_to_a_server_that_never_answers_gives_up_at_the_connect_timeout():
    # Given a server that accepts the TCP connection and never says a word (a hung host; a blackholed address holds
    # the handshake the same way), and the project's connection parameters pointed at it
    silent = socket.create_server(("127.0.0.1", 0))
    params = {**connection.get_connection_params(), "host": "127.0.0.1", "port": silent.getsockname()[1]}
    outcome: list[BaseException] = []

    def open_connection() -> None:
        try:
            psycopg.connect(**params).close()
        except BaseException as error:  # what the attempt ended with is the result
            outcome.append(error)

    # When a connection is opened (in a thread: without a connect_timeout it would wait for ever)
    attempt = threading.Thread(target=open_connection, daemon=True)
    attempt.start()
    attempt.join(timeout=60)
    silent.close()

    # Then the attempt gave up by itself, as libpq's connect_timeout (DB_CONNECT_TIMEOUT) says
    assert params["connect_timeout"] == 5
    assert not attempt.is_alive(), "still waiting for the server: no connect_timeout"
    assert isinstance(outcome[0], psycopg.OperationalError)
    assert "timeout expired" in str(outcome[0])
