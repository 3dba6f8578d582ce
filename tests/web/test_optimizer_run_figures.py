"""The HQ optimizer page shows, per finished run, the figures HQ decides with: the on-time rate,
units backordered, shipping cost and objective before -> after the run's plan, the lines it
changed, the transfers it proposed and its solve time, in the page's language. A run not done
shows blanks there and keeps its heartbeat."""
from __future__ import annotations

import html
import re
from datetime import timedelta

from inventory import planning
from inventory.db import make_session_factory, transaction, utcnow

from .conftest import text

OPTIMIZER = "/hq/optimizer"
BEFORE = {"on_time_units": 6, "late_units": 2, "unshipped_units": 2, "value": "58023.50", "cost": "1234.50",
          "objective": "56789.00", "feasible": True}
AFTER = {"on_time_units": 9, "late_units": 1, "unshipped_units": 0, "value": "61987.25", "cost": "987.25",
         "objective": "61000.00", "feasible": True}


def a_done_run(engine) -> str:
    """A run finished with the KPIs above, 3 lines changed, 2 transfers proposed in 1.234 s; its code."""
    with make_session_factory(engine)() as session, transaction(session):
        run = planning.create_run(session, trigger="api", actor="hq")
        run.started_at = utcnow() - timedelta(minutes=5)
        planning.mark_done(run, kpis_before=BEFORE, kpis_after=AFTER, solve_seconds=1.234, lines_changed=3,
                           lines_skipped=1, transfers_proposed=2)
        return run.code


def a_running_run(engine) -> str:
    """A run running, its start's last heartbeat 2 minutes ago; its code."""
    with make_session_factory(engine)() as session, transaction(session):
        run = planning.create_run(session, trigger="api", actor="hq")
        run.status, run.stage = "running", "solving"
        run.started_at = run.heartbeat_at = utcnow() - timedelta(minutes=2)
        session.flush()
        return run.code


def strip(cell: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).strip()


def columns(client, url: str, code: str) -> dict[str, str]:
    """Run `code`'s row of the runs table, each cell's text under its column's heading."""
    body = html.unescape(text(client.get(url)))
    table = re.search(r'<table id="runs"[^>]*>(.*?)</table>', body, re.S).group(1)
    headings = [strip(th) for th in re.findall(r"<th[^>]*>(.*?)</th>", table, re.S)]
    row = re.search(rf"<tr><td>{code}</td>.*?</tr>", table, re.S)
    assert row, f"no row for {code}"
    cells = [strip(td) for td in re.findall(r"<td[^>]*>(.*?)</td>", row.group(0), re.S)]
    assert len(cells) == len(headings)
    return dict(zip(headings, cells))


def test_a_finished_run_shows_its_figures_before_and_after_in_chinese(hq, engine):
    row = columns(hq, OPTIMIZER, a_done_run(engine))
    assert row["状态"] == "已完成"
    assert row["准时率"] == "60.0% → 90.0%"
    assert row["欠货数量"] == "2 → 0"
    assert row["运输费用（元）"] == "1,234.50 → 987.25"
    assert row["优化目标值（元）"] == "56,789 → 61,000"
    assert (row["变更行数"], row["建议调拨数"], row["用时（秒）"]) == ("3", "2", "1.23")


def test_a_finished_run_shows_its_figures_before_and_after_in_english(hq, engine):
    row = columns(hq, OPTIMIZER + "?lang=en", a_done_run(engine))
    assert row["Status"] == "done"
    assert row["On-time rate"] == "60.0% → 90.0%" and row["Units backordered"] == "2 → 0"
    assert row["Shipping cost (RMB)"] == "1,234.50 → 987.25" and row["Objective (RMB)"] == "56,789 → 61,000"
    assert (row["Lines changed"], row["Transfers proposed"], row["Time (s)"]) == ("3", "2", "1.23")


def test_the_figures_are_right_aligned_numbers(hq, engine):
    code = a_done_run(engine)
    row = re.search(rf"<tr><td>{code}</td>.*?</tr>", html.unescape(text(hq.get(OPTIMIZER))), re.S).group(0)
    assert len(re.findall(r'<td class="n[ "]', row)) == 7


def test_a_running_run_shows_blank_figures_and_its_heartbeat(hq, engine):
    row = columns(hq, OPTIMIZER, a_running_run(engine))
    assert "运行中" in row["状态"] and "最后心跳：2 分钟前" in row["状态"]
    assert [row[h] for h in ("准时率", "欠货数量", "运输费用（元）", "优化目标值（元）", "变更行数", "建议调拨数",
                             "用时（秒）")] == [""] * 7


def test_the_explanation_of_before_and_after_reads_in_the_page_s_language(hq, engine):
    a_done_run(engine)
    assert "各项数字为运行前 → 按本次方案运行后" in html.unescape(text(hq.get(OPTIMIZER)))
    assert "Figures before → after the run's plan." in html.unescape(text(hq.get(OPTIMIZER + "?lang=en")))
