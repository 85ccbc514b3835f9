"""Benchmark of global allocation: time, peak memory, objective against baselines and exact checks.

Run from the repository root::

    .venv/bin/python benchmarks/matching/run.py            # the full table (a few minutes)
    .venv/bin/python benchmarks/matching/run.py --quick    # 1k and 10k only

Instances come from ``python -m matching generate`` with fixed seeds. Every measurement runs in a
fresh subprocess; its wall time and peak RSS (``os.wait4`` rusage of that child) are what the
table shows, so the figures include Python start-up, JSON parsing and validation, the solve and
writing the result - what ``python -m matching allocate`` costs end to end. ``engine s`` is the
time spent inside ``allocate()`` alone (the result's ``seconds``).

Columns: exact (the engine), greedy FCFS and urgency-first (baselines, as % of the optimum),
the LP optimum over every eligible pair (HiGHS via SciPy, an independent exact solution, where
it is tractable) and the same network solved with OR-Tools min-cost flow instead of max flows
(an independent solver on the engine's network).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from matching.generate import generate_instance

# (needs, sources, seed, run the LP check)
FULL = [
    (1_000, 100, 1, True),
    (1_000, 10_000, 1, True),
    (3_000, 300, 1, True),
    (10_000, 1_000, 1, True),
    (10_000, 10_000, 1, False),
    (30_000, 3_000, 1, False),
    (100_000, 10_000, 1, False),
    (100_000, 10_000, 2, False),
]
QUICK = [(1_000, 100, 1, True), (10_000, 1_000, 1, False)]


def child(code: str, *args: str) -> dict[str, Any]:
    """Run ``python -c code args`` in a fresh process: its JSON output, wall time and peak RSS."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=out, stderr=err)  # noqa: S603
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text, errors = out.read().strip(), err.read().strip()
    if proc.returncode != 0:
        raise RuntimeError(f"child failed: {errors[-2000:]}")
    data: dict[str, Any] = json.loads(text.splitlines()[-1]) if text else {}
    data["wall_s"] = wall
    data["peak_mib"] = usage.ru_maxrss / 1024
    return data


CLI = """
import json, resource, sys, time
from matching.__main__ import main
code = main(["allocate", sys.argv[1], "-o", sys.argv[2], "--method", sys.argv[3]])
result = json.load(open(sys.argv[2]))
print(json.dumps({"objective": result["objective"], "engine_s": result["seconds"],
    "cases_fully_covered": result["cases_fully_covered"], "allocations": len(result["allocations"]),
    "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

CHECK = """
import json, resource, sys, time
from matching.instance import load_instance
needs, sources = load_instance(json.load(open(sys.argv[1])))
start = time.perf_counter()
if sys.argv[2] == "lp":
    from matching.lp import lp_optimum
    value, extra = lp_optimum(needs, sources), {}
else:
    from matching.engine.exact import solve_exact
    from matching.engine.problem import build_problem
    p = build_problem(needs, sources)
    src, need, amount, stats = solve_exact(p, prefer_complete=False, engine="mincost")
    value, extra = int((p.urgency[need] * amount).sum()), {"arcs": stats["arcs"]}
print(json.dumps({"objective": value, "engine_s": time.perf_counter() - start,
    "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, **extra}))
"""

STATS = """
import json, sys
from matching.allocate import allocate
from matching.instance import load_instance
r = allocate(*load_instance(json.load(open(sys.argv[1]))))
print(json.dumps({k: float(v) for k, v in r.stats.items()}))
"""


def instance_file(folder: Path, needs: int, sources: int, seed: int) -> Path:
    """The instance for (needs, sources, seed), generated once and cached in ``folder``."""
    path = folder / f"instance-{needs}x{sources}-s{seed}.json"
    if not path.exists():
        path.write_text(json.dumps(generate_instance(needs, sources, seed), separators=(",", ":")))
    return path


def measure(folder: Path, needs: int, sources: int, seed: int, lp: bool) -> dict[str, Any]:
    """All figures for one instance."""
    path = instance_file(folder, needs, sources, seed)
    out = folder / "result.json"
    row: dict[str, Any] = {"needs": needs, "sources": sources, "seed": seed}
    row["exact"] = child(CLI, str(path), str(out), "exact")
    row["stats"] = child(STATS, str(path))
    row["fcfs"] = child(CLI, str(path), str(out), "greedy-fcfs")
    row["urgency"] = child(CLI, str(path), str(out), "greedy-urgency")
    row["mincost"] = child(CHECK, str(path), "mincost")
    if lp:
        row["lp"] = child(CHECK, str(path), "lp")
    return row


def table(rows: list[dict[str, Any]]) -> str:
    """The markdown table of the README."""
    lines = [
        "| needs x sources | wall s | peak MiB | engine s | arcs | gadgets | rounds | objective | "
        "= LP (HiGHS) | = min-cost | FCFS % | urgency-first % | full cases exact / FCFS / urg |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        e, best = r["exact"], r["exact"]["objective"]
        checks = [_check(r.get("lp"), best), _check(r["mincost"], best)]
        pct = [100 * r[k]["objective"] / best if best else 100.0 for k in ("fcfs", "urgency")]
        full = " / ".join(f"{r[k]['cases_fully_covered']:,}" for k in ("exact", "fcfs", "urgency"))
        cells = [
            f"{r['needs']:,} x {r['sources']:,} (seed {r['seed']})",
            f"{e['wall_s']:.2f}",
            f"{e['peak_mib']:.0f}",
            f"{e['engine_s']:.2f}",
            f"{int(r['stats']['arcs']):,}",
            f"{int(r['stats']['gadgets']):,}",
            f"{int(r['stats']['rounds'])}",
            f"{best:,}",
            *checks,
            f"{pct[0]:.1f}",
            f"{pct[1]:.1f}",
            full,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _check(row: dict[str, Any] | None, best: int) -> str:
    if row is None:
        return "n/a"
    return f"{'yes' if row['objective'] == best else 'NO'} ({row['engine_s']:.1f} s)"


def main() -> None:
    """Run the benchmark and print the table (and write it as JSON with ``--json``)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1k and 10k needs only")
    parser.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "jjn-matching-bench"
    )
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    rows = []
    for needs, sources, seed, lp in QUICK if args.quick else FULL:
        rows.append(measure(args.cache, needs, sources, seed, lp))
        print(f"done {needs} x {sources} seed {seed}", file=sys.stderr, flush=True)
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
