"""A database that goes silent under an open connection (a network partition, a frozen host) fails the query sent
on it within DB_TCP_USER_TIMEOUT_MS, and keepalives find idle pooled connections dead: libpq's keepalives and
tcp_user_timeout (config/settings/base.py), down to the live connection's socket."""

import socket

import pytest
from django.db import connection

from tests.support.settings_process import settings_process

# The options config/settings/base.py gives every PostgreSQL connection by default.
DEFAULTS = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 3}


def _options(**env: str) -> tuple[int, str, str]:
    result = settings_process(
        "config.settings.test",
        "o = s.DATABASES['default']['OPTIONS']; r = s.DATABASES.get('replica_0', {}).get('OPTIONS', {});"
        f"print(repr({{k: o.get(k) for k in (*{tuple(DEFAULTS)!r}, 'tcp_user_timeout', 'connect_timeout')}}));"
        "print(repr({k: r.get(k) for k in ('keepalives', 'tcp_user_timeout')}))",
        unset={"DATABASE_URL", "DATABASE_REPLICA_URLS", "DB_TCP_USER_TIMEOUT_MS", "REDIS_URL"},
        **{"DATABASE_URL": "postgres://app@db.internal:5432/app", "REDIS_URL": "redis://cache.internal:6379/0", **env},
    )
    return result.returncode, result.stdout, result.stderr


def test_postgres_connections_get_keepalives_and_a_tcp_user_timeout_by_default():
    code, out, err = _options()

    assert code == 0, err
    assert out.splitlines()[0] == repr({**DEFAULTS, "tcp_user_timeout": 5000, "connect_timeout": 5})


def test_the_tcp_user_timeout_is_read_from_its_variable_and_reaches_the_replicas_too():
    code, out, err = _options(
        DB_TCP_USER_TIMEOUT_MS="2500", DATABASE_REPLICA_URLS="postgres://app@replica.internal:5432/app"
    )

    assert code == 0, err
    options, replica = out.splitlines()
    assert "'tcp_user_timeout': 2500" in options
    assert replica == repr({"keepalives": 1, "tcp_user_timeout": 2500})


def test_a_database_url_that_sets_them_keeps_its_own():
    code, out, err = _options(
        DATABASE_URL="postgres://app@db.internal:5432/app?keepalives_idle=60&tcp_user_timeout=9000",
        DB_TCP_USER_TIMEOUT_MS="2500",
    )

    assert code == 0, err
    assert "'keepalives_idle': 60," in out
    assert "'tcp_user_timeout': 9000," in out


def test_a_negative_tcp_user_timeout_is_refused_and_named():
    code, _, err = _options(DB_TCP_USER_TIMEOUT_MS="-1")

    assert code != 0
    assert "DB_TCP_USER_TIMEOUT_MS=-1 is too small: it must be at least 0." in err


@pytest.mark.django_db
def test_the_live_connection_s_socket_has_them_set_in_the_kernel():
    if connection.vendor != "postgresql":
        pytest.skip("libpq's options: PostgreSQL only")
    connection.ensure_connection()
    params = connection.get_connection_params()
    # The socket of the connection the pool handed this request, as the kernel holds it
    with socket.fromfd(connection.connection.fileno(), socket.AF_INET, socket.SOCK_STREAM) as sock:
        if sock.family == socket.AF_UNIX:
            pytest.skip("a Unix-domain socket: libpq ignores keepalives and tcp_user_timeout there")
        kernel = {
            "keepalives": sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE),
            "keepalives_idle": sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE),
            "keepalives_interval": sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL),
            "keepalives_count": sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT),
            "tcp_user_timeout": sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT),
        }

    assert {name: params[name] for name in kernel} == {**DEFAULTS, "tcp_user_timeout": 5000}
    assert kernel == {**DEFAULTS, "tcp_user_timeout": 5000}
