"""Ratios against both floors, the Markdown the docs take, the targets and the capacity model (no speed asserted)."""

import pytest

from bench.capacity import cpu_ms_per_request, targets
from bench.markdown import document
from bench.report import REQUIRED_KEYS, missing, summarize
from bench.scenarios import NAMES
from bench.server import Usage
from bench.wrk import Run


def _run(rps: float, cpu_s: float = 0.0, usage: Usage | None = None) -> Run:
    usage = usage or Usage(user_s=cpu_s)
    return Run(rps=rps, p50_ms=1, p90_ms=2, p99_ms=3, errors=0, non_2xx=0, requests=int(rps), usage=usage)


def test_each_scenario_is_compared_with_both_floors_round_by_round():
    runs = {
        "floor-plain": [_run(1000, 1.0), _run(500, 1.0)],
        "floor-django": [_run(800, 1.0), _run(400, 1.0)],
        "list-warm": [_run(500, 1.0), _run(250, 1.0)],
    }

    summary = summarize(runs)

    assert summary["list-warm"]["ratio_to_floor_plain"] == 0.5
    assert summary["list-warm"]["ratio_to_floor_django"] == 0.625
    assert summary["floor-django"]["ratio_to_floor_plain"] == 0.8
    assert summary["list-warm"]["cpu_ratio_to_floor_plain"] == 0.5
    assert set(REQUIRED_KEYS) <= set(summary["list-warm"])


def test_the_server_cpu_is_split_per_request_as_the_median_over_the_rounds():
    runs = {
        "create": [
            _run(1000, usage=Usage(user_s=1.5, system_s=0.5, voluntary_switches=14000, involuntary_switches=8000)),
            _run(500, usage=Usage(user_s=0.8, system_s=0.2, voluntary_switches=7500, involuntary_switches=4500)),
            _run(2000, usage=Usage(user_s=3.4, system_s=0.6, voluntary_switches=30000, involuntary_switches=16000)),
        ],
    }

    split = summarize(runs)["create"]["per_request"]

    assert split == {
        "cpu_user_ms": 1.6,
        "cpu_system_ms": 0.4,
        "voluntary_switches": 15.0,
        "involuntary_switches": 8.0,
    }


@pytest.fixture
def results() -> dict:
    # The req/CPU-s of the run recorded on 2026-11-23 (docs/performance.md), floor-plain made up.
    per_core = {
        "floor-plain": 2000,
        "floor-django": 1315,
        "list-warm": 722,
        "list-cold": 338,
        "detail": 777,
        "stats": 770,
        "create": 399,
        "update": 295,
        "login": 4.8,
    }
    scenarios = {}
    for name in NAMES:
        rate = per_core.get(name, 500)
        scenarios[name] = {
            "rps": rate,
            "p50_ms": 1.0,
            "p90_ms": 2.0,
            "p99_ms": 3.0,
            "errors": 0,
            "non_2xx": 0,
            "rps_per_core": rate,
            "ratio_to_floor_plain": rate / 2000,
            "cpu_ratio_to_floor_plain": rate / 2000,
            "ratio_to_floor_django": rate / 1315,
            "cpu_ratio_to_floor_django": rate / 1315,
            "connection_spread_each": [[8, 8]],
            "per_request": {
                "cpu_user_ms": 1.25,
                "cpu_system_ms": 0.25,
                "voluntary_switches": 14.0,
                "involuntary_switches": 8.5,
            },
        }
    return {
        "scenarios": scenarios,
        "auth_cpu_ms": 0.09,
        "auth_cpu_ms_parts": {},
        "worker_rss_mb": 104.4,
        "worker_rss_mb_each": {},
        "machine": {},
        "date": "2026-12-05",
        "config": {"big_user_tasks": 100000},
        "overrides": [{"name": "RATE_LIMIT_USER", "value": "1000000/1m", "reason": "so the load is not refused"}],
    }


def test_the_markdown_carries_both_floors_the_targets_the_overrides_and_the_capacity_model(results):
    text = document(results)
    assert "x floor-plain" in text
    assert "x floor-django" in text
    assert "| `list-warm` | >= 0.5x floor-plain |" in text
    assert "RATE_LIMIT_USER" in text
    assert "| 0.50 | 2.44 ms | 409 |" in text  # the capacity model of the 2026-11-23 run, recomputed
    assert "8/8" in text
    assert "| create | 1.25 | 0.25 | 14.0 | 8.5 |" in text  # the server's CPU split per request
    assert missing(results, NAMES) == []


def test_the_capacity_model_is_the_mix_weighted_cpu(results):
    assert cpu_ms_per_request(results, 0.5) == pytest.approx(2.444, abs=0.002)


def test_targets_say_met_or_missed_against_floor_plain(results):
    verdicts = {t.name: t.met for t in targets(results)}
    assert verdicts["`list-warm`"] is False  # 722 / 2000
    assert verdicts["`floor-django`"] is False  # 1315 / 2000
    assert verdicts["worker RSS after the run"] is True


def test_each_hot_scenario_is_held_against_the_better_peer_for_its_kind_of_request(results):
    results["scenarios"]["list-cold"]["ratio_to_floor_plain"] = 0.116  # level with the FastAPI template: not ahead
    results["scenarios"]["update"]["ratio_to_floor_plain"] = 0.14  # above its create's 0.137

    verdicts = {t.name: (t.wanted, t.met) for t in targets(results)}

    assert verdicts["`list-warm` vs the peers"] == (
        "> 0.116x floor-plain (the FastAPI full-stack template 0.10.0)",
        True,  # 722 / 2000
    )
    assert verdicts["`list-cold` vs the peers"][1] is False
    assert verdicts["`create` vs the peers"] == ("> 0.137x floor-plain (the FastAPI full-stack template 0.10.0)", True)
    assert verdicts["`update` vs the peers"][1] is True
