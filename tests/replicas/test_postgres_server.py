"""Finding PostgreSQL's server binaries for the throwaway servers (runs in the ordinary legs)."""

import pytest

from tests.support.postgres_server import pg_bindir

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
