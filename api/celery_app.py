"""The worker's entry: `celery -A api.celery_app worker` (and `... beat`) finds the Celery app
here, built from the environment on first use (`api/celery_setup.py` sets Celery up on an app)."""
from __future__ import annotations

from celery import Celery

from .app import create_app


def make_celery() -> Celery:
    """For the `celery -A api.celery_app` command line: build the app from the environment."""
    return create_app().extensions["celery"]


def __getattr__(name: str):
    """`celery -A api.celery_app worker` looks up `celery` here; build it on first use."""
    if name in ("celery", "app"):
        return make_celery()
    raise AttributeError(name)
