"""Runs left `running` by a worker that died, its message never coming back: a running start
beats (`heartbeat_at`), and beat's sweep (`runs.requeue_stalled`) puts a run silent for
`RUNS_STALLED_RUNNING_SECONDS` back to `queued` and sends its task again, or fails a stock plan
run asked for over 6 hours ago. A start that was only slow applies nothing once its run was sent
again. Celery is eager here: a sent task runs at once."""
from __future__ import annotations

import time
from datetime import timedelta

from inventory import planning
from inventory.db import make_session_factory, transaction, utcnow
from optimizer import runs
from optimizer.heartbeat import Heartbeat

from .test_run_requeue import late_reservation, planned_moves, queued_plan_run, queued_run, run_of, sweep

NOTHING = {"requeued": [], "unsent": [], "failed": []}


def silent(engine, run_id: int, *, minutes: float, model=planning.OptimizerRun, task_id: str = "dead-worker",
           created_minutes_ago: float | None = None) -> None:
    """Run `run_id` is running under `task_id`, its last heartbeat `minutes` ago."""
    with make_session_factory(engine)() as session, transaction(session):
        run = session.get(model, run_id)
        run.status, run.task_id = "running", task_id
        run.started_at = run.heartbeat_at = utcnow() - timedelta(minutes=minutes)
        if created_minutes_ago is not None:
            run.created_at = utcnow() - timedelta(minutes=created_minutes_ago)


def taken_by_a_worker_that_dies(engine, run_id: int, *, minutes: float, task_id: str = "dead-worker") -> dict:
    """A real start takes the run and snapshots it (`claim`, `mark_running`); its worker then
    goes silent for `minutes`."""
    document = runs.take_snapshot(make_session_factory(engine), run_id, store=False, task_id=task_id)
    assert document is not None
    with make_session_factory(engine)() as session, transaction(session):
        session.get(planning.OptimizerRun, run_id).heartbeat_at = utcnow() - timedelta(minutes=minutes)
    return document


def test_a_run_whose_worker_went_silent_is_queued_again_and_applied_once(app, engine):
    code = late_reservation(engine)
    run_id = queued_run(engine, minutes_ago=30)
    taken_by_a_worker_that_dies(engine, run_id, minutes=16)
    assert sweep() == {"requeued": [f"OR{run_id:06d}"], "unsent": [], "failed": []}
    run = run_of(engine, run_id)
    assert (run.status, run.lines_changed, run.requeued) == ("done", 1, 1), run.error
    assert run.task_id != "dead-worker" and run.heartbeat_at > run.requeued_at - timedelta(seconds=1)
    assert planned_moves(engine, code) == [("GD1", 2)]
    assert sweep() == NOTHING  # done: left alone


def test_a_running_run_with_a_fresh_heartbeat_is_left_to_its_worker(app, engine):
    run_id = queued_run(engine, minutes_ago=120)  # long, but alive
    silent(engine, run_id, minutes=1)
    plan_id = queued_plan_run(engine, minutes_ago=60)
    silent(engine, plan_id, minutes=14, model=planning.StockPlanRun)
    assert sweep() == NOTHING
    assert (run_of(engine, run_id).status, run_of(engine, run_id).requeued) == ("running", 0)
    assert run_of(engine, plan_id, planning.StockPlanRun).status == "running"


def test_done_and_failed_runs_are_untouched_whatever_their_last_heartbeat(app, engine):
    ids = {}
    for status in ("done", "failed"):
        ids[status] = queued_run(engine, minutes_ago=120)
        silent(engine, ids[status], minutes=100)
        with make_session_factory(engine)() as session, transaction(session):
            session.get(planning.OptimizerRun, ids[status]).status = status
    assert sweep() == NOTHING
    assert {s: (run_of(engine, i).status, run_of(engine, i).requeued) for s, i in ids.items()} == {
        "done": ("done", 0), "failed": ("failed", 0)}


def test_a_silent_plan_run_is_made_again_and_one_asked_for_over_six_hours_ago_is_failed(app, engine):
    old = queued_plan_run(engine, minutes_ago=7 * 60)
    silent(engine, old, minutes=60, model=planning.StockPlanRun)
    recent = queued_plan_run(engine, minutes_ago=40)
    silent(engine, recent, minutes=20, model=planning.StockPlanRun)
    assert sweep() == {"requeued": [f"SPR{recent:06d}"], "unsent": [], "failed": [f"SPR{old:06d}"]}
    made = run_of(engine, recent, planning.StockPlanRun)
    assert (made.status, made.requeued) == ("done", 1) and made.plan_id is not None
    given_up = run_of(engine, old, planning.StockPlanRun)
    assert (given_up.status, given_up.plan_id, given_up.requeued) == ("failed", None, 0)
    assert "worker stopped" in given_up.error and "no heartbeat" in given_up.error
    assert "ask for a plan again" in given_up.error


