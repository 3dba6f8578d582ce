"""The words the domain writes by itself on ledger, quota, transfer and return rows, in the page's
language, and who did it.

The domain writes such a reason in English from a few fixed forms ("transfer 12 to SC1"), its
values filled in. A page shows it in its own language by that form's template here, the values as
written; a person's own words (a receipt's remark, a discrepancy's note) stay as typed, and text
that fits no form is shown unchanged. `tests/web/test_reasons.py` has the domain write each form,
so a reworded one fails there instead of showing English on a Chinese page.
"""
from __future__ import annotations

import re

from flask_babel import get_locale, gettext

from .refusals import N_

# the domain's form (Python format fields) -> its template in the catalogue (`messages_zh.py`)
FORMS: dict[str, str] = {
    "opening stock (world file)": N_("opening stock (world file)"),
    "requisition": N_("requisition"),
    "requisition for {sku}": N_("requisition for %(sku)s"),
    "requisition shipped": N_("requisition shipped"),
    "requisition cancelled": N_("requisition cancelled"),
    "planned by {run}": N_("planned by %(run)s"),
    "re-planned by {run}": N_("re-planned by %(run)s"),
    "wrong part on {requisition} line {line}: the ordered units never left":
        N_("wrong part on %(requisition)s line %(line)s: the ordered units never left"),
    "wrong part on {requisition} line {line}: shipped instead of {sku}":
        N_("wrong part on %(requisition)s line %(line)s: shipped instead of %(sku)s"),
    "wrong part on line {line}: replacement to ship": N_("wrong part on line %(line)s: replacement to ship"),
    "cycle count {count}": N_("cycle count %(count)s"),
    "cycle count {count} approved": N_("cycle count %(count)s approved"),
    "transfer {transfer} to {warehouse}": N_("transfer %(transfer)s to %(warehouse)s"),
    "transfer {transfer} from {warehouse}": N_("transfer %(transfer)s from %(warehouse)s"),
    "discrepancy: {missing} missing on transfer {transfer}: {note}":
        N_("discrepancy: %(missing)s missing on transfer %(transfer)s: %(note)s"),
    "old part of ticket {ticket}": N_("old part of ticket %(ticket)s"),
    "unused part returned in good order": N_("unused part returned in good order"),
    "purchase order {order}": N_("purchase order %(order)s"),
    "purchase order {order}: {note}": N_("purchase order %(order)s: %(note)s"),
    "receipt": N_("receipt"),
    "receipt: {note}": N_("receipt: %(note)s"),
    "count import: {note}": N_("count import: %(note)s"),
    "raise {warehouse} to its base-stock target": N_("raise %(warehouse)s to its base-stock target"),
    # a dealer's quota (inventory.quotas): the reasons it gives when its caller gives none
    "cancelled": N_("cancelled"),
    "defective return confirmed": N_("defective return confirmed"),
}

_FIELD = re.compile(r"\{(\w+)\}")
NOTE = "note"  # the one field that is a person's words, spaces and all; every other is a code or a number


def _pattern(form: str) -> re.Pattern:
    """The form as a pattern: its words literally, a `note` any text, every other field one code or
    number without spaces. So a person's sentence that only starts like a form ("transfer 12 from
    GD1 arrived wet") is not taken for it."""
    parts, at = [], 0
    for field in _FIELD.finditer(form):
        value = ".+" if field.group(1) == NOTE else r"\S+?"
        parts.append(re.escape(form[at:field.start()]) + f"(?P<{field.group(1)}>{value})")
        at = field.end()
    return re.compile("".join(parts) + re.escape(form[at:]), re.DOTALL)


# most literal words first, so "purchase order {order}: {note}" is tried before "purchase order {order}"
_PATTERNS = [(_pattern(form), template) for form, template in
             sorted(FORMS.items(), key=lambda item: -len(_FIELD.sub("", item[0])))]


def reason_label(text: str | None) -> str:
    """A reason the domain wrote, in the page's words; anything else as it was written."""
    if not text:
        return ""
    locale = get_locale()
    if locale is None or locale.language == "en":
        return text
    for pattern, template in _PATTERNS:
        found = pattern.fullmatch(text)
        if found:
            return gettext(template, **found.groupdict())
    return text
