"""Domain refusals in the page's language.

The domain speaks English, and the API and CLI show its messages as they are. Each refusal a
web user can meet is written here once, in the domain's exact words with named placeholders
(`N_` marks it for the catalogue, `messages_zh.py` translates it); the words between the
placeholders are matched against the message to recover its values. English pages show the
domain's message unchanged, and so does every page for a message this table does not know.
`tests/web/test_refusals.py` provokes each refusal from the domain, so a reworded message fails
a test instead of silently falling back to English.
"""
from __future__ import annotations

import re
from typing import Callable

from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l

from inventory.errors import DomainError

from . import labels


def N_(msgid: str) -> str:
    """Marks a domain message format for the catalogue; it is translated when shown."""
    return msgid


MESSAGES = (
    # warehouses: ledger
    N_("%(warehouse)s has fewer than %(qty)s of %(sku)s available"),
    N_("counted %(counted)s but %(reserved)s of %(sku)s are reserved at %(warehouse)s; "
       "release or re-plan them first"),
    N_("a stock adjustment needs a reason"),
    # warehouses: a direct count while the sku's last one waits for HQ (cycle_counts.direct_counts)
    N_("a count of %(sku)s at %(warehouse)s already waits for HQ (cycle count %(count)s); HQ decides it first"),
    # warehouses: transfers
    N_("cannot ship transfer %(transfer)s: it is %(status)s"),
    N_("cannot receive transfer %(transfer)s: it is %(status)s"),
    N_("cannot close transfer %(transfer)s: it is %(status)s"),
    N_("cannot reject transfer %(transfer)s: it is %(status)s"),
    N_("transfer %(transfer)s has only %(outstanding)s outstanding, cannot receive %(qty)s"),
    # purchasing
    N_("cannot approve purchase order %(order)s: it is %(status)s"),
    N_("cannot reject purchase order %(order)s: it is %(status)s"),
    N_("cannot receive against purchase order %(order)s: it is %(status)s"),
    N_("cannot close purchase order %(order)s: it is %(status)s"),
    N_("%(extra)s more of %(sku)s than ordered: say why to accept it"),
    N_("a transfer cannot go from %(warehouse)s to itself"),
    # requisitions
    N_("requisition %(code)s has nothing reserved to ship from %(warehouse)s"),
    N_("requisition %(code)s is cancelled"),
    # requisitions: scan to ship (scans.check), 错发 stopped at the shelf
    N_("scanned %(sku)s, which requisition %(code)s does not ship from %(warehouse)s; put it back"),
    N_("scanned %(scanned)s of %(qty)s × %(sku)s for requisition %(code)s; scan each unit once"),
    # returns
    N_("return %(code)s is %(status)s; it cannot be received again"),
    N_("return %(code)s was already inspected (%(outcome)s)"),
    N_("return %(code)s is %(status)s; receive it before inspecting"),
    N_("return %(code)s is %(status)s; only an inspected return can be closed"),
    # quotas
    N_("amount must be between 0.00 and %(most)s"),
    N_("new limit %(new)s is not above the current %(current)s"),
    N_("an extension must be more than 0.00"),
    # policy
    N_("policy %(key)s: %(value)s is not a valid %(type)s"),
    N_("policy %(key)s: %(value)s is less than %(least)s"),
    # sign-in locks
    N_("%(name)s is not locked"),
    # stock plans
    N_("a budget must be more than 0.00 and at most %(most)s RMB"),
    N_("stock plan run %(run)s is %(status)s; wait for it to finish"),
)

POLICY_TYPES = {"int": _l("whole number"), "Decimal": _l("decimal number"), "dict": _l("JSON object")}

# Placeholders whose values are codes the domain stores: shown in the page's words.
VALUE_WORDS: dict[str, Callable[[str], str]] = {
    "status": labels.status_label,
    "outcome": labels.outcome_label,
    "type": lambda name: str(POLICY_TYPES.get(name, name)),
}

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def pattern(msgid: str) -> re.Pattern:
    """The regex a message of format `msgid` matches: its words as they are, each placeholder a group."""
    parts, end = [], 0
    for match in _PLACEHOLDER.finditer(msgid):
        parts += [re.escape(msgid[end:match.start()]), f"(?P<{match.group(1)}>.+?)"]
        end = match.end()
    parts.append(re.escape(msgid[end:]))
    return re.compile("".join(parts), re.DOTALL)


TABLE = tuple((msgid, pattern(msgid)) for msgid in MESSAGES)


def find(message: str, table=None) -> tuple[str, dict[str, str]] | None:
    """The format `message` was written in and its values, or None when the table lacks it."""
    for msgid, regex in TABLE if table is None else table:
        match = regex.fullmatch(message)
        if match:
            return msgid, match.groupdict()
    return None


def in_page_language(message: str, table=None) -> str:
    """`message`, written in one of the table's formats, in the page's language; English pages,
    and messages the table does not know, keep the words they came in."""
    locale = get_locale()
    found = find(message, table) if locale is not None and locale.language != "en" else None
    if found is None:
        return message
    msgid, values = found
    return gettext(msgid, **{name: VALUE_WORDS.get(name, str)(value) for name, value in values.items()})


def refusal(error: DomainError) -> str:
    """Why the domain refused, in the page's language (English: the domain's own message)."""
    return in_page_language(error.message)
