"""Webhooks (beat: `webhooks-dispatch`, every 15 s): record new events, send due deliveries.

Runs on any number of workers at once: the outbox scan takes a lock and is skipped by whoever
finds it taken; deliveries are claimed row by row (`inventory.webhooks.sender`)."""
from __future__ import annotations

from celery import shared_task
from flask import current_app

from inventory.db import transaction, utcnow
from inventory.webhooks import outbox, sender

from ..extensions import db


def settings() -> sender.Settings:
    """Sending settings from the app's config (WEBHOOKS_TIMEOUT, _ALLOW_PRIVATE, _MAX_ATTEMPTS)."""
    config = current_app.config
    return sender.Settings(timeout=float(config.get("WEBHOOKS_TIMEOUT", 10.0)),
                           allow_private=bool(config.get("WEBHOOKS_ALLOW_PRIVATE", False)),
                           max_attempts=int(config.get("WEBHOOKS_MAX_ATTEMPTS", 10)))


@shared_task(name="webhooks.dispatch")
def dispatch() -> dict:
    """New events into deliveries, then every due delivery sent (each signed; failures retried later)."""
    with transaction(db.session):
        events = outbox.collect(db.session, utcnow())
    return {"events": events, **sender.send_due(db.session, settings())}
