"""Apply and write schema migrations (Alembic) for any database URL."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from .db import normalise_url

SCRIPTS = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPTS))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "heads") -> None:
    command.upgrade(alembic_config(url), revision)


def revision(url: str, message: str, *, rev_id: str | None = None, head: str = "head") -> None:
    """Autogenerate a migration from the models (a developer's tool: `parts db-revision`)."""
    command.revision(alembic_config(url), message=message, autogenerate=True, rev_id=rev_id, head=head)
