"""`parts webhooks dispatch`: the round Celery beat runs every 15 s, from the command line, so
embedded mode (no beat) sends webhooks too. A real process on the test database, sending to a
receiver thread on 127.0.0.1."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from inventory.webhooks.models import WebhookDelivery

from .test_webhooks_api import ALL_REQUISITION, SECRET, Receiver, make_app, register, submit, verify  # noqa: F401 - make_app is a fixture

PARTS = Path(sys.executable).with_name("parts")


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def _command(*args: str) -> list[str]:
    base = [str(PARTS)] if PARTS.exists() else [sys.executable, "-c", "from api.cli import main; main()"]
    return base + list(args)


@pytest.fixture
def env(database):
    return {**os.environ, "DATABASE_URL": database.url, "WEBHOOKS_ALLOW_PRIVATE": "1", "WEBHOOKS_TIMEOUT": "2"}


def parts(env, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(_command(*args), env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def client(make_app):
    return make_app().test_client()


def test_one_round_records_the_event_sends_it_signed_and_prints_the_counts(client, auth, receiver, env, sessions):
    register(client, auth["dealer"], receiver.url(), events=ALL_REQUISITION)
    req = submit(client, auth["dealer"])
    assert receiver.requests == []  # nothing is sent by the request itself
    result = parts(env, "webhooks", "dispatch")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "events 1  delivered 1  retrying 0  failed 0"
    [request] = receiver.requests
    assert verify(SECRET, request)
    assert receiver.bodies()[0]["data"]["requisition"] == req["id"]
    with sessions() as s:
        assert s.scalars(select(WebhookDelivery.status)).all() == ["delivered"]
    again = parts(env, "webhooks", "dispatch")  # nothing is sent twice
    assert again.stdout.strip() == "events 0  delivered 0  retrying 0  failed 0"
    assert len(receiver.requests) == 1


def test_a_failing_receiver_is_counted_as_retrying(client, auth, receiver, env, sessions):
    register(client, auth["dealer"], receiver.url())
    submit(client, auth["dealer"])
    receiver.script = [500]
    result = parts(env, "webhooks", "dispatch")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "events 1  delivered 0  retrying 1  failed 0"
    with sessions() as s:
        assert s.scalars(select(WebhookDelivery.status)).all() == ["pending"]


def test_the_private_rule_holds_on_the_command_line_too(client, auth, receiver, env, sessions):
    register(client, auth["dealer"], receiver.url())  # the app allows private receivers ...
    submit(client, auth["dealer"])
    result = parts({**env, "WEBHOOKS_ALLOW_PRIVATE": "0"}, "webhooks", "dispatch")  # ... this sender does not
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "events 1  delivered 0  retrying 1  failed 0"
    assert receiver.requests == []


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_loop_keeps_sending_what_happens_later_until_interrupted(client, auth, receiver, env, stop):
    register(client, auth["dealer"], receiver.url())
    process = subprocess.Popen(_command("webhooks", "dispatch", "--loop", "1"), env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        submit(client, auth["dealer"])
        deadline = time.monotonic() + 30
        while not receiver.requests and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(receiver.requests) == 1
    finally:
        process.send_signal(stop)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "delivered 1" in out and "Traceback" not in err


@pytest.mark.parametrize("value", ["0", "0.5", "soon"])
def test_a_bad_loop_interval_is_refused(env, value):
    result = parts(env, "webhooks", "dispatch", "--loop", value)
    assert result.returncode == 2
    assert "--loop" in result.stderr and "Traceback" not in result.stderr
