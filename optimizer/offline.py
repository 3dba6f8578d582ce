"""`parts optimize --instance F --out F`: read an instance file, solve it exactly, write the plan.

Bad input ends in one `error: ...` line on stderr and exit status 2, never a traceback, so
the HQ parts team can fix the file from the message alone.
"""
from __future__ import annotations

import sys
from time import perf_counter

from .allocate import SolverError, solve
from .instance import InstanceError, read_instance, write_plan

EXIT_BAD_INPUT = 2
EXIT_SOLVER_FAILED = 1


def main(instance_path: str, out_path: str, *, progress: bool = True) -> int:
    started = perf_counter()
    try:
        instance = read_instance(instance_path)
        plan = solve(instance)
        write_plan(plan, out_path)
    except InstanceError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except SolverError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_SOLVER_FAILED
    if progress:
        s = plan.summary
        print(f"optimal plan written to {out_path}: objective {s['objective']} RMB, "
              f"{s['on_time_units']} units on time, {s['late_units']} late, "
              f"{s['unshipped_units']} unshipped; solve {s['solve_seconds']:.2f} s, "
              f"total {perf_counter() - started:.2f} s")
    return 0
