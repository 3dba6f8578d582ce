"""The HQ run tables (optimizer runs, stock plan runs) show a running run's last heartbeat, warn
when it is silent past `RUNS_STALLED_RUNNING_SECONDS` with what beat's sweep will do to it (send it
again, or fail a stock plan run asked for over 6 hours ago), and how often the sweep re-sent it;
a finished run shows none of it."""
from __future__ import annotations

import html
import re
from datetime import timedelta

from inventory import planning
from inventory.db import make_session_factory, transaction, utcnow

from .conftest import text

OPTIMIZER, PLANS = "/hq/optimizer", "/hq/plans"


def a_run(engine, model, *, status: str = "running", heartbeat_minutes: float | None = None, requeued: int = 0,
          asked_hours_ago: float = 1.0) -> str:
    """An optimizer or stock plan run asked for `asked_hours_ago`, in `status`, its start's last
    heartbeat `heartbeat_minutes` ago, re-sent `requeued` times; its code."""
    asked = utcnow() - timedelta(hours=asked_hours_ago)
    with make_session_factory(engine)() as session, transaction(session):
        run = model(trigger="api", created_by="hq", created_at=asked, status=status, requeued=requeued)
        session.add(run)
        if heartbeat_minutes is not None:
            run.started_at = run.heartbeat_at = utcnow() - timedelta(minutes=heartbeat_minutes)
        if status in ("done", "failed"):
            run.finished_at = utcnow()
        session.flush()
        return run.code


def row_of(client, url: str, code: str) -> str:
    """The table row of run `code` on the page at `url`, its text unescaped."""
    body = html.unescape(text(client.get(url)))
    row = re.search(rf"<tr[^>]*><td>{code}</td>.*?</tr>", body, re.S)
    assert row, f"no row for {code} on {url}"
    return row.group(0)


def test_a_running_optimizer_run_shows_when_it_last_beat(hq, engine):
    code = a_run(engine, planning.OptimizerRun, heartbeat_minutes=2)
    row = row_of(hq, OPTIMIZER, code)
    assert "运行中" in row and "最后心跳：2 分钟前" in row
    assert "无心跳" not in row and "重新派发" not in row


def test_a_running_plan_run_shows_when_it_last_beat_in_seconds_under_a_minute(hq, engine):
    code = a_run(engine, planning.StockPlanRun, heartbeat_minutes=0.5)
    row = row_of(hq, PLANS, code)
    assert re.search(r"最后心跳：(3\d|4\d) 秒前", row), row
    assert "无心跳" not in row


def test_an_optimizer_run_silent_past_the_threshold_warns_it_will_be_sent_again(hq, engine):
    code = a_run(engine, planning.OptimizerRun, heartbeat_minutes=16, asked_hours_ago=8)
    row = row_of(hq, OPTIMIZER, code)
    assert "已 16 分钟无心跳，将自动重新派发" in row and "warn-text" in row
    assert "最后心跳" not in row


def test_a_plan_run_silent_past_the_threshold_warns_it_will_be_sent_again(hq, engine):
    code = a_run(engine, planning.StockPlanRun, heartbeat_minutes=16, asked_hours_ago=1)
    assert "已 16 分钟无心跳，将自动重新派发" in row_of(hq, PLANS, code)


def test_a_plan_run_asked_for_over_six_hours_ago_and_silent_warns_it_will_be_failed(hq, engine):
    code = a_run(engine, planning.StockPlanRun, heartbeat_minutes=20, asked_hours_ago=7)
    row = row_of(hq, PLANS, code)
    assert "已 20 分钟无心跳，且提交已超过 6 小时，将自动判为失败，请重新生成计划" in row
    assert "将自动重新派发" not in row


def test_the_warning_follows_the_sweeps_configured_threshold(app, hq, engine):
    code = a_run(engine, planning.OptimizerRun, heartbeat_minutes=6)
    assert "最后心跳：6 分钟前" in row_of(hq, OPTIMIZER, code)
    app.config["RUNS_STALLED_RUNNING_SECONDS"] = 300
    assert "已 6 分钟无心跳，将自动重新派发" in row_of(hq, OPTIMIZER, code)


def test_what_the_page_warns_is_what_the_sweep_does(hq, engine):
    warned = {code: row_of(hq, PLANS, code) for code in (
        a_run(engine, planning.StockPlanRun, heartbeat_minutes=16, asked_hours_ago=1),
        a_run(engine, planning.StockPlanRun, heartbeat_minutes=16, asked_hours_ago=7))}
    with make_session_factory(engine)() as session, transaction(session):
        stalled = planning.requeue_stalled(session)
    for code, row in warned.items():
        assert ("将自动判为失败" in row) == (code in stalled.abandoned)
        assert ("将自动重新派发" in row) == (planning.parse_plan_run_code(code) in stalled.plan_runs)


def test_a_requeued_run_shows_how_often_it_was_sent_again(hq, engine):
    running = a_run(engine, planning.OptimizerRun, heartbeat_minutes=1, requeued=1)
    queued = a_run(engine, planning.StockPlanRun, status="queued", requeued=2)
    assert "已重新派发 1 次" in row_of(hq, OPTIMIZER, running)
    row = row_of(hq, PLANS, queued)
    assert "已重新派发 2 次" in row and "心跳" not in row


def test_finished_runs_show_no_heartbeat_warning_or_re_sends(hq, engine):
    for model, url in ((planning.OptimizerRun, OPTIMIZER), (planning.StockPlanRun, PLANS)):
        for status in ("done", "failed"):
            row = row_of(hq, url, a_run(engine, model, status=status, heartbeat_minutes=30, requeued=1))
            assert "心跳" not in row and "重新派发" not in row and "run-life" not in row


def test_the_page_reads_in_english_too(hq, engine):
    code = a_run(engine, planning.OptimizerRun, heartbeat_minutes=16, requeued=1)
    row = row_of(hq, OPTIMIZER + "?lang=en", code)
    assert "No heartbeat for 16 min: it will be sent again automatically" in row and "Sent again: 1" in row
