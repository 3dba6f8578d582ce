"""What Flask-Limiter adds to one request, measured apart from everything else.

    .venv/bin/python bench/rate_limit_cost.py [--requests 3000] [--redis redis://127.0.0.1:6379/3]

A bare Flask app with one POST view is called through its test client with the limiter off (the
baseline, same run), then on with the API's settings (`X-RateLimit-*` headers, in-memory fallback,
errors swallowed) for each strategy and store: memory, and Redis when it answers. Printed: process
CPU per request above the baseline, in ms. The submit's own profile is `bench/submit_profile.py`.
"""
from __future__ import annotations

import argparse
import time

from flask import Flask
from flask_limiter import Limiter

STRATEGIES = ("fixed-window", "sliding-window-counter", "moving-window")


def cpu_per_request(strategy: str, store: str, *, enabled: bool, requests: int) -> float:
    """ms of process CPU per POST, after 200 warm-up requests."""
    app = Flask("bench")
    app.config.update(RATELIMIT_HEADERS_ENABLED=True, RATELIMIT_STRATEGY=strategy, RATELIMIT_ENABLED=enabled,
                      RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True, RATELIMIT_SWALLOW_ERRORS=True)
    Limiter(lambda: "key:bench", app=app, default_limits=["10000000 per minute"], storage_uri=store)

    @app.post("/x")
    def view():
        return {"ok": True}

    client = app.test_client()
    for _ in range(200):
        client.post("/x")
    started = time.process_time()
    for _ in range(requests):
        client.post("/x")
    return (time.process_time() - started) / requests * 1000


def redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/3")
    args = parser.parse_args()
    stores = ["memory://"] + ([args.redis] if redis_answers(args.redis) else [])
    if len(stores) == 1:
        print(f"{args.redis} does not answer: memory only")
    base = cpu_per_request("fixed-window", "memory://", enabled=False, requests=args.requests)
    print(f"baseline (limiter off): {base:.3f} ms CPU a request")
    print(f"{'strategy':24s} {'store':28s} {'ms over the baseline':>22s}")
    for strategy in STRATEGIES:
        for store in stores:
            extra = cpu_per_request(strategy, store, enabled=True, requests=args.requests) - base
            print(f"{strategy:24s} {store:28s} {extra:22.3f}")


if __name__ == "__main__":
    main()
