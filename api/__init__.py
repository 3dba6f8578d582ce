"""Entry points: the Flask app (REST API and web UI), the `parts` CLI and the Celery app."""
