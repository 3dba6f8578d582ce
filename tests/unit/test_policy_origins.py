"""Every policy key says where its default comes from: a seed's section, or ours (我方默认)."""
from __future__ import annotations

from inventory.policy import BLANK, DEFAULTS, OURS

SEEDS = {"000", "001", "003"}
# DOMAIN.md: "The seed leaves some fine amounts blank" (seed 000 四 处罚规定: ……各 单的处罚).
BLANK_IN_SEED_000 = {"fine_center_over_7d_per_role", "fine_point_over_72h", "fine_point_over_7d",
                     "fine_center_director_monthly", "fine_center_staff_monthly"}


def test_every_key_is_classified_as_a_seed_section_or_our_default():
    assert [key for key, item in DEFAULTS.items() if item.origin is None] == []


def test_a_seed_origin_names_a_seed_and_its_section():
    seeded = {key: item.origin for key, item in DEFAULTS.items() if not item.origin.ours}
    assert {key: o.seed for key, o in seeded.items() if o.seed not in SEEDS} == {}
    assert [key for key, o in seeded.items() if not o.section.strip() or o.blank] == []


def test_the_fine_amounts_the_seed_leaves_blank_are_our_defaults():
    assert {key for key, item in DEFAULTS.items() if item.origin == BLANK} == BLANK_IN_SEED_000


def test_a_description_that_says_our_default_is_classified_ours_and_one_that_says_seed_is_not():
    said_ours = {key for key, item in DEFAULTS.items() if "our default" in item.description}
    said_seed = {key for key, item in DEFAULTS.items() if item.description.endswith("(seed)")}
    assert {key for key in said_ours if not DEFAULTS[key].origin.ours} == set()
    assert {key for key in said_seed if DEFAULTS[key].origin.ours} == set()


def test_the_seed_amounts_keep_their_sections():
    assert DEFAULTS["fine_hq_dispatch"].origin.seed == "000"
    assert DEFAULTS["warranty_household_key_months"].origin.section.startswith("二.五")
    assert DEFAULTS["warranty_ac_household_key_months"].origin.seed == "001"
    assert DEFAULTS["exchange_wait_days"].origin.seed == "003"
    assert DEFAULTS["bonus_visit_other"].origin == OURS
