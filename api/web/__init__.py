"""Server-rendered pages for warehouse clerks and the HQ parts team."""
from flask import Flask


def register(app: Flask) -> None:
    from .views import bp

    app.register_blueprint(bp)
