"""Celery tasks: thin wrappers that open a session, call the domain, and report progress."""
