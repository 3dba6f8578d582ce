"""The import schemas' messages on a spreadsheet row, in the page's language.

A row of a parts or service-point sheet is checked by the world file's marshmallow schemas
(`inventory.world_schema`), which word their problems in English: marshmallow's own messages
and the schema's rules. Each one a sheet can provoke is written here in its exact words, with
named placeholders; since marshmallow's messages carry no code, the words between the
placeholders are matched against a message to recover its values (the domain's refusals carry
codes and values instead: `refusals.py`).
`tests/web/test_import_messages.py` provokes every one from a real sheet, so a marshmallow
upgrade that rewords one fails a test instead of showing English in the Chinese UI.
"""
from __future__ import annotations

import re

from flask_babel import LazyString, get_locale, gettext

from .refusals import N_

MESSAGES = (
    # marshmallow's own
    N_("Missing data for required field."),
    N_("Not a valid number."),
    N_("Special numeric values (nan or infinity) are not permitted."),
    N_("Longer than maximum length %(max)s."),
    N_("Length must be between %(min)s and %(max)s."),
    N_("Must be greater than or equal to %(min)s and less than or equal to %(max)s."),
    N_("Must be one of: %(choices)s."),
    # inventory.world_schema's rules
    N_("must be 1-16 letters, digits, '-', '_' or '.'"),
    N_("must be 1-40 letters, digits, '-', '_' or '.'"),
    N_("must not contain NUL or unpaired surrogate characters"),
    N_("must be between 0 and %(max)s"),
    N_("must have at most two decimal places"),
)

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


def find(message: str) -> tuple[str, dict[str, str]] | None:
    """The format `message` was written in and its values, or None when the table lacks it."""
    for msgid, regex in TABLE:
        match = regex.fullmatch(message)
        if match:
            return msgid, match.groupdict()
    return None


def in_page_language(message: str) -> str:
    """`message` in the page's language; English pages, and messages the table does not know,
    keep the words they came in."""
    locale = get_locale()
    found = find(message) if locale is not None and locale.language != "en" else None
    if found is None:
        return message
    msgid, values = found
    return gettext(msgid, **values)


def schema_message(message: str) -> LazyString:
    """The schema's `message`, read in the page's language when the page shows it."""
    return LazyString(in_page_language, message)
