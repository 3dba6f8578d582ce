"""A small simulated fortnight through the real services: files, contract keys, consistency, determinism."""
from __future__ import annotations

import json
import re
from dataclasses import replace

import numpy as np
import pytest

from simulation import SimConfig, simulate
from simulation.demand import Demand, sample, sample_skus
from simulation.hq_estimate import season_factor
from simulation.estimate import SkuTable
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
def test_every_late_line_has_one_cause(fortnight):
    out, results = fortnight
    details = json.loads((out / "details.json").read_text(encoding="utf-8"))
    late = results.lines.delivered & ~results.lines.on_time
    assert late.any()
    assert sum(c["lines"] for c in details["late_causes"].values()) == late.sum()
    assert sum(c["share"] for c in details["late_causes"].values()) == pytest.approx(late.sum() / len(results.lines))
    assert (results.lines.cause[~late] == "").all() and (results.lines.cause[late] != "").all()
    assert "## Why late lines were late" in (out / "report.md").read_text(encoding="utf-8")


@pytest.mark.slow
def test_weeks_add_up_to_the_run_and_carry_their_late_causes(fortnight):
    out, results = fortnight
    details = json.loads((out / "details.json").read_text(encoding="utf-8"))
    weeks = details["by_week"]
    assert [w["week"] for w in weeks] == [1, 2]                        # 12 days: a week and five days
    assert sum(w["lines"] for w in weeks) == len(results.lines)
    for w in weeks:
        mine = (results.lines.submitted_day // 7) == w["week"] - 1
        late = (results.lines.delivered & ~results.lines.on_time)[mine]
        assert sum(c for c in w["late_causes"].values()) == pytest.approx(late.sum() / mine.sum(), abs=1e-4)
        assert w["on_time_rate_all_skus"] == pytest.approx(results.lines.on_time[mine].mean(), abs=1e-4)


@pytest.mark.slow
def test_the_same_seed_gives_the_same_summary(fortnight):
    _, first = fortnight
    again = simulate(SMALL)
    a, b = first.summary(), again.summary()
    for timing in ("seconds", "cpu_seconds"):
        a.pop(timing), b.pop(timing)
    assert a == b


@pytest.mark.slow
def test_a_sampled_run_estimates_the_whole_catalogue(fortnight):
    _, full = fortnight
    sampled = simulate(SimConfig(days=12, seed=3, scale="small", policy="optimizer", drain_days=3, sku_share=0.5))
    estimate = sampled.summary()["estimate_all_skus"]
    assert len(sampled.lines) < 0.8 * len(full.lines)
    assert estimate["lines"] == pytest.approx(len(full.lines), rel=0.25)
    # stock counts each sku for its stratum (unbiased whatever the policy places, but noisier
    # than a ratio to opening stock): within three of its standard errors
    error = abs(float(estimate["avg_stock_value"]) - full.avg_stock_value)
    assert error < 3 * float(estimate["avg_stock_value_se"]), (error, estimate["avg_stock_value_se"])
    assert 0 < estimate["on_time_rate"] <= 1


@pytest.mark.slow
def test_every_possible_sku_sample_estimates_the_full_run(fortnight):
    """Skus share nothing, so a sample's estimate can be read off the full run: over all k
    possible 1-in-k samples the estimates centre on the full figures, and their spread is what
    the standard error says."""
    _, full = fortnight
    t = full.per_sku()
    row = {sku: i for i, sku in enumerate(t.sku)}
    k, figures = 10, []
    for offset in range(k):
        chosen = sample(full.world.full["parts"], 1 / k, seed=3, offset=offset)
        i = [row[s] for s in chosen.skus]
        sub = SkuTable(chosen.skus, np.arange(len(i)), np.array([chosen.weights[s] for s in chosen.skus]),
                       np.array([chosen.stock_weights[s] for s in chosen.skus]),
                       np.array([chosen.stratum_demand[s] for s in chosen.skus]),
                       np.array([chosen.stratum_stock[s] for s in chosen.skus]), t.lines[i], t.on_time[i],
                       t.backordered[i], t.stock[i], t.transfer_cost[i], chosen.share)
        figures.append((sub.total("lines"), sub.rate, sub.total("stock"), sub.rate_se, sub.stock_se()))
    lines, rate, stock, rate_se, stock_se = (np.array(f) for f in zip(*figures))
    print(f"truth: {t.total('lines'):.0f} lines, {t.rate:.4f}, {t.total('stock'):,.0f}; samples:", figures)
    # a sampled sku's demand differs from its stratum's estimate by its own multiplier (the hidden
    # truth, sigma 0.5), so line counts are noisy stand-ins; the rate and stock stay close
    assert lines.mean() == pytest.approx(t.total("lines"), rel=0.2)
    assert rate.mean() == pytest.approx(t.rate, abs=0.01)
    assert stock.mean() == pytest.approx(t.total("stock"), rel=0.05)
    assert 1 / 3 < rate.std() / rate_se.mean() < 3
    assert 1 / 3 < stock.std() / stock_se.mean() < 3


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
    sample, weights = sample_skus(parts, 0.1, seed=1)
    assert len(sample) == pytest.approx(30, abs=1)
    total = sum(float(p["annual_demand"]) for p in parts)
    assert sum(weights[p["sku"]] * float(p["annual_demand"]) for p in sample) == pytest.approx(total)
    demand = sorted(float(p["annual_demand"]) for p in parts)
    sampled = [float(p["annual_demand"]) for p in sample]
    assert max(sampled) > demand[len(demand) // 2] > min(sampled)
    assert {p.get("season") for p in sample} == {"summer", "flat"}


def simulate_cli(out, *args: str):
    """`parts simulate` on the small network into `out` (embedded database, no progress lines)."""
    from click.testing import CliRunner

    from api.cli import cli

    result = CliRunner().invoke(cli, ["simulate", "--scale", "small", "--out", str(out), "--quiet", *args])
    assert result.exit_code == 0, result.output
    return result, json.loads((out / "summary.json").read_text(encoding="utf-8"))


@pytest.mark.slow
def test_the_cli_prints_its_time_and_writes_the_summary(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    result, summary = simulate_cli(tmp_path / "cli", "--days", "2", "--policy", "none")
    assert "simulated 2 days in" in result.output
    assert CONTRACT_KEYS <= set(summary)


@pytest.mark.slow
def test_the_cli_runs_greedy_with_the_optimizers_transfers(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    out = tmp_path / "gt"
    _, summary = simulate_cli(out, "--days", "3", "--policy", "greedy_transfers")
    assert summary["policy"] == "greedy"
    assert "policy `greedy` + base-stock transfers" in (out / "report.md").read_text(encoding="utf-8")
    details = json.loads((out / "details.json").read_text(encoding="utf-8"))
    assert sum(details["daily"]["transfers"]) > 0  # greedy alone never ships a transfer
    assert re.fullmatch(r"[0-9a-f]{7,40}(-dirty)?", summary["code"]), summary["code"]


@pytest.mark.slow
def test_an_evening_wave_ships_what_the_day_left_and_lands_it_sooner():
    from simulation.tradeoff import EVENING

    base = SimConfig(days=4, seed=5, scale="small", policy="none", drain_days=2, tickets=False)
    usual, evening = simulate(base), simulate(replace(base, waves=EVENING))
    assert usual.log.calls["wave"] == 6 * 3 and evening.log.calls["wave"] == 6 * 4
    assert len(usual.lines) == len(evening.lines)  # the same demand
    assert np.nanmean(evening.lines.hours) < np.nanmean(usual.lines.hours)


def test_the_headline_says_when_runs_come_from_different_code():
    from simulation.compare import _code_note

    assert _code_note(["0a1b2c3"]) == "All runs from commit `0a1b2c3`."
    assert _code_note(["0a1b2c3", "4d5e6f7"]).startswith("**Runs from different or uncommitted code:**")
    assert "uncommitted" in _code_note(["0a1b2c3-dirty"])


def test_the_cli_refuses_a_bad_sku_share(tmp_path):
    from click.testing import CliRunner

    from api.cli import cli

    result = CliRunner().invoke(cli, ["simulate", "--days", "2", "--scale", "small", "--sku-share", "0",
                                      "--out", str(tmp_path)])
    assert result.exit_code != 0
    assert "sku-share" in result.output


def test_the_per_sku_table_survives_details_json():
    t = SkuTable(["a", "b", "c"], np.arange(3), np.array([2.0, 3.0, 5.0]), np.array([2.0, 2.5, 5.0]),
                 np.array([20.0, 30.0, 50.0]), np.array([200.0, 250.0, 500.0]), np.array([10.0, 10.0, 10.0]),
                 np.array([9.0, 10.0, 8.0]), np.zeros(3), np.array([100.0, 90.0, 110.0]), np.zeros(3), 0.5)
    back = SkuTable.from_rows(json.loads(json.dumps(t.rows())))
    assert back.rate == pytest.approx(t.rate) == pytest.approx((18 + 30 + 40) / 100)
    assert back.total("stock") == pytest.approx(2 * 100 + 2.5 * 90 + 5 * 110)
    assert back.rate_se == pytest.approx(t.rate_se) and t.rate_se > 0
    assert t.difference_se(back) == 0.0  # the same policy twice: no difference, no error


def test_the_tradeoff_curve_is_drawn_from_its_points(tmp_path):
    from simulation.tradeoff import crossing, render

    points = [{"cover": c, "lines": 1000, "on_time_lines": round(1000 * r), "on_time_rate": r, "on_time_rate_se": 0.001,
               "avg_stock_value": s, "regional_stock_value": None, "seconds": 1.0}
              for c, s, r in ((1, 1e6, 0.95), (4, 4e6, 0.995), (2, 2e6, 0.985))]
    summary = render({"scale": "national", "seed": 1, "days": 105, "warmup_days": 28, "start": "2025-05-15",
                      "sku_share": 0.02, "points": points, "seconds": 3.0}, tmp_path)
    assert [p["cover"] for p in summary["points"]] == [1, 2, 4]
    assert summary["stock_for"]["0.99"] == pytest.approx(crossing([1e6, 2e6, 4e6], [0.95, 0.985, 0.995], 0.99))
    assert 2e6 < summary["stock_for"]["0.99"] < 4e6 and summary["stock_for"]["0.999"] is None
    text = (tmp_path / "tradeoff.md").read_text(encoding="utf-8")
    assert "99.9% on time: not reached" in text and (tmp_path / "tradeoff.png").read_bytes()[:4] == b"\x89PNG"


def test_holding_slower_skus_regionally_is_its_own_curve_and_can_reach_a_target_first(tmp_path):
    from simulation.tradeoff import render, series

    def pt(cover, stock, rate, min_mean=0.05):
        return {"cover": cover, "lines": 1000, "on_time_lines": round(1000 * rate), "on_time_rate": rate,
                "on_time_rate_se": 0.001, "avg_stock_value": stock, "regional_stock_value": None, "seconds": 1.0,
                "min_mean": min_mean}

    points = [pt(1, 1e6, 0.95), pt(4, 4e6, 0.97), pt(8, 8e6, 0.975), pt(4, 5e6, 0.985, 0.01), pt(4, 6e6, 0.998, 0.001)]
    summary = render({"scale": "national", "seed": 1, "days": 105, "warmup_days": 28, "start": "2025-05-15",
                      "sku_share": 0.01, "points": points, "seconds": 3.0}, tmp_path)
    (first, usual), (second, held) = series(summary["points"])
    assert [p["cover"] for p in usual] == [1, 4, 8] and [p["min_mean"] for p in held] == [0.05, 0.01, 0.001]
    assert 5e6 < summary["stock_for"]["0.99"] < 6e6 and summary["reached_by"]["0.99"] == second
    assert summary["stock_for"]["0.999"] is None
    text = (tmp_path / "tradeoff.md").read_text(encoding="utf-8")
    assert "| 4x | 0.001 |" in text and f"({second})" in text


@pytest.mark.slow
def test_the_planned_policy_places_its_budget_and_reports_it(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    out = tmp_path / "planned"
    _, summary = simulate_cli(out, "--days", "8", "--policy", "planned", "--budget", "600000", "--seed", "2")
    assert summary["policy"] == "planned" and summary["budget"] == "600000.00"
    assert float(summary["purchase_cost"]) > 0 and summary["forecast_mape"] is not None
    details = json.loads((out / "details.json").read_text(encoding="utf-8"))
    assert sum(details["daily"]["transfers"]) > 0
    assert "## Forecast against the truth" in (out / "report.md").read_text(encoding="utf-8")
    assert (out / "forecast_vs_truth.png").exists()


def test_the_cli_refuses_a_budget_without_the_planned_policy(tmp_path):
    from click.testing import CliRunner

    from api.cli import cli

    for args in (["--policy", "optimizer", "--budget", "1000"], ["--policy", "planned", "--budget", "-5"]):
        result = CliRunner().invoke(cli, ["simulate", "--days", "2", "--scale", "small", "--out", str(tmp_path), *args])
        assert result.exit_code != 0 and "budget" in result.output


def test_the_cli_takes_the_pick_waves_and_refuses_bad_ones(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from api.cli import cli

    monkeypatch.delenv("DATABASE_URL", raising=False)
    for bad in ("9,25", "nine", ",", "-1,9", "9,13", "1,2,3,4,5,6,7,8,9,10,11,12,13"):
        args = ["--tradeoff"] if bad == "9,13" else []
        result = CliRunner().invoke(cli, ["simulate", "--days", "1", "--scale", "small", "--out", str(tmp_path),
                                          "--waves", bad, *args])
        assert result.exit_code != 0 and "--waves" in result.output, bad
    out = tmp_path / "evening"
    result = CliRunner().invoke(cli, ["simulate", "--days", "1", "--scale", "small", "--quiet", "--out", str(out),
                                      "--waves", "21,9,13,17"])
    assert result.exit_code == 0, result.output
    details = json.loads((out / "details.json").read_text(encoding="utf-8"))
    assert details["config"]["waves"] == [9.0, 13.0, 17.0, 21.0]
    assert details["seconds"]["event_counts"]["wave"] >= 4


def test_the_stock_plan_is_its_own_curve_by_budget(tmp_path):
    from simulation.tradeoff import PLANNED_LABEL, render, series

    def pt(stock, rate, budget=None):
        return {"cover": 1.0, "policy": "planned" if budget else "optimizer", "budget": budget, "lines": 1000,
                "on_time_lines": round(1000 * rate), "on_time_rate": rate, "on_time_rate_se": 0.001,
                "avg_stock_value": stock, "regional_stock_value": None, "seconds": 1.0}

    points = [pt(1e6, 0.95), pt(2e6, 0.99, budget=2e6), pt(1e6, 0.985, budget=1e6)]
    summary = render({"scale": "national", "seed": 1, "days": 105, "warmup_days": 28, "start": "2025-05-15",
                      "sku_share": 0.01, "points": points, "seconds": 3.0}, tmp_path)
    (_, usual), (label, planned) = series(summary["points"])
    assert len(usual) == 1 and label == PLANNED_LABEL and [p["budget"] for p in planned] == [1e6, 2e6]
    assert summary["reached_by"]["0.99"] == PLANNED_LABEL
    assert "| planned | 1,000,000 RMB |" in (tmp_path / "tradeoff.md").read_text(encoding="utf-8")


@pytest.mark.slow
def test_a_year_in_shards_merges_to_the_figures_of_one_run(fortnight, tmp_path):
    from simulation.shards import simulate_sharded

    _, whole = fortnight
    out = tmp_path / "shards"
    sharded = simulate_sharded(SMALL, shards=2, out=out, workers=2)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert CONTRACT_KEYS <= set(summary) and summary["lines"] == len(sharded.lines)
    assert len(sharded.lines) == pytest.approx(len(whole.lines), rel=0.15)   # the same demand model, other draws
    assert len(set(sharded.lines.id.tolist())) == len(sharded.lines)
    halves = [{p["sku"] for p in build_world("small", 3, 1.0, shard=(i, 2)).simulated["parts"]} for i in range(2)]
    assert not halves[0] & halves[1] and halves[0] | halves[1] == {p["sku"] for p in whole.world.simulated["parts"]}
    assert set(sharded.lines.sku) <= halves[0] | halves[1]
    assert sharded.on_time_rate == pytest.approx(whole.on_time_rate, abs=0.05)
    assert sharded.avg_stock_value == pytest.approx(whole.avg_stock_value, rel=0.1)
    assert sum(sharded.log.transfers) > 0 and len(sharded.log.stock) == len(whole.log.stock)
    assert (out / "report.md").exists() and sharded.phase_seconds["shards"] == 2


def test_late_lines_by_demand_tenth_split_the_catalogue_fastest_first():
    """Twenty skus, each standing for 10: demand 20..1 per sku; the two slowest late on half their lines."""
    n = 20
    demand = np.arange(n, 0, -1, dtype=float)                         # per sku of the stratum, fastest first
    lines = demand.copy()
    on_time = np.where(np.arange(n) >= n - 2, lines / 2, lines)
    t = SkuTable([f"s{i}" for i in range(n)], np.arange(n), np.ones(n), np.full(n, 10.0), demand * 10.0,
                 np.full(n, 1000.0), lines, on_time, np.zeros(n), np.arange(n, dtype=float), np.zeros(n), 0.05)
    rows = t.by_demand_tenth()
    assert [r["tenth"] for r in rows] == list(range(1, 11)) and all(r["skus"] == 20.0 for r in rows)
    assert [r["lines"] for r in rows] == [demand[2 * k] + demand[2 * k + 1] for k in range(10)]
    assert [r["late_share"] for r in rows[:9]] == [0.0] * 9 and rows[9]["late_share"] == 0.5
    assert sum(r["late_lines"] for r in rows) == pytest.approx(t.total("lines") - t.total("on_time"))
    assert sum(r["stock"] for r in rows) == pytest.approx(t.total("stock"))


def test_hq_buys_to_its_first_plan_the_night_it_is_made(tmp_path, monkeypatch):
    """The year opens on a Wednesday: the first plan's purchases go out that night, as the
    product proposes them with every plan it keeps, not at the next Monday's review."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    _, summary = simulate_cli(tmp_path / "one", "--days", "1", "--policy", "planned", "--budget", "600000",
                              "--seed", "2")
    assert float(summary["purchase_cost"]) > 0
