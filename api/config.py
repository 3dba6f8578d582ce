"""Configuration from the environment, read when an app or command starts (never at import)."""
from __future__ import annotations

import os
from pathlib import Path


def database_url() -> str:
    """`DATABASE_URL`, else an embedded SQLite file under ./instance/."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    instance = Path.cwd() / "instance"
    instance.mkdir(exist_ok=True)
    return f"sqlite:///{instance / 'parts.db'}"


REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def signin_storage_uri() -> str:
    """Where failed web sign-ins are counted: `SIGNIN_STORAGE_URI` (`database` forces the
    table), else `REDIS_URL`, else the rate-limit store or the Celery broker when either is a
    Redis, else the database (the embedded default)."""
    explicit = os.environ.get("SIGNIN_STORAGE_URI")
    if explicit:
        return explicit
    for name in ("REDIS_URL", "RATELIMIT_STORAGE_URI", "CELERY_BROKER_URL"):
        url = os.environ.get(name, "")
        if url.startswith(REDIS_SCHEMES):
            return url
    return "database"


def defaults() -> dict:
    broker = os.environ.get("CELERY_BROKER_URL")
    return {
        "DATABASE_URL": database_url(),
        "SECRET_KEY": os.environ.get("SECRET_KEY") or _instance_secret(),
        "CELERY": {
            "broker_url": broker or "memory://",
            "result_backend": os.environ.get("CELERY_RESULT_BACKEND") or (broker or "cache+memory://"),
            "task_always_eager": not broker,
            "task_eager_propagates": True,
            "task_acks_late": True,
            "task_reject_on_worker_lost": True,
            "worker_prefetch_multiplier": 1,
            "task_default_queue": os.environ.get("CELERY_QUEUE", "parts"),
            "broker_connection_retry_on_startup": True,
            "timezone": "UTC",
        },
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        "RATELIMIT_DEFAULT": os.environ.get("RATELIMIT_DEFAULT", "600 per minute"),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        # The limit store (Redis in production) going down must not take the API with it:
        # limits fall back to per-process memory until the store answers again.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        "SIGNIN_STORAGE_URI": signin_storage_uri(),
        "SIGNIN_KEY_PREFIX": os.environ.get("SIGNIN_KEY_PREFIX", "signin:"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "0") == "1",
        # Behind a TLS-terminating proxy: honour its X-Forwarded-* so HTTPS is seen (HSTS, secure URLs).
        "PROXY_FIX": os.environ.get("PROXY_FIX", "0") == "1",
        # Webhooks: receivers on private, loopback or link-local addresses only when HQ allows it (SSRF)
        "WEBHOOKS_ALLOW_PRIVATE": os.environ.get("WEBHOOKS_ALLOW_PRIVATE", "0") == "1",
        "WEBHOOKS_TIMEOUT": float(os.environ.get("WEBHOOKS_TIMEOUT", "10")),
        "WEBHOOKS_MAX_ATTEMPTS": int(os.environ.get("WEBHOOKS_MAX_ATTEMPTS", "10")),
        # Runs still queued this long lost their task message (a broker restarted): beat's sweep,
        # every RUNS_REQUEUE_SWEEP_SECONDS, sends their task again (api/tasks/runs.py)
        "RUNS_REQUEUE_AFTER_SECONDS": float(os.environ.get("RUNS_REQUEUE_AFTER_SECONDS", "600")),
        "RUNS_REQUEUE_SWEEP_SECONDS": float(os.environ.get("RUNS_REQUEUE_SWEEP_SECONDS", "300")),
        # Runs `running` with no heartbeat (every 30 s while a start works) this long: their worker
        # died; the same sweep puts them back to queued and sends their task again
        "RUNS_STALLED_RUNNING_SECONDS": float(os.environ.get("RUNS_STALLED_RUNNING_SECONDS", "900")),
    }


def _instance_secret() -> str:
    """A per-install secret kept in ./instance/secret_key, so sessions survive restarts."""
    path = Path.cwd() / "instance" / "secret_key"
    path.parent.mkdir(exist_ok=True)
    if not path.exists():
        import secrets

        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
