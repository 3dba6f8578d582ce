"""Domain errors. The API maps each to one HTTP status; the CLI prints its message."""


class DomainError(Exception):
    """Base of every rule the domain refuses; `message` is shown to the user as is."""

    status = 422

    def __init__(self, message: str, **details):
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidInput(DomainError):
    """Well-formed input that breaks a rule (unknown sku, qty < 1, bad world file)."""


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    """The thing is in a state that does not allow this (cancel after ship, inspect twice)."""

    status = 409


class InsufficientStock(Conflict):
    """Fewer units available than asked for; nothing was reserved."""


class QuotaExceeded(DomainError):
    """A dealer's monthly credit quota would be overspent; nothing was reserved."""


class WrongPartScanned(InvalidInput):
    """A clerk scanned a part the pick does not ship (错发 stopped at the shelf); nothing shipped."""


class ScanCountMismatch(InvalidInput):
    """The units scanned for a sku are not the units the pick ships; nothing shipped."""
