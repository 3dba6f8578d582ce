"""The import schemas' messages on a spreadsheet row, in the page's language.

A row of a parts or service-point sheet is checked by the world file's marshmallow schemas
(`inventory.world_schema`), which word their problems in English: marshmallow's own messages
and the schema's rules. Each one a sheet can provoke is written here in its exact words, with
named placeholders, and translated like the domain's refusals (`refusals.in_page_language`).
`tests/web/test_import_messages.py` provokes every one from a real sheet, so a marshmallow
upgrade that rewords one fails a test instead of showing English in the Chinese UI.
"""
from __future__ import annotations

from flask_babel import LazyString

from .refusals import N_, in_page_language, pattern

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

TABLE = tuple((msgid, pattern(msgid)) for msgid in MESSAGES)


def schema_message(message: str) -> LazyString:
    """The schema's `message`, read in the page's language when the page shows it."""
    return LazyString(in_page_language, message, TABLE)
