"""Celery, the Flask way: tasks run inside the app context; one named beat schedule in config.

Embedded mode (no CELERY_BROKER_URL) runs tasks eagerly in-process. Production points
CELERY_BROKER_URL at Redis and runs `celery -A api.celery_app worker` and `... beat`
(`api/celery_app.py`, the worker's entry, builds the app; this module only sets Celery up on
an app, so `api.app` imports it without importing itself back).
"""
from __future__ import annotations

from celery import Celery, Task
from celery.schedules import crontab
from flask import Flask


def beat_schedule(app: Flask) -> dict:
    """The nightly jobs; hours are policy defaults, overridable by config."""
    from inventory.policy import DEFAULTS

    hour = app.config.get("OPTIMIZER_NIGHTLY_HOUR_UTC", DEFAULTS["optimizer_nightly_hour_utc"].default)
    return {
        "nightly-optimizer": {"task": "optimizer.nightly_run", "schedule": crontab(hour=hour, minute=0),
                              # a broker outage at that minute must not skip the night: keep publishing
                              "options": {"retry": True, "retry_policy": {"max_retries": 120, "interval_start": 5,
                                                                          "interval_step": 30, "interval_max": 60}}},
        "returns-overdue-sweep": {"task": "returns.sweep_overdue", "schedule": crontab(hour=(hour + 1) % 24, minute=0)},
        # Monday, an hour before the night's run (Sunday 17:00 UTC = Monday 01:00 Beijing)
        "weekly-stock-plan": {"task": "planning.weekly_plan",
                              "schedule": crontab(hour=(hour - 1) % 24, minute=0, day_of_week=0 if hour >= 1 else 1)},
        # webhooks: new events into deliveries, and due deliveries sent (the first retry within 60 s)
        "webhooks-dispatch": {"task": "webhooks.dispatch", "schedule": app.config.get("WEBHOOKS_DISPATCH_SECONDS", 15.0),
                              "options": {"expires": 60}},
        # runs still queued 10 minutes after they were asked for lost their task message: send it again
        "runs-requeue-stalled": {"task": "runs.requeue_stalled",
                                 "schedule": app.config.get("RUNS_REQUEUE_SWEEP_SECONDS", 300.0),
                                 "options": {"expires": 240}},
    }


TASK_MODULES = ("api.tasks.optimizer", "api.tasks.returns", "api.tasks.planning", "api.tasks.webhooks",
                "api.tasks.runs")


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery = Celery(app.name, task_cls=FlaskTask)
    config = dict(app.config["CELERY"])
    config.setdefault("beat_schedule", beat_schedule(app))
    celery.config_from_object(config)
    celery.set_default()
    app.extensions["celery"] = celery
    _import_tasks()
    return celery


def _import_tasks() -> None:
    """Task modules register themselves with the default app on import."""
    import importlib

    for module in TASK_MODULES:
        importlib.import_module(module)
