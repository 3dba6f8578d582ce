"""The sign-in lock through the real form, with the counts in the database and in Redis: the
right password refused while a username is locked and accepted after, the same answer for a
username that does not exist, the per-address limit, HQ's unlock page and the `parts users
unlock` command, and the audit rows each leaves."""
from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from click.testing import CliRunner

from api.cli import cli
from inventory.audit import entries
from inventory.db import make_session_factory, transaction
from inventory.policy import set_policy

from ..api.conftest import running_app
from .conftest import PASSWORD, WebClient, add_users, text

USER_LOCKED = "该用户名登录失败次数过多，请 %s 分钟后再试，或请总部解锁。"
ADDRESS_LOCKED = "该网络地址登录失败次数过多，请 %s 分钟后再试。"
WRONG = "用户名或密码错误。"
ERROR = re.compile(r'<p class="error"[^>]*>([^<]*)</p>')


@pytest.fixture
def app(database, engine, keys, kept_in, clock):
    add_users(engine)
    with running_app(database.url, WTF_CSRF_ENABLED=True, SIGNIN_STORAGE_URI=kept_in.uri,
                     SIGNIN_KEY_PREFIX=kept_in.prefix, SIGNIN_CLOCK=clock) as app:
        yield app


@pytest.fixture
def web(app):
    return WebClient(app)


def error_of(response) -> str:
    found = ERROR.findall(text(response))
    return html.unescape(found[0]) if found else ""


def fail(web, username="gd_clerk", times=1, **kwargs):
    return [web.login(username, "wrong password", **kwargs) for _ in range(times)][-1]


def signed_in(web) -> bool:
    return web.get("/w/GD1/").status_code == 200


def audit(engine, action="signin."):
    with make_session_factory(engine)() as session:
        return [(e.actor, e.action, e.subject, e.details) for e in entries(session, action=action)]


def set_policies(engine, **values):
    with make_session_factory(engine)() as session, transaction(session):
        for key, value in values.items():
            set_policy(session, key, str(value), actor="hq:boss")


def test_the_right_password_is_refused_while_locked_and_accepted_after_the_lock(web, clock):
    ninth = fail(web, times=9)
    assert ninth.status_code == 200 and error_of(ninth) == WRONG
    tenth = fail(web)
    assert tenth.status_code == 429 and error_of(tenth) == USER_LOCKED % 15
    assert tenth.headers["Retry-After"] == "900"

    clock.advance(minutes=10)
    refused = web.login("gd_clerk", PASSWORD)
    assert refused.status_code == 429 and error_of(refused) == USER_LOCKED % 5
    assert refused.headers["Retry-After"] == "300"
    assert not signed_in(web)

    clock.advance(minutes=5)
    accepted = web.login("gd_clerk", PASSWORD)
    assert accepted.status_code == 302 and accepted.headers["Location"] == "/w/GD1/"
    assert signed_in(web)


def test_a_username_that_does_not_exist_gets_the_same_answers(app, clock):
    answers = {}
    for username in ("gd_clerk", "nobody"):
        client = WebClient(app)
        first, tenth, right = fail(client, username), fail(client, username, times=9), client.login(username, PASSWORD)
        answers[username] = [(r.status_code, error_of(r), r.headers.get("Retry-After")) for r in (first, tenth, right)]
    assert answers["gd_clerk"] == answers["nobody"] == [
        (200, WRONG, None), (429, USER_LOCKED % 15, "900"), (429, USER_LOCKED % 15, "900")]


def test_an_address_is_locked_after_the_policys_failures_across_usernames(app, engine, clock):
    set_policies(engine, signin_address_max_failures=5)
    web = WebClient(app)
    here, there = {"environ_base": {"REMOTE_ADDR": "10.1.1.1"}}, {"environ_base": {"REMOTE_ADDR": "10.2.2.2"}}
    answers = [fail(web, f"guess{n}", **here) for n in range(5)]
    assert [r.status_code for r in answers] == [200, 200, 200, 200, 429]
    assert error_of(answers[-1]) == ADDRESS_LOCKED % 15
    refused = web.login("gd_clerk", PASSWORD, **here)
    assert refused.status_code == 429 and error_of(refused) == ADDRESS_LOCKED % 15
    assert web.login("gd_clerk", PASSWORD, **there).status_code == 302
    assert [(actor, action, subject) for actor, action, subject, _ in audit(engine)] == [
        ("address:10.1.1.1", "signin.lock", "address:10.1.1.1"),
        ("address:10.1.1.1", "signin.refused", "user:gd_clerk")]


def test_the_address_limit_is_fifty_by_default(app, engine):
    from inventory.policy import DEFAULTS

    assert (DEFAULTS["signin_address_max_failures"].default, DEFAULTS["signin_max_failures"].default,
            DEFAULTS["signin_window_minutes"].default, DEFAULTS["signin_lock_minutes"].default) == (50, 10, 15, 15)


