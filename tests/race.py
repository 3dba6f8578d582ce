"""Start many threads at once on the same job: the shape of every concurrency proof here."""
from __future__ import annotations

import threading


def race(workers: int, job, *, timeout: float = 120) -> list:
    """Start `workers` threads together (a barrier) on `job(index)`; return every result or the
    exception it raised, in completion order. A thread still running after `timeout` fails the test."""
    barrier, results, lock = threading.Barrier(workers), [], threading.Lock()

    def worker(index):
        barrier.wait()
        try:
            outcome = job(index)
        except Exception as exc:  # noqa: BLE001 - collected and judged by the test
            outcome = exc
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout)
    assert not any(t.is_alive() for t in threads), "a worker hung"
    return results


def raised(results: list) -> list[Exception]:
    """The exceptions among `race` results."""
    return [r for r in results if isinstance(r, Exception)]
