"""The throwaway PostgreSQL servers: finding the binaries (ordinary legs) and a failed start (make test-replicas)."""

import shutil
import socket

import pytest

from tests.support.postgres_server import PostgresServer, _alive, pg_bindir, private_workdir

TOOLS = ("initdb", "pg_ctl", "pg_basebackup")


def _install(root, version: str, tools=TOOLS):
    bindir = root / version / "bin"
    bindir.mkdir(parents=True)
    for tool in tools:
        (bindir / tool).write_text("")
    return bindir


def test_missing_binaries_are_an_error_that_says_how_to_install_them(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    _install(tmp_path, "16", tools=("initdb", "pg_ctl"))  # no pg_basebackup: unusable
    with pytest.raises(RuntimeError, match=r"apt-get install -y postgresql"):
        pg_bindir(debian_root=tmp_path)


def test_the_newest_complete_debian_version_is_chosen(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    _install(tmp_path, "9.6")
    newest = _install(tmp_path, "15")
    _install(tmp_path, "13")
    assert pg_bindir(debian_root=tmp_path) == newest


@pytest.mark.replicas
def test_a_server_that_does_not_start_in_time_is_stopped_not_left_running():
    # pg_ctl -t 0 gives up at once while the postmaster it launched goes on starting.
    workdir = private_workdir("sad-pg-start-failure-")
    server = None
    try:
        server = PostgresServer.initdb(workdir, "slow")
        with pytest.raises(RuntimeError, match="starting PostgreSQL"):
            server.start(timeout=0)
        pid = server.pid()
        assert pid is None or not _alive(pid)
        # A postmaster was really launched, and it was our stop() that ended it.
        assert "received fast shutdown request" in server.server_log.read_text()
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.mark.replicas
def test_a_server_whose_port_was_taken_meanwhile_starts_on_another_one():
    workdir = private_workdir("sad-pg-port-taken-")
    server = None
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        try:
            server = PostgresServer.initdb(workdir, "moved")
            server.port = squatter.getsockname()[1]  # as if another process took the free port first
            server.start()
            assert server.port != squatter.getsockname()[1]
            assert server.query_one("SELECT 1") == 1  # its url follows the new port
        finally:
            if server is not None:
                server.stop()
            shutil.rmtree(workdir, ignore_errors=True)
