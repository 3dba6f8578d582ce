"""`parts warranty --input case.json`: DOMAIN.md's case in, DOMAIN.md's line out; a bad case is one line on stderr."""
from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from api.cli import cli
from inventory.errors import InvalidInput
from inventory.policy import Policy
from inventory.warranty_io import parse_case, warranty_from_json

PARTS = Path(sys.executable).with_name("parts")
# DOMAIN.md's case, as written there
CASE = {"product_line": "washer", "use": "household", "purchased_on": "2026-03-01",
        "reported_on": "2026-11-20", "fault": "E21",
        "part": {"sku": "WM-MOTOR-01", "key_component": True, "fitted_on": None},
        "repairs": [{"reported_on": "2026-06-01", "completed_on": "2026-06-04", "fault": "E21", "visited": True}]}
# and the line DOMAIN.md shows for it
ANSWER = '{"in_warranty": true, "basis": "key_component", "until": "2029-03-04", "sanbao": null}'


def changed(edit) -> dict:
    data = copy.deepcopy(CASE)
    edit(data)
    return data


BAD_CASES = {
    "unknown field": (changed(lambda d: d.update(colour="white")), "colour: unknown field"),
    "unknown nested field": (changed(lambda d: d["part"].update(key_componet=True)),
                             "part.key_componet: unknown field"),
    "missing field": (changed(lambda d: d["repairs"][0].pop("visited")), "repairs[0].visited: missing"),
    "missing purchase date": (changed(lambda d: d.pop("purchased_on")), "purchased_on: missing"),
    "impossible date": (changed(lambda d: d.update(purchased_on="2026-02-30")), "purchased_on: '2026-02-30'"),
    "loose date": (changed(lambda d: d.update(reported_on="20261120")), "reported_on: '20261120'"),
    "report before purchase": (changed(lambda d: d.update(reported_on="2026-02-01")),
                               "reported_on: 2026-02-01 is before"),
    "repair ends before it starts": (changed(lambda d: d["repairs"][0].update(completed_on="2026-05-30")),
                                     "repairs[0].completed_on: 2026-05-30 is before its report"),
    "unknown product line": (changed(lambda d: d.update(product_line="fridge")), "product_line: unknown product line"),
    "a word for a flag": (changed(lambda d: d["part"].update(key_component="yes")), "part.key_component: 'yes'"),
    "not an object": ([CASE], "case: expected a JSON object"),
}


def test_domain_md_case_gives_domain_md_answer():
    assert json.dumps(warranty_from_json(CASE, Policy())) == ANSWER


def test_the_part_sku_and_proof_kind_are_read():
    parsed = parse_case(changed(lambda d: d.update(proof="warranty_card")))
    assert (parsed.sku, parsed.proof, parsed.key_component) == ("WM-MOTOR-01", "warranty_card", True)


def test_a_null_purchase_date_is_no_proof():
    assert warranty_from_json(changed(lambda d: d.update(purchased_on=None)), Policy()) == \
        {"in_warranty": False, "basis": "no_proof", "until": None, "sanbao": None}


def test_fitted_on_and_repairs_may_be_left_out():
    data = changed(lambda d: (d.pop("repairs"), d["part"].pop("fitted_on")))
    assert warranty_from_json(data, Policy())["until"] == "2029-03-01"


@pytest.mark.parametrize("data, message", BAD_CASES.values(), ids=BAD_CASES.keys())
def test_a_bad_case_is_refused_naming_the_field(data, message):
    with pytest.raises(InvalidInput) as refused:
        parse_case(data)
    assert refused.value.message.startswith(message)
    assert "\n" not in refused.value.message


@pytest.fixture
def run(tmp_path, monkeypatch):
    """`parts warranty --input` on a file; no database, so the policy is the seed defaults."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)

    def invoke(content: str):
        (tmp_path / "case.json").write_text(content, encoding="utf-8")
        return CliRunner().invoke(cli, ["warranty", "--input", "case.json"])
    return invoke


def test_the_command_prints_domain_md_line(run):
    result = run(json.dumps(CASE))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ANSWER + "\n"


@pytest.mark.parametrize("content, message", [
    ("{\"product_line\": ", "case.json: malformed JSON at line 1"),
    (json.dumps(BAD_CASES["unknown field"][0]), "case.json: colour: unknown field"),
    (json.dumps(BAD_CASES["missing field"][0]), "case.json: repairs[0].visited: missing"),
    (json.dumps(BAD_CASES["impossible date"][0]), "case.json: purchased_on: '2026-02-30' is not a date"),
    (json.dumps(BAD_CASES["unknown product line"][0]), "case.json: product_line: unknown product line 'fridge'"),
], ids=["malformed JSON", "unknown field", "missing field", "impossible date", "unknown product line"])
def test_the_command_refuses_a_bad_case_in_one_line_on_stderr(run, content, message):
    result = run(content)
    assert result.exit_code != 0
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {message}"), result.stderr


def test_the_installed_command_answers_and_refuses_as_an_operator_sees_it(tmp_path):
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(CASE), encoding="utf-8")
    bad.write_text(json.dumps(BAD_CASES["unknown product line"][0]), encoding="utf-8")
    command = [str(PARTS)] if PARTS.exists() else [sys.executable, "-c", "from api.cli import main; main()"]
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    ok = subprocess.run(command + ["warranty", "--input", str(good)], cwd=tmp_path, env=env,
                        capture_output=True, text=True, timeout=60)
    refused = subprocess.run(command + ["warranty", "--input", str(bad)], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=60)
    assert (ok.returncode, ok.stdout, ok.stderr) == (0, ANSWER + "\n", "")
    assert refused.returncode != 0 and refused.stdout == ""
    assert refused.stderr.count("\n") == 1 and "unknown product line 'fridge'" in refused.stderr
    assert "Traceback" not in refused.stderr
