"""Benchmark: the offline optimizer on a national instance, against the greedy baseline.

    .venv/bin/python bench/optimizer.py [--seed 1] [--factors 1.0 0.6]

For each stock factor it generates the national instance (36 warehouses, 3,000 points,
20,000 skus, 200,000 lines, every lane), writes it to a temporary file, and measures the
offline path (read, solve to the proven optimum, write the plan) in a fresh process, so the
timings and memory are that path's alone. Peak memory is ru_maxrss (the resident-set
high-water mark) of that process and, separately, of its largest pool worker
(RUSAGE_CHILDREN); their sum bounds the peak. The offline path runs --repeat times (each in
a fresh process) and the fastest run is shown beside all totals, since other work on a shared
machine only ever adds time; CPU seconds are shown too. The greedy baseline (heaviest line
first, nearest holder first) runs in the first of those processes. Goals: solve < 3 s,
offline < 10 s, peak < 2 GB.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path
from time import perf_counter

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NATIONAL = dict(n_warehouses=36, n_points=3000, n_skus=20000, n_lines=200000)


def measure(instance_path: str, plan_path: str, with_greedy: bool) -> dict:
    """The offline path with a clock between its steps, then greedy on the same instance."""
    from optimizer.allocate import solve
    from optimizer.greedy import greedy_plan
    from optimizer.instance import read_instance, write_plan

    started = perf_counter()
    instance = read_instance(instance_path)
    read = perf_counter()
    plan = solve(instance)
    solved = perf_counter()
    write_plan(plan, plan_path)
    written = perf_counter()
    times = os.times()
    cpu = times.user + times.system + times.children_user + times.children_system
    peak_main = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak_worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    figures = {"read": read - started, "build_cpu": plan.seconds["build_cpu"],
               "flow_cpu": plan.seconds["flow_cpu"], "build_and_flow": plan.seconds["build_and_flow"],
               "check": plan.seconds["check"], "solve": solved - read, "write": written - solved,
               "total": written - started, "cpu": cpu, "arcs": plan.seconds["arcs"],
               "peak_main_mb": peak_main, "peak_worker_mb": peak_worker, "optimal": plan.summary}
    if with_greedy:
        greedy_started = perf_counter()
        figures["greedy"] = greedy_plan(instance).summary
        figures["greedy_seconds"] = perf_counter() - greedy_started
    return figures


def cli_wall_seconds(instance_path: str, plan_path: str) -> float:
    """`parts optimize` as a user runs it: a fresh interpreter, imports included."""
    code = ("import sys; from optimizer.offline import main; "
            "sys.exit(main(sys.argv[1], sys.argv[2], progress=False))")
    started = perf_counter()
    subprocess.run([sys.executable, "-c", code, instance_path, plan_path], cwd=ROOT, check=True)
    return perf_counter() - started


def run_factor(factor: float, seed: int, workdir: str, repeat: int) -> dict:
    from optimizer.generate import generate_instance

    started = perf_counter()
    doc = generate_instance(**NATIONAL, stock_factor=factor, seed=seed)
    path = os.path.join(workdir, f"national-{factor}.json")
    with open(path, "w", encoding="utf-8") as out:
        json.dump(doc, out)
    generated = perf_counter() - started
    stock, demand = sum(r["qty"] for r in doc["stock"]), sum(r["qty"] for r in doc["lines"])
    del doc
    plan_path = os.path.join(workdir, f"plan-{factor}.json")
    runs = [_measure_in_child(path, plan_path, with_greedy=i == 0) for i in range(repeat)]
    best = min(runs, key=lambda run: run["total"])
    best.update(greedy=runs[0]["greedy"], greedy_seconds=runs[0]["greedy_seconds"],
                totals=sorted(run["total"] for run in runs), factor=factor, generate=generated,
                stock=stock, demand=demand, size_mb=os.path.getsize(path) / 1e6,
                cli=min(cli_wall_seconds(path, plan_path) for _ in range(repeat)))
    return best


def _measure_in_child(path: str, plan_path: str, with_greedy: bool) -> dict:
    command = [sys.executable, __file__, "--measure", path, plan_path] + ["--greedy"] * with_greedy
    child = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(child.stdout.strip().splitlines()[-1])


def report(f: dict) -> None:
    print(f"\n## stock factor {f['factor']}: {f['stock']:,} units free for {f['demand']:,} units open "
          f"({f['size_mb']:.0f} MB file, {f['arcs']:,} arcs; generated in {f['generate']:.1f} s)")
    print(f"best of {len(f['totals'])} runs (offline totals {', '.join(f'{t:.2f}' for t in f['totals'])} s):")
    print(f"read {f['read']:.2f} s | solve {f['solve']:.2f} s (build + flow {f['build_and_flow']:.2f} s "
          f"wall, of which CPU build {f['build_cpu']:.2f} s, flow {f['flow_cpu']:.2f} s; "
          f"check {f['check']:.2f} s) | write {f['write']:.2f} s")
    print(f"offline total {f['total']:.2f} s wall, {f['cpu']:.2f} s CPU (all processes, imports "
          f"included) | CLI wall incl. interpreter start {f['cli']:.2f} s")
    print(f"peak memory (ru_maxrss): main {f['peak_main_mb']:.0f} MB, largest worker "
          f"{f['peak_worker_mb']:.0f} MB; greedy took {f['greedy_seconds']:.2f} s")
    print(f"{'plan':<8} {'objective RMB':>16} {'on-time':>9} {'late':>8} {'unshipped':>9} {'freight RMB':>13}")
    for name in ("optimal", "greedy"):
        s = f[name]
        print(f"{name:<8} {s['objective']:>16} {s['on_time_units']:>9,} {s['late_units']:>8,} "
              f"{s['unshipped_units']:>9,} {s['cost']:>13}")
    gain = float(f["optimal"]["objective"]) - float(f["greedy"]["objective"])
    print(f"optimal - greedy: {gain:,.2f} RMB "
          f"({f['optimal']['on_time_units'] - f['greedy']['on_time_units']:+,} units on time)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--factors", type=float, nargs="+", default=[1.0, 0.6])
    parser.add_argument("--repeat", type=int, default=3, help="runs of the offline path; the fastest is shown")
    parser.add_argument("--measure", nargs=2, metavar=("INSTANCE", "PLAN"), help=argparse.SUPPRESS)
    parser.add_argument("--greedy", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(*args.measure, with_greedy=args.greedy)))
        return
    print(f"# optimizer benchmark, seed {args.seed}, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as workdir:
        for factor in args.factors:
            load = os.getloadavg()[0]
            report(run_factor(factor, args.seed, workdir, max(1, args.repeat)))
            print(f"(load average {load:.2f} before, {os.getloadavg()[0]:.2f} after: other work shares the CPUs)")


if __name__ == "__main__":
    main()
