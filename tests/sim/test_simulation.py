"""A small simulated fortnight through the real services: files, contract keys, consistency, determinism."""
from __future__ import annotations

import json

import pytest

from simulation import SimConfig, simulate
from simulation.demand import Demand, sample_skus, season_factor
from simulation.setup import build_world

CONTRACT_KEYS = {"policy", "days", "seed", "lines", "on_time_lines", "on_time_rate", "backordered_lines",
                 "avg_stock_value", "transfer_cost", "penalties", "seconds"}
SMALL = SimConfig(days=12, seed=3, scale="small", policy="optimizer", drain_days=3)


@pytest.fixture(scope="module")
def fortnight(tmp_path_factory):
    out = tmp_path_factory.mktemp("sim")
    results = simulate(SMALL, out)
    return out, results


@pytest.mark.slow
def test_writes_the_report_its_plots_and_the_summary(fortnight):
    out, _ = fortnight
    report = (out / "report.md").read_text(encoding="utf-8")
    images = sorted(p.name for p in out.glob("*.png"))
    assert "on_time_by_month.png" in images and "on_time_by_centre.png" in images and len(images) >= 5
    for image in images:
        assert f"]({image})" in report
        assert (out / image).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_summary_carries_the_contract_keys(fortnight):
    out, _ = fortnight
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert CONTRACT_KEYS <= set(summary)
    assert summary["policy"] == "optimizer" and summary["days"] == 12 and summary["seed"] == 3
    assert set(summary["penalties"]) == {"hq_parts_planning", "center", "service_point"}
    assert float(summary["avg_stock_value"]) > 0


@pytest.mark.slow
def test_counts_are_consistent(fortnight):
    out, results = fortnight
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert 0 < s["on_time_lines"] <= s["lines"]
    assert s["backordered_lines"] <= s["lines"]
    assert s["on_time_rate"] == pytest.approx(s["on_time_lines"] / s["lines"], abs=1e-5)
    assert s["lines"] == len(results.lines)
    assert results.penalties.tickets > 0  # tickets went through record_event and the monthly report


@pytest.mark.slow
def test_the_same_seed_gives_the_same_summary(fortnight):
    _, first = fortnight
    again = simulate(SMALL)
    a, b = first.summary(), again.summary()
    a.pop("seconds"), b.pop("seconds")
    assert a == b


def test_policies_meet_the_same_demand():
    world = build_world("small", 5, 1.0)
    one, two = Demand(world.simulated, 5), Demand(world.simulated, 5)
    assert (one.day(40).sku == two.day(40).sku).all()
    assert len(one.day(40)) != len(one.day(41)) or (one.day(40).sku != one.day(41).sku).any()


def test_air_conditioner_parts_peak_in_summer():
    assert season_factor("summer", 196) > 1.5 > 0.5 > season_factor("summer", 15)
    assert season_factor("flat", 196) == 1.0


def test_a_sku_sample_keeps_head_and_tail():
    parts = build_world("small", 1, 1.0).full["parts"]
    sample = sample_skus(parts, 0.1, seed=1)
    assert len(sample) == pytest.approx(30, abs=1)
    demand = sorted(float(p["annual_demand"]) for p in parts)
    sampled = [float(p["annual_demand"]) for p in sample]
    assert max(sampled) > demand[len(demand) // 2] > min(sampled)
    assert {p.get("season") for p in sample} == {"summer", "flat"}


@pytest.mark.slow
def test_the_cli_prints_its_time_and_writes_the_summary(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from api.cli import cli

    monkeypatch.delenv("DATABASE_URL", raising=False)
    out = tmp_path / "cli"
    result = CliRunner().invoke(cli, ["simulate", "--days", "2", "--scale", "small", "--policy", "none",
                                      "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "simulated 2 days in" in result.output
    assert CONTRACT_KEYS <= set(json.loads((out / "summary.json").read_text(encoding="utf-8")))


def test_the_cli_refuses_a_bad_sku_share(tmp_path):
    from click.testing import CliRunner

    from api.cli import cli

    result = CliRunner().invoke(cli, ["simulate", "--days", "2", "--scale", "small", "--sku-share", "0",
                                      "--out", str(tmp_path)])
    assert result.exit_code != 0
    assert "sku-share" in result.output