def test_a_run_from_before_heartbeats_counts_its_silence_from_when_it_started(app, engine):
    run_id = queued_run(engine, minutes_ago=60)
    with make_session_factory(engine)() as session, transaction(session):
        run = session.get(planning.OptimizerRun, run_id)
        run.status, run.task_id, run.heartbeat_at = "running", "old", None
        run.started_at = utcnow() - timedelta(minutes=59)
    assert sweep()["requeued"] == [f"OR{run_id:06d}"]
    assert run_of(engine, run_id).status == "done"


def test_a_slow_start_whose_run_was_sent_again_applies_and_fails_nothing(app, engine, monkeypatch):
    from api.tasks.optimizer import start_run

    code = late_reservation(engine)
    run_id = queued_run(engine, minutes_ago=30)
    sessions = make_session_factory(engine)
    document = taken_by_a_worker_that_dies(engine, run_id, minutes=16, task_id="slow")
    monkeypatch.setattr(start_run, "apply_async", lambda *a, **k: None)  # the new message still on its way
    assert sweep()["requeued"] == [f"OR{run_id:06d}"]
    queued = run_of(engine, run_id)
    assert (queued.status, queued.stage, queued.as_of, queued.requeued) == ("queued", "queued", None, 1)

    allocations, seconds = runs.solve_document(document)
    late = runs.finish_run(sessions, run_id, document, allocations, seconds, task_id="slow")  # the slow start wakes
    runs.fail_run(sessions, run_id, RuntimeError("slow start crashed"), claimed=True, task_id="slow")
    assert (late.status, late.lines_changed) == ("queued", 0)
    assert planned_moves(engine, code) == []
    assert run_of(engine, run_id).status == "queued"

    start_run.apply((run_id,), task_id="sent-again").get()  # the sweep's message arrives
    run = run_of(engine, run_id)
    assert (run.status, run.task_id, run.lines_changed) == ("done", "sent-again", 1)
    assert planned_moves(engine, code) == [("GD1", 2)]
    start_run.apply((run_id,), task_id="slow").get()  # its first message redelivered at last: done, nothing more
    assert planned_moves(engine, code) == [("GD1", 2)]


def test_a_slow_start_finishing_after_the_new_one_took_the_run_applies_nothing(app, engine):
    code = late_reservation(engine)
    run_id = queued_run(engine, minutes_ago=30)
    sessions = make_session_factory(engine)
    old = taken_by_a_worker_that_dies(engine, run_id, minutes=16, task_id="slow")
    with sessions() as session, transaction(session):
        assert planning.requeue_stalled(session).optimizer_runs == [run_id]
    new = runs.take_snapshot(sessions, run_id, store=False, task_id="new")  # the message sent again takes it
    allocations, seconds = runs.solve_document(old)
    assert runs.finish_run(sessions, run_id, old, allocations, seconds, task_id="slow").status == "running"
    assert planned_moves(engine, code) == []
    allocations, seconds = runs.solve_document(new)
    assert runs.finish_run(sessions, run_id, new, allocations, seconds, task_id="new").lines_changed == 1
    assert planned_moves(engine, code) == [("GD1", 2)]


def test_a_shard_of_a_run_sent_again_stores_nothing(app, engine):
    from api.tasks.optimizer import solve_shard

    late_reservation(engine)
    run_id = queued_run(engine, minutes_ago=30)
    sessions = make_session_factory(engine)
    runs.take_snapshot(sessions, run_id, store=True, task_id="old")
    with sessions() as session, transaction(session):
        planning.store_shard(session, run_id, 0, [], 0.1)  # one shard done before the worker died
        session.get(planning.OptimizerRun, run_id).heartbeat_at = utcnow() - timedelta(minutes=16)
    with sessions() as session, transaction(session):
        planning.requeue_stalled(session)
    solve_shard.apply((run_id, 1, 2, "old")).get()  # the old chord's shard, late
    with sessions() as session:
        assert planning.shard_results(session, run_id) == []
        assert planning.get_run(session, run_id).status == "queued"


def test_the_silence_allowed_is_configurable(database, engine, auth):
    from .conftest import running_app

    run_id = queued_run(engine, minutes_ago=10)
    silent(engine, run_id, minutes=2)
    with running_app(database.url, RUNS_STALLED_RUNNING_SECONDS=60):
        assert sweep()["requeued"] == [f"OR{run_id:06d}"]
    assert run_of(engine, run_id).status == "done"


