"""CPU cost per page of the review page and the OCR quality score, against another commit.

    .venv/bin/python benchmarks/review_bench.py [--base main] [--rounds 3] [--runs 15] [--json]

Issue 11 asks for 100 small OCR items a second on 2 cores with repair on: about 18 ms of CPU
per item for everything. Besides ``repair`` itself, each repaired item costs
``quality.quality_of`` (the quality score) and ``review.render_result`` (its review page); this
measures both, per page, on the two seed texts of ``raw/`` (a magazine OCR page with ~400 edits,
a born-digital text) and on synthetic OCR pages (``ocr_synth``, fixed seeds).

Both engines are measured in the same run: the base commit's ``src/`` is exported into a
temporary folder (``git archive``, no worktree), and each engine runs in its own process, the
processes alternating so that load from other work falls on both alike. Each text is repaired
once by that engine, then each call is timed ``--runs`` times with ``time.process_time`` (CPU,
so waiting for a busy core does not count). Printed: median CPU ms per call of each engine, the
synthetic pages as the median of their per-page medians, and the ratio base / this checkout
(above 1: this checkout is faster).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SEEDS = ("000_67441470ab27cc8a.txt", "004_a2351c820a57e3eb.txt")
"""The magazine OCR seed and the born-digital seed of ``raw/``."""

MEASURE = r"""
import json, statistics, sys, time
from pathlib import Path
sys.path.insert(0, {benchmarks!r})
import ocr_synth
from preserve.repair import repair
from preserve.repair.quality import quality_of
from preserve.repair.review import render_result

texts = {{name: (Path({raw!r}) / name).read_text(encoding="utf-8") for name in {seeds!r}}}
for document in ocr_synth.make_corpus({documents}, 0, seed={seed}):
    texts[f"synthetic {{document.seed}}"] = document.raw
timings = {{}}
for name, text in texts.items():
    result = repair(text)
    quality = quality_of(result).to_dict()  # also warms the dictionary's cache
    render_result(result, title=name, source_name=name, quality=quality)
    calls = {{
        "quality": lambda: quality_of(result),
        "render": lambda: render_result(result, title=name, source_name=name, quality=quality),
    }}
    timings[name] = {{}}
    for call, function in calls.items():
        spent = []
        for _ in range({runs}):
            start = time.process_time()
            function()
            spent.append(time.process_time() - start)
        timings[name][call] = spent
print(json.dumps(timings))
"""


def export(commit: str, folder: Path) -> None:
    """The ``src/`` of ``commit`` written under ``folder`` (raises SystemExit if unknown)."""
    archive = folder / "src.tar"
    done = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", "-o", str(archive), commit, "src"],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"Cannot export {commit!r}: {done.stderr.strip()}")
    with tarfile.open(archive) as tar:
        tar.extractall(folder, filter="data")


def measure(source: Path, arguments: argparse.Namespace) -> dict[str, dict[str, list[float]]]:
    """Seconds of CPU per call, by text and call, in a fresh process importing ``source``."""
    code = MEASURE.format(
        benchmarks=str(HERE),
        raw=str(ROOT / "raw"),
        seeds=SEEDS,
        documents=arguments.documents,
        seed=arguments.seed,
        runs=arguments.runs,
    )
    environment = dict(os.environ, PYTHONPATH=f"{source}{os.pathsep}{ROOT}")
    done = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"Measuring {source} failed: {done.stderr.strip().splitlines()[-1:]}")
    timings: dict[str, dict[str, list[float]]] = json.loads(done.stdout)
    return timings


def summary(
    timings: dict[str, dict[str, dict[str, list[float]]]],
) -> dict[str, dict[str, dict[str, float]]]:
    """Median ms per call: ``{group: {call: {engine: ms}}}``, the synthetic pages as one
    group (the median of their per-page medians)."""
    result: dict[str, dict[str, dict[str, float]]] = {}
    for engine, by_text in timings.items():
        synthetic: dict[str, list[float]] = {}
        for name, calls in by_text.items():
            group = "synthetic pages" if name.startswith("synthetic") else name
            for call, spent in calls.items():
                median = statistics.median(spent) * 1000
                if group == "synthetic pages":
                    synthetic.setdefault(call, []).append(median)
                else:
                    result.setdefault(group, {}).setdefault(call, {})[engine] = median
        for call, medians in synthetic.items():
            result.setdefault("synthetic pages", {}).setdefault(call, {})[engine] = (
                statistics.median(medians)
            )
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="main", help="commit to compare against (main)")
    parser.add_argument("--rounds", type=int, default=3, help="processes per engine (default 3)")
    parser.add_argument("--runs", type=int, default=15, help="timed calls per text (default 15)")
    parser.add_argument("--documents", type=int, default=12, help="synthetic pages (default 12)")
    parser.add_argument("--seed", type=int, default=0, help="first seed (default 0)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    arguments = parser.parse_args(argv)
    if min(arguments.rounds, arguments.runs, arguments.documents) < 1:
        print("Give at least one round, one run and one document.", file=sys.stderr)
        return 2
    engines = {"base": Path(), "this checkout": ROOT / "src"}
    timings: dict[str, dict[str, dict[str, list[float]]]] = {name: {} for name in engines}
    with tempfile.TemporaryDirectory(prefix="review-bench-") as scratch:
        engines["base"] = Path(scratch) / "src"
        export(arguments.base, Path(scratch))
        for _ in range(arguments.rounds):
            for engine, source in engines.items():
                for name, calls in measure(source, arguments).items():
                    for call, spent in calls.items():
                        timings[engine].setdefault(name, {}).setdefault(call, []).extend(spent)
    figures = summary(timings)
    if arguments.json:
        print(json.dumps({"base": arguments.base, "ms_per_call": figures}, indent=2))
        return 0
    print(f"CPU ms per call, medians ({arguments.rounds} processes x {arguments.runs} calls each)")
    print(f"{'text':26s} {'call':8s} {'base':>8s} {'this':>8s} {'base/this':>10s}")
    for group, by_call in figures.items():
        for call, by_engine in by_call.items():
            base, this = by_engine["base"], by_engine["this checkout"]
            print(f"{group:26s} {call:8s} {base:8.2f} {this:8.2f} {base / this:9.2f}x")
    print(f"base: {arguments.base}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
