"""Flask extensions, created unbound and bound in `create_app`."""
from flask_sqlalchemy import SQLAlchemy

from inventory.db import Base, make_engine


class _SQLAlchemy(SQLAlchemy):
    """Flask-SQLAlchemy on our Base, with the engine built by `inventory.db.make_engine`
    so the app, CLI, Celery tasks and tests share the same SQLite locking and pool rules."""

    def _make_engine(self, bind_key, options, app):
        options = dict(options)
        url = options.pop("url")
        url = url if isinstance(url, str) else url.render_as_string(hide_password=False)
        return make_engine(url, **options)


db = _SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