def test_a_start_beats_while_it_has_the_run_and_stops_once_it_lost_it(app, engine):
    run_id = queued_run(engine, minutes_ago=30)
    silent(engine, run_id, minutes=10, task_id="alive")
    sessions = make_session_factory(engine)
    before = run_of(engine, run_id).heartbeat_at
    with Heartbeat(sessions, planning.OptimizerRun, run_id, "alive", every=timedelta(milliseconds=20)) as beat:
        deadline = time.monotonic() + 10
        while run_of(engine, run_id).heartbeat_at == before and time.monotonic() < deadline:
            time.sleep(0.02)
        assert run_of(engine, run_id).heartbeat_at > before
        with sessions() as session, transaction(session):
            session.get(planning.OptimizerRun, run_id).task_id = "someone-else"  # sent again and taken
        while not beat.lost and time.monotonic() < deadline:
            time.sleep(0.02)
    assert beat.lost


def test_a_running_run_shows_how_long_ago_its_start_last_beat(app, engine, auth):
    client = app.test_client()
    run_id = queued_run(engine, minutes_ago=30)
    silent(engine, run_id, minutes=2)
    body = client.get(f"/api/v1/optimizer/runs/OR{run_id:06d}", headers=auth["hq"]).get_json()
    assert body["heartbeat_at"] is not None and 110 <= body["heartbeat_age_seconds"] <= 300
    plan_id = queued_plan_run(engine, minutes_ago=5)
    silent(engine, plan_id, minutes=1, model=planning.StockPlanRun)
    plan = client.get(f"/api/v1/stock-plans/runs/SPR{plan_id:06d}", headers=auth["hq"]).get_json()
    assert 50 <= plan["heartbeat_age_seconds"] <= 240 and plan["requeued"] == 0
    queued = client.get(f"/api/v1/optimizer/runs/OR{queued_run(engine, minutes_ago=1):06d}", headers=auth["hq"])
    assert queued.get_json()["heartbeat_age_seconds"] is None


class DatabaseAway:
    """A session factory whose first `times` sessions meet the database restarting."""

    def __init__(self, engine, times: int, error: Exception | None = None):
        from sqlalchemy import exc

        self.real, self.left = make_session_factory(engine), times
        self.error = error or exc.OperationalError("SELECT 1", {}, Exception("the database system is starting up"))

    def __call__(self):
        if self.left > 0:
            self.left -= 1
            raise self.error
        return self.real()


def test_a_run_that_failed_with_the_database_away_is_recorded_failed_once_it_is_back(app, engine):
    run_id = queued_run(engine, minutes_ago=1)
    taken_by_a_worker_that_dies(engine, run_id, minutes=0, task_id="start")
    waits = []
    runs.fail_run(DatabaseAway(engine, 3), run_id, RuntimeError("server closed the connection"), claimed=True,
                  task_id="start", sleep=waits.append)
    assert waits == [0.5, 1.0, 2.0]   # backing off while the database restarts
    run = run_of(engine, run_id)
    assert (run.status, run.error) == ("failed", "RuntimeError: server closed the connection")


def test_recording_a_failure_gives_up_after_its_time_and_never_waits_out_other_errors(app, engine):
    import pytest

    run_id = queued_run(engine, minutes_ago=1)
    taken_by_a_worker_that_dies(engine, run_id, minutes=0, task_id="start")
    waits = []
    with pytest.raises(Exception, match="starting up"):
        runs.fail_run(DatabaseAway(engine, 100), run_id, RuntimeError("x"), claimed=True, task_id="start",
                      retry_seconds=10, sleep=waits.append)
    assert waits == [0.5, 1.0, 2.0, 4.0] and sum(waits) <= 10
    waits.clear()
    with pytest.raises(ValueError):
        runs.fail_run(DatabaseAway(engine, 1, ValueError("a bug")), run_id, RuntimeError("x"), claimed=True,
                      task_id="start", sleep=waits.append)
    assert waits == []
    assert run_of(engine, run_id).status == "running"   # left for the sweep


def test_a_plan_run_that_failed_with_the_database_away_is_recorded_failed_once_it_is_back(app, engine):
    from optimizer.stock_plan import fail_plan_run

    plan_id = queued_plan_run(engine, minutes_ago=1)
    waits = []
    fail_plan_run(DatabaseAway(engine, 2), plan_id, RuntimeError("terminating connection"), sleep=waits.append)
    assert waits == [0.5, 1.0]
    with make_session_factory(engine)() as session:
        run = session.get(planning.StockPlanRun, plan_id)
        assert (run.status, run.error) == ("failed", "RuntimeError: terminating connection")