def test_hq_sees_the_lock_and_lifts_it_and_the_user_signs_in_again(app, engine, clock):
    hq = WebClient(app)
    assert hq.login("boss").status_code == 302
    web = WebClient(app)
    fail(web, times=10)
    page = html.unescape(text(hq.get("/hq/sign-in-locks")))
    assert "登录锁定" in page and "gd_clerk" in page and "解锁" in page

    done = hq.post("/hq/sign-in-locks", {"scope": "user", "name": "gd_clerk"})
    assert done.status_code == 302 and done.headers["Location"] == "/hq/sign-in-locks"
    after = html.unescape(text(hq.get("/hq/sign-in-locks")))
    assert "gd_clerk 已解锁，可以再次登录。" in after and "当前没有被锁定的用户名或地址。" in after

    assert web.login("gd_clerk", PASSWORD).status_code == 302 and signed_in(web)
    until = (clock.now + timedelta(minutes=15)).isoformat()
    assert audit(engine, "signin.unlock") == [("hq:boss", "signin.unlock", "user:gd_clerk",
                                               {"was_locked_until": until})]


def test_hq_downloads_the_locks_it_sees(app, clock):
    import csv
    import io

    import openpyxl

    hq = WebClient(app)
    hq.login("boss")
    fail(WebClient(app), times=10)
    assert "sign-in-locks/export.xlsx" in text(hq.get("/hq/sign-in-locks"))
    got = hq.get("/hq/sign-in-locks/export.csv")
    rows = list(csv.reader(io.StringIO(got.get_data().decode("utf-8-sig"))))
    assert got.status_code == 200 and rows[-1][:2] == ["用户名", "gd_clerk"]
    sheet = openpyxl.load_workbook(io.BytesIO(hq.get("/hq/sign-in-locks/export.xlsx").get_data())).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert ["用户名", "gd_clerk"] in [v[:2] for v in values]


def test_only_hq_opens_the_locks_page(app):
    clerk = WebClient(app)
    clerk.login("gd_clerk")
    assert clerk.get("/hq/sign-in-locks").status_code == 403
    assert clerk.get("/hq/sign-in-locks/export.csv").status_code == 403
    assert clerk.post("/hq/sign-in-locks", {"scope": "user", "name": "x"}, token_from="/w/GD1/").status_code == 403
    assert WebClient(app).get("/hq/sign-in-locks").status_code == 302


def test_the_lock_and_its_first_refusal_are_audited_and_the_rest_only_counted(app, web, engine, clock):
    fail(web, times=10)
    web.login("gd_clerk", PASSWORD)
    fail(web, times=40)  # an attack kept up against the lock: no audit row each
    until = (clock.now + timedelta(minutes=15)).isoformat()
    assert audit(engine) == [
        ("address:127.0.0.1", "signin.lock", "user:gd_clerk",
         {"address": "127.0.0.1", "failures": 10, "until": until, "username": "gd_clerk", "window_minutes": 15}),
        ("address:127.0.0.1", "signin.refused", "user:gd_clerk",
         {"address": "127.0.0.1", "locked": "user", "until": until})]
    hq = WebClient(app)
    assert hq.login("boss").status_code == 302
    page = html.unescape(text(hq.get("/hq/sign-in-locks")))
    assert "锁定期间已拒绝 41 次" in page

    # the lock ends; a new lock has its own first refusal audited and its own count
    clock.advance(minutes=15)
    fail(web, times=10)
    fail(web, times=3)
    assert [row[1] for row in audit(engine)] == ["signin.lock", "signin.refused", "signin.lock", "signin.refused"]
    assert "锁定期间已拒绝 3 次" in html.unescape(text(hq.get("/hq/sign-in-locks")))


def test_the_command_line_lists_and_lifts_a_lock(app, web, database, engine, kept_in, monkeypatch):
    fail(web, times=10)
    monkeypatch.setenv("DATABASE_URL", database.url)
    monkeypatch.setenv("SIGNIN_STORAGE_URI", kept_in.uri)
    monkeypatch.setenv("SIGNIN_KEY_PREFIX", kept_in.prefix)
    runner = CliRunner()
    listed = runner.invoke(cli, ["users", "locks"])
    assert listed.exit_code == 0 and listed.output.startswith("user  gd_clerk  until ")
    assert "refused" not in listed.output
    fail(web, times=3)
    listed = runner.invoke(cli, ["users", "locks"])
    assert listed.output.rstrip().endswith("  (refused 3 times while locked)")

    unlocked = runner.invoke(cli, ["users", "unlock", "--username", "gd_clerk"])
    assert unlocked.exit_code == 0, unlocked.output
    assert unlocked.output == "user gd_clerk unlocked\n"
    assert runner.invoke(cli, ["users", "locks"]).output == "nothing is locked\n"
    assert [(a, s) for actor, a, s, _ in audit(engine, "signin.unlock") if actor == "cli"] == [
        ("signin.unlock", "user:gd_clerk")]
    assert web.login("gd_clerk", PASSWORD).status_code == 302

    again = runner.invoke(cli, ["users", "unlock", "--username", "gd_clerk"])
    assert again.exit_code != 0 and str(again.exception) == "gd_clerk is not locked"
    assert runner.invoke(cli, ["users", "unlock"]).exit_code == 2  # neither --username nor --address
