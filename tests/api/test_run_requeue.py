"""Runs whose task message was lost (a broker without persistence, or restarted) stay queued:
beat's sweep (`runs.requeue_stalled`) sends their task again, and a run started by two messages
(the lost one was only late) is applied once. Celery is eager here: a sent task runs at once."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from inventory import planning
from inventory.access import Principal
from inventory.db import make_session_factory, transaction, utcnow
from inventory.policy import load_policy
from inventory.requisitions import service as requisitions
from inventory.warehouses import ledger
from inventory.warehouses.models import StockMovement
from optimizer import runs

POINT = Principal("service_point", "SP0001")
PUMP = "WM-PUMP-01"


def late_reservation(engine) -> str:
    """A line reserved at HB1 (60 h, late) while GD1 (12 h) has stock again: a run moves it."""
    with make_session_factory(engine)() as session:
        with transaction(session):
            for wh in ("GD1", "HQ"):
                ledger.scrap(session, wh, PUMP, ledger.available(session, wh, PUMP), actor="test", reason="empty")
        with transaction(session):
            code = requisitions.submit(session, POINT, ship_to="SP0001", ticket="T-1", policy=load_policy(session),
                                       lines=[requisitions.LineRequest(PUMP, 2)]).code
        with transaction(session):
            ledger.receive(session, "GD1", PUMP, 5, actor="test", reason="restocked")
    return code


def queued_run(engine, *, minutes_ago: float, status: str = "queued") -> int:
    """An optimizer run recorded `minutes_ago` whose task was never sent (its message lost)."""
    with make_session_factory(engine)() as session, transaction(session):
        run = planning.create_run(session, trigger="api", actor="hq")
        run.created_at, run.status = utcnow() - timedelta(minutes=minutes_ago), status
        return run.id


def queued_plan_run(engine, *, minutes_ago: float) -> int:
    with make_session_factory(engine)() as session, transaction(session):
        return planning.request_plan(session, actor="hq", trigger="api", now=utcnow() - timedelta(minutes=minutes_ago)).id


def run_of(engine, run_id: int, model=planning.OptimizerRun):
    with make_session_factory(engine)() as session:
        return session.get(model, run_id)


def planned_moves(engine, code: str) -> list[tuple[str, int]]:
    with make_session_factory(engine)() as session:
        return [(m.warehouse_code, m.reserved_delta) for m in session.scalars(select(StockMovement).where(
            StockMovement.ref_id == code, StockMovement.reason.like("planned by %"), StockMovement.reserved_delta > 0))]


def sweep():
    from api.tasks.runs import requeue_stalled

    return requeue_stalled.apply().get()


def test_two_starts_of_the_same_run_apply_it_once(app, engine):
    from api.tasks.optimizer import start_run

    code = late_reservation(engine)
    run_id = queued_run(engine, minutes_ago=0)
    start_run.apply((run_id,), task_id="first-message").get()
    done = run_of(engine, run_id)
    assert (done.status, done.lines_changed, done.task_id) == ("done", 1, "first-message")
    start_run.apply((run_id,), task_id="second-message").get()  # the sweep's copy, arriving late
    again = run_of(engine, run_id)
    assert (again.status, again.started_at, again.finished_at, again.lines_changed) == (
        "done", done.started_at, done.finished_at, 1)
    assert planned_moves(engine, code) == [("GD1", 2)]


def test_a_second_message_leaves_a_running_run_to_the_first_whose_redelivery_finishes_it(app, engine):
    from api.tasks.optimizer import start_run

    late_reservation(engine)
    run_id = queued_run(engine, minutes_ago=0)
    sessions = make_session_factory(engine)
    assert runs.take_snapshot(sessions, run_id, store=False, task_id="first") is not None  # its worker dies here
    taken = run_of(engine, run_id)
    start_run.apply((run_id,), task_id="second").get()
    untouched = run_of(engine, run_id)
    assert (untouched.status, untouched.task_id, untouched.started_at) == ("running", "first", taken.started_at)
    start_run.apply((run_id,), task_id="first").get()  # acks_late: the first message comes back
    assert run_of(engine, run_id).status == "done"
    assert runs.take_snapshot(sessions, run_id, store=False, task_id="first") is None  # done: nobody restarts it


def test_a_plan_run_started_twice_makes_one_plan(app, engine):
    from api.tasks.planning import plan_run

    run_id = queued_plan_run(engine, minutes_ago=0)
    plan_run.apply((run_id,), task_id="first").get()
    assert plan_run.apply((run_id,), task_id="second").get() == plan_run.apply((run_id,), task_id="first").get()
    run = run_of(engine, run_id, planning.StockPlanRun)
    assert run.status == "done" and run.task_id == "first"
    with make_session_factory(engine)() as session:
        assert planning.plan_history(session)[1] == 1


def test_the_sweep_sends_a_lost_run_again_and_it_is_applied_once(app, engine):
    code = late_reservation(engine)
    run_id = queued_run(engine, minutes_ago=11)
    assert sweep() == {"requeued": [f"OR{run_id:06d}"], "unsent": [], "failed": []}
    run = run_of(engine, run_id)
    assert (run.status, run.lines_changed, run.requeued) == ("done", 1, 1) and run.requeued_at is not None
    assert planned_moves(engine, code) == [("GD1", 2)]
    assert sweep()["requeued"] == []  # done: left alone
    assert run_of(engine, run_id).requeued == 1


def test_a_lost_plan_run_is_made_and_one_queued_past_the_stale_age_is_failed(app, engine):
    old = queued_plan_run(engine, minutes_ago=7 * 60)
    lost = queued_plan_run(engine, minutes_ago=11)
    assert sweep() == {"requeued": [f"SPR{lost:06d}"], "unsent": [], "failed": [f"SPR{old:06d}"]}
    made = run_of(engine, lost, planning.StockPlanRun)
    assert (made.status, made.requeued) == ("done", 1) and made.plan_id is not None
    given_up = run_of(engine, old, planning.StockPlanRun)
    assert given_up.status == "failed" and "task was lost" in given_up.error and given_up.plan_id is None


def test_fresh_queued_running_done_and_failed_runs_are_left_alone(app, engine):
    fresh = queued_run(engine, minutes_ago=2)
    others = {status: queued_run(engine, minutes_ago=60, status=status) for status in ("running", "done", "failed")}
    with make_session_factory(engine)() as session, transaction(session):  # running, and its start alive
        session.get(planning.OptimizerRun, others["running"]).heartbeat_at = utcnow()
    fresh_plan = queued_plan_run(engine, minutes_ago=2)
    assert sweep() == {"requeued": [], "unsent": [], "failed": []}
    assert (run_of(engine, fresh).status, run_of(engine, fresh).requeued) == ("queued", 0)
    assert {status: run_of(engine, run_id).status for status, run_id in others.items()} == {
        s: s for s in others}
    assert run_of(engine, fresh_plan, planning.StockPlanRun).status == "queued"


def test_a_run_re_sent_is_sent_again_only_after_the_age_once_more(app, engine, monkeypatch):
    from api.tasks.optimizer import start_run

    run_id = queued_run(engine, minutes_ago=11)
    monkeypatch.setattr(start_run, "apply_async", lambda *a, **k: None)  # lost once more
    assert sweep()["requeued"] == [f"OR{run_id:06d}"]
    assert sweep()["requeued"] == []  # re-sent a moment ago: maybe waiting behind a busy worker
    with make_session_factory(engine)() as session, transaction(session):
        session.get(planning.OptimizerRun, run_id).requeued_at -= timedelta(minutes=11)
    assert sweep()["requeued"] == [f"OR{run_id:06d}"]
    assert run_of(engine, run_id).requeued == 2


def test_the_age_is_configurable(database, engine, auth):
    from .conftest import running_app

    run_id = queued_run(engine, minutes_ago=2)
    with running_app(database.url, RUNS_REQUEUE_AFTER_SECONDS=60):
        assert sweep()["requeued"] == [f"OR{run_id:06d}"]
    assert run_of(engine, run_id).status == "done"


def test_beat_sweeps_every_five_minutes(app):
    from api.celery_setup import beat_schedule

    entry = beat_schedule(app)["runs-requeue-stalled"]
    assert (entry["task"], entry["schedule"]) == ("runs.requeue_stalled", 300.0)
    assert "runs.requeue_stalled" in app.extensions["celery"].tasks
    assert app.extensions["celery"].conf.beat_schedule["runs-requeue-stalled"]["task"] == "runs.requeue_stalled"
