"""The gunicorn side of multiprocess metrics: the shared directory and its cleanup."""

import os

from backend.observability import gunicorn_hooks


def test_a_configured_directory_is_created_and_kept(tmp_path, monkeypatch):
    target = tmp_path / "metrics"
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(target))

    assert gunicorn_hooks.multiprocess_dir_ensure() == str(target)
    assert target.is_dir()


def test_without_a_configured_directory_a_fresh_one_is_made_and_exported(monkeypatch):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "")  # restored to unset afterwards

    path = gunicorn_hooks.multiprocess_dir_ensure()

    assert os.environ["PROMETHEUS_MULTIPROC_DIR"] == path
    assert os.path.isdir(path)
    os.rmdir(path)


def test_clearing_removes_only_the_value_files_of_earlier_runs(tmp_path):
    (tmp_path / "counter_123.db").write_bytes(b"stale")
    (tmp_path / "histogram_456.db").write_bytes(b"stale")
    (tmp_path / "README").write_text("keep me")

    assert gunicorn_hooks.multiprocess_dir_clear(str(tmp_path)) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["README"]


def test_a_dead_workers_live_gauge_files_are_removed(tmp_path, monkeypatch):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    (tmp_path / "gauge_livesum_4242.db").write_bytes(b"")
    (tmp_path / "gauge_liveall_4242.db").write_bytes(b"")
    (tmp_path / "counter_4242.db").write_bytes(b"")

    gunicorn_hooks.worker_exited(4242)

    assert sorted(p.name for p in tmp_path.iterdir()) == ["counter_4242.db"]
