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
    assert gunicorn_hooks.multiprocess_dir_remove_created() is True  # gunicorn's on_exit
    assert not os.path.exists(path)


def test_on_exit_leaves_a_configured_directory_alone(tmp_path, monkeypatch):
    conf = _load_gunicorn_conf(monkeypatch, tmp_path)
    (tmp_path / "counter_1.db").write_bytes(b"")

    conf["on_exit"](server=None)

    assert (tmp_path / "counter_1.db").exists()


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


def _load_gunicorn_conf(monkeypatch, metrics_dir, **env: str) -> dict:
    import runpy
    from pathlib import Path

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(metrics_dir))
    for name in ("LOG_FORMAT", "DJANGO_SETTINGS_MODULE", "GUNICORN_ACCESS_LOG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(Path(__file__).resolve().parents[3] / "config" / "gunicorn.conf.py"))


def test_gunicorn_conf_clears_the_directory_on_start_and_marks_dead_workers(tmp_path, monkeypatch):
    conf = _load_gunicorn_conf(monkeypatch, tmp_path)
    (tmp_path / "counter_77.db").write_bytes(b"stale")
    (tmp_path / "gauge_livesum_88.db").write_bytes(b"")

    conf["on_starting"](server=None)
    assert not (tmp_path / "counter_77.db").exists()

    (tmp_path / "gauge_livesum_88.db").write_bytes(b"")
    conf["child_exit"](server=None, worker=type("Worker", (), {"pid": 88})())
    assert not (tmp_path / "gauge_livesum_88.db").exists()


def test_gunicorn_logs_json_by_default_and_readable_lines_under_local_settings(tmp_path, monkeypatch):
    production = _load_gunicorn_conf(monkeypatch, tmp_path)["logconfig_dict"]
    local = _load_gunicorn_conf(monkeypatch, tmp_path, DJANGO_SETTINGS_MODULE="config.settings.local")["logconfig_dict"]
    forced = _load_gunicorn_conf(
        monkeypatch, tmp_path, DJANGO_SETTINGS_MODULE="config.settings.local", LOG_FORMAT="json"
    )["logconfig_dict"]

    def renderer(config: dict) -> str:
        return type(config["formatters"]["structured"]["processors"][-1]).__name__

    assert (renderer(production), renderer(local), renderer(forced)) == (
        "JSONRenderer",
        "ConsoleRenderer",
        "JSONRenderer",
    )
    assert set(production["loggers"]) == {"gunicorn.error", "gunicorn.access"}
    assert all(not logger["propagate"] for logger in production["loggers"].values())


def test_gunicorns_access_log_is_off_unless_asked_for(tmp_path, monkeypatch):
    default = _load_gunicorn_conf(monkeypatch, tmp_path)["accesslog"]
    on = _load_gunicorn_conf(monkeypatch, tmp_path, GUNICORN_ACCESS_LOG="true")["accesslog"]

    assert (default, on) == (None, "-")


def _gunicorn_logger(conf: dict):
    from gunicorn.config import Config

    config = Config()
    for name in ("accesslog", "logconfig_dict", "logger_class", "errorlog", "loglevel"):
        config.set(name, conf[name])
    return config.logger_class(config)


def test_gunicorns_access_log_stays_off_with_the_json_log_config_unless_asked_for(tmp_path, monkeypatch):
    # (gunicorn turns its access log on whenever logconfig_dict is set: every request was logged twice)
    default = _gunicorn_logger(_load_gunicorn_conf(monkeypatch, tmp_path))
    on = _gunicorn_logger(_load_gunicorn_conf(monkeypatch, tmp_path, GUNICORN_ACCESS_LOG="true"))

    assert (default.access_log_enabled, on.access_log_enabled) == (False, True)
