"""Repair throughput of this checkout against an earlier commit, measured in one run.

    .venv/bin/python benchmarks/repair_ab.py --base 911f496     # or any commit, tag or branch

The two engines repair the same synthetic OCR pages (``repair_bench``'s documents, made by this
checkout's ``ocr_synth``), each in its own process, with the processes alternating so that load
from other work on the machine falls on both alike. The base is checked out into a temporary git
worktree, removed afterwards. Printed: MB/s per core (CPU time) of each, medians, and their ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

MEASURE = r"""
import json, sys, time
sys.path.insert(0, {benchmarks!r})
import ocr_synth
from preserve.repair import repair
texts = [d.raw for d in ocr_synth.make_corpus({documents}, 0, seed={seed})]
size = sum(len(t.encode("utf-8")) for t in texts)
for text in texts:  # warm-up: the dictionary is loaded and its answers cached
    repair(text)
rates = []
for _ in range({runs}):
    start = time.process_time()
    for text in texts:
        repair(text)
    rates.append(size / 1e6 / (time.process_time() - start))
print(json.dumps(rates))
"""


def measure(tree: Path, documents: int, seed: int, runs: int) -> list[float]:
    """MB/s of each run, in a fresh process importing ``preserve`` from ``tree``."""
    code = MEASURE.format(benchmarks=str(HERE), documents=documents, seed=seed, runs=runs)
    environment = dict(os.environ, PYTHONPATH=f"{tree / 'src'}{os.pathsep}{tree}")
    done = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"Measuring {tree} failed: {done.stderr.strip().splitlines()[-1:]}")
    return [float(rate) for rate in json.loads(done.stdout)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="commit to compare against")
    parser.add_argument("--rounds", type=int, default=3, help="processes per engine (default 3)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per process (default 5)")
    parser.add_argument("--documents", type=int, default=40, help="OCR pages (default 40)")
    parser.add_argument("--seed", type=int, default=0, help="first seed (default 0)")
    args = parser.parse_args(argv)
    if min(args.rounds, args.runs, args.documents) < 1:
        print("Give at least one round, one run and one document.", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="repair-ab-") as scratch:
        base = Path(scratch) / "base"
        added = subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(base), args.base],
            capture_output=True,
            text=True,
            check=False,
        )
        if added.returncode != 0:
            print(f"Cannot check out {args.base!r}: {added.stderr.strip()}", file=sys.stderr)
            return 2
        try:
            rates: dict[str, list[float]] = {"base": [], "this checkout": []}
            for _ in range(args.rounds):
                rates["base"] += measure(base, args.documents, args.seed, args.runs)
                rates["this checkout"] += measure(ROOT, args.documents, args.seed, args.runs)
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)],
                capture_output=True,
                check=False,
            )
    medians = {name: statistics.median(values) for name, values in rates.items()}
    for name, values in rates.items():
        print(
            f"{name:14s} median {medians[name]:.2f} MB/s per core "
            f"(best {max(values):.2f}, {len(values)} runs)"
        )
    ratio = medians["this checkout"] / medians["base"]
    print(f"ratio this checkout / base ({args.base}): {ratio:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
