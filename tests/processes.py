"""Processes as /proc shows them, for what kills or pauses them: the reliability tests and the
fault campaign (bench/faults.py) find a Celery worker's pool process or gunicorn's workers here."""
from __future__ import annotations

from pathlib import Path


def children(pid: int) -> list[int]:
    """The ids of the processes whose parent is `pid`, in order."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return sorted(found)
