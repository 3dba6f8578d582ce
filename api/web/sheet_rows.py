"""What a checked spreadsheet is made of: its rows' problems, the result of checking it, and the
words a sheet may use for yes and no. Kept apart from the reading and the checks
(`spreadsheet.py`) so each kind's own checks (`supersession_rows.py`) build on it without
importing the module that calls them."""
from __future__ import annotations

from dataclasses import dataclass, field

TRUE = {"1", "true", "yes", "y", "是", "t"}
FALSE = {"0", "false", "no", "n", "否", "f", ""}


@dataclass
class Problem:
    row: int  # the spreadsheet's own row number (the header is row 1)
    column: str
    message: str  # or a lazy translation, read when the page shows it

    def __str__(self) -> str:
        # already in the page's language (a lazy translation), unlike a domain error's English text
        return str(getattr(self, "message"))


@dataclass
class Checked:
    kind: str
    rows: list[dict]
    problems: list[Problem] = field(default_factory=list)
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    waiting: int = 0  # stock counts beyond the cycle count tolerance: they wait for HQ, nothing is posted
    preview: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows)
