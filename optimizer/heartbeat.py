"""A running run's heartbeat while its start reads and solves with no transaction open.

A solve writes nothing for minutes, so silence alone does not tell a long solve from a dead
worker. While a start works, a daemon thread records `heartbeat_at` on its run every
`planning.HEARTBEAT_EVERY` (30 s) in a short transaction of its own: one UPDATE, nothing per
iteration of the solve. The thread dies with its process, so a worker killed or a machine gone
stops the heartbeat, and beat's sweep (`planning.requeue_stalled`) sends the run again once it
has been silent for `RUNS_STALLED_RUNNING_SECONDS`.
"""
from __future__ import annotations

import logging
import threading
from datetime import timedelta

from sqlalchemy.orm import sessionmaker

from inventory import planning
from inventory.db import transaction

log = logging.getLogger(__name__)


class Heartbeat:
    """`with Heartbeat(sessions, planning.OptimizerRun, run_id, task_id): solve()`: beats every
    `every` while the block runs, and stops (without a last beat) when it ends. `lost` says
    whether a beat found the run no longer this start's (the sweep re-sent it meanwhile)."""

    def __init__(self, sessions: sessionmaker, model, run_id: int, task_id: str | None,
                 every: timedelta = planning.HEARTBEAT_EVERY):
        self.sessions, self.model, self.run_id, self.task_id = sessions, model, run_id, task_id
        self.every = every.total_seconds()
        self.lost = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat-{model.__tablename__}-{run_id}",
                                        daemon=True)

    def __enter__(self) -> "Heartbeat":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=self.every)

    def _beat(self) -> None:
        while not self._stop.wait(self.every):
            try:
                with self.sessions() as session, transaction(session):
                    still_ours = planning.record_heartbeat(session, self.model, self.run_id, self.task_id)
            except Exception:  # noqa: BLE001 - the database is away a moment: the next beat tries again
                log.warning("heartbeat of %s %s not recorded", self.model.__tablename__, self.run_id, exc_info=True)
                continue
            if not still_ours:
                self.lost = True
                log.warning("%s %s is no longer this start's (done, failed or sent again): heartbeat stops",
                            self.model.__tablename__, self.run_id)
                return
