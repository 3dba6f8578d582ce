"""Domain errors: each refusal carries a stable `code` and the `values` it was about.

The English `message` is for logs, the CLI and the API's problem `detail`; the web words a
refusal from its code and values (api/web/refusals.py) and the API picks the HTTP status from
the error's class (api/errors.py), so nothing here knows about HTTP or page languages.
"""


class DomainError(Exception):
    """Base of every rule the domain refuses. `code` names the rule (stable, dotted: "stock.insufficient");
    `values` are the named values its message was written with; `field` names the input at fault."""

    code = "domain"

    def __init__(self, message: str, *, code: str | None = None, **details):
        super().__init__(message)
        self.message = message
        self.code = code or type(self).code
        self.details = details
        self.values = {name: value for name, value in details.items() if name not in ("field", "errors")}


class InvalidInput(DomainError):
    """Well-formed input that breaks a rule (unknown sku, qty < 1, bad world file)."""

    code = "invalid_input"


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    """The thing is in a state that does not allow this (cancel after ship, inspect twice)."""

    code = "conflict"


class InsufficientStock(Conflict):
    """Fewer units available than asked for; nothing was reserved."""

    code = "stock.insufficient"


class QuotaExceeded(DomainError):
    """A dealer's monthly credit quota would be overspent; nothing was reserved."""

    code = "quota.exceeded"


class WrongPartScanned(InvalidInput):
    """A clerk scanned a part the pick does not ship (错发 stopped at the shelf); nothing shipped."""

    code = "scan.wrong_part"


class ScanCountMismatch(InvalidInput):
    """The units scanned for a sku are not the units the pick ships; nothing shipped."""

    code = "scan.count_mismatch"
