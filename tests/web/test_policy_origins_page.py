"""The HQ policy page marks each default that is ours (我方默认) and cites the seed section of the
others, so nobody takes our amount for the maker's rule."""
from __future__ import annotations

import html
import re

from inventory.policy import DEFAULTS

from .conftest import text


def rows(response) -> dict[str, str]:
    page = html.unescape(text(response))
    return {m.group(1): m.group(2) for m in re.finditer(r'<tr id="(\w+)"[^>]*>(.*?)</tr>', page, flags=re.S)}


def test_every_key_of_ours_is_marked_and_every_seeded_key_cites_its_section(hq):
    found = rows(hq.get("/hq/policy"))
    assert set(found) >= set(DEFAULTS)
    for key, item in DEFAULTS.items():
        row = found[key]
        if item.origin.ours:
            assert '<span class="badge ours">我方默认</span>' in row, key
            assert ("厂方资料中金额留空" if item.origin.blank else "厂方资料未作规定") in row, key
        else:
            assert "我方默认" not in row.split('class="origin"')[1], key
            assert f"厂方资料 {item.origin.seed}：{item.origin.section}" in row, key


def test_the_centers_blank_fines_are_marked_ours_on_the_page(hq):
    found = rows(hq.get("/hq/policy"))
    for key in ("fine_center_over_7d_per_role", "fine_center_director_monthly", "fine_center_staff_monthly",
                "fine_point_over_72h", "fine_point_over_7d"):
        assert "我方默认" in found[key] and "厂方资料中金额留空" in found[key]
    assert "厂方资料 000：四 处罚规定 3" in found["fine_hq_parts_group"]


def test_the_marks_read_in_english_too(hq):
    found = rows(hq.get("/hq/policy?lang=en"))
    assert "our default" in found["fine_point_over_7d"] and "seed 001: 1.2" in found["warranty_ac_household_key_months"]
