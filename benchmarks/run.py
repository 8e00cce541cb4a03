"""Run the benchmarks one after another (never two at once: they would time each other) and
end with issue 11's table: each goal, preserve's figure, its anchor measured in the same run,
the ratio, met or missed.

    .venv/bin/python benchmarks/run.py [--quick] [--only PARTS] [--runs N] [--json] [--check]

Parts (``--only``, comma-separated; default: all of them, in this order):
- ``repair``    ``repair_bench.py``: OCR repair on synthetic magazine pages vs ``ftfy.fix_text``
                and a naive de-hyphenate-and-join baseline (its own table);
- ``realocr``   ``realocr_bench.py``: repair on real newspaper OCR with human ground truth, read
                from ``../shared/realocr-dev/smh`` (skipped when absent; its own table);
- ``handoff``   ``handoff_bench.py``: hand-off to a folder and over loopback SFTP vs ``cp -r`` and
                OpenSSH's ``sftp`` (its own table);
- ``audit``     ``audit_runners_bench.py``: the audit by the library alone vs the flow on threads
                and on a local Dask cluster, batched and one package a task (its own table);
- ``bytes``     issue 11, row 1 (``ingest_bench.py --only bytes``): marginal ingest time per byte
                vs copy + bagit-python ``make_bag``;
- ``items``     rows 2 and the runners (``ingest_bench.py --only items``): items/s of seed-sized
                texts with threads, processes and Dask, and each one's peak memory;
- ``validate``  row 3 (``validate_bench.py --only defaults``): ``preserve validate`` vs
                ``bagit.py --validate --processes 2`` on the same bag, interleaved;
- ``repeat``    row 4 (``ingest_bench.py --only startup``): a second ``preserve ingest`` of one
                small file vs ``bagit.py`` on one file;
- ``cores``     row 5 (``ingest_bench.py --only cores``): repair-heavy OCR items with the
                processes runner on 2 CPUs vs 1.
``issue11`` names the last five. The issue-11 parts print their figures as JSON, collected here.
``--json`` prints one JSON document (the table's rows and every part's figures) instead of the
table; ``--check`` exits 1 when a goal is missed (otherwise 1 only when a part failed to run).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OTHERS = {
    "repair": ["repair_bench.py"],
    "realocr": ["realocr_bench.py"],
    "handoff": ["handoff_bench.py"],
    "audit": ["audit_runners_bench.py"],
}
ISSUE11 = {
    "bytes": ["ingest_bench.py", "--only", "bytes"],
    "items": ["ingest_bench.py", "--only", "items"],
    "validate": ["validate_bench.py", "--only", "defaults"],
    "repeat": ["ingest_bench.py", "--only", "startup"],
    "cores": ["ingest_bench.py", "--only", "cores"],
}
PARTS = (*OTHERS, *ISSUE11)


def run_other(name: str, quick: bool, json_output: bool) -> int:
    """A benchmark that prints its own table (to stderr under ``--json``)."""
    command = [sys.executable, str(HERE / OTHERS[name][0]), *(["--quick"] if quick else [])]
    stdout = sys.stderr if json_output else None
    return subprocess.run(command, check=False, stdout=stdout).returncode


def run_part(name: str, quick: bool, runs: int | None) -> dict[str, Any] | None:
    """An issue-11 part: its JSON document (``None`` when it failed; its stderr shows why)."""
    script, *arguments = ISSUE11[name]
    command = [sys.executable, str(HERE / script), *arguments, "--json"]
    command += ["--quick"] if quick else []
    command += ["--runs", str(runs)] if runs else []
    result = subprocess.run(command, check=False, stdout=subprocess.PIPE, text=True)
    if result.returncode != 0:
        print(f"{script} {' '.join(arguments)} exited {result.returncode}", file=sys.stderr)
        return None
    try:
        document: dict[str, Any] = json.loads(result.stdout)
    except json.JSONDecodeError:
        print(f"{script} printed no JSON document: {result.stdout[-500:]}", file=sys.stderr)
        return None
    return document


# ---------------------------------------------------------------------------------------------
# The table


def _mib(bytes_: float) -> str:
    return f"{bytes_ / (1 << 20):,.0f} MiB" if bytes_ < 1 << 30 else f"{bytes_ / (1 << 30):.2f} GiB"


def row_bytes(part: dict[str, Any]) -> dict[str, Any]:
    r = part["bytes"]
    return {
        "work": f"ingest, marginal {r['marginal_mib']} MiB of 1 MiB binary files "
        f"(ingest of {r['base_mib'] + r['marginal_mib']} MiB minus {r['base_mib']} MiB)",
        "preserve": f"{r['preserve_marginal_s']:.2f} s ({r['preserve_mib_per_s']:.0f} MiB/s)",
        "anchor": f"copy + make_bag {r['anchor_marginal_s']:.2f} s "
        f"({r['anchor_mib_per_s']:.0f} MiB/s)",
        "ratio": r["ratio"],
        "goal": "<= 1.0x",
        "met": r["ratio"] <= 1.0,
        "runs": r["runs"],
    }


def row_items(part: dict[str, Any]) -> dict[str, Any]:
    r = part["items"]
    threads = r["runners"]["threads"]
    return {
        "work": f"ingest, seed-sized texts, repair on: items/s marginal over "
        f"{r['small']:,} -> {r['big']:,} items (threads, the default)",
        "preserve": f"{threads['items_per_s']:.1f} items/s",
        "anchor": "—",
        "ratio": None,
        "goal": ">= 100 items/s",
        "met": threads["items_per_s"] >= 100,
        "runs": r["runs"],
    }


def row_validate(part: dict[str, Any]) -> dict[str, Any]:
    r = part["defaults"]
    return {
        "work": f"preserve validate, {_mib(r['payload_bytes'])} bag, defaults",
        "preserve": f"{r['preserve_median_s']:.2f} s",
        "anchor": f"bagit.py --validate --processes 2: {r['bagit_median_s']:.2f} s",
        "ratio": r["ratio"],
        "goal": "<= 1.0x",
        "met": r["ratio"] <= 1.0,
        "runs": r["runs"],
    }


def row_repeat(part: dict[str, Any]) -> dict[str, Any]:
    r = part["startup"]
    return {
        "work": "a second preserve ingest of one small file (background server)",
        "preserve": f"{r['repeat_median_s']:.2f} s (first {r['first_s']:.2f} s)",
        "anchor": f"bagit.py on one file {r['anchor_median_s']:.2f} s",
        "ratio": r["repeat_median_s"] / r["anchor_median_s"],
        "goal": "<= 3 s",
        "met": r["repeat_median_s"] <= 3.0,
        "runs": r["runs"],
    }


def row_cores(part: dict[str, Any]) -> dict[str, Any]:
    r = part["cores"]
    if "skipped" in r:
        return {"work": "CPU-bound repair across cores", "skipped": r["skipped"]}
    return {
        "work": f"repair across cores: --runner processes on 2 CPUs vs 1, repair-heavy OCR "
        f"items ({r['pages_per_item']} pages), marginal {r['small']} -> {r['big']} items",
        "preserve": f"2 workers {r['two']['items_per_s']:.2f} items/s",
        "anchor": f"1 worker {r['one']['items_per_s']:.2f} items/s",
        "ratio": r["speedup"],
        "goal": ">= 1.5x",
        "met": r["speedup"] >= 1.5,
        "runs": r["runs"],
    }


ROWS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "bytes": row_bytes,
    "items": row_items,
    "validate": row_validate,
    "repeat": row_repeat,
    "cores": row_cores,
}


def runner_rows(part: dict[str, Any]) -> list[dict[str, Any]]:
    r = part["items"]
    return [
        {
            "runner": name,
            "items_per_s": f["items_per_s"],
            "speedup_over_threads": f["speedup_over_threads"],
            "whole_items_per_s": f["whole_items_per_s"],
            **f["memory"],
        }
        for name, f in r["runners"].items()
    ]


def print_table(
    rows: dict[str, dict[str, Any] | None],
    runners: list[dict[str, Any]] | None,
    items: dict[str, Any] | None,
    loads: list[tuple[float, float, float]],
    quick: bool,
) -> None:
    print(
        f"\nissue 11{' (--quick: smaller sizes, fewer runs)' if quick else ''}; load average "
        f"{loads[0][0]:.2f} at the start, {max(load[0] for load in loads):.2f} at most, "
        f"{loads[-1][0]:.2f} at the end (2 CPUs)\n"
    )
    print("| work | preserve | anchor (same run) | ratio | goal | runs | |")
    print("|---|---|---|---|---|---|---|")
    for name, row in rows.items():
        if row is None:
            print(f"| {name} | not measured: the part failed (see above) | | | | | |")
        elif "skipped" in row:
            print(f"| {row['work']} | skipped: {row['skipped']} | | | | | |")
        else:
            ratio = "—" if row["ratio"] is None else f"{row['ratio']:.2f}x"
            verdict = "met" if row["met"] else "**missed**"
            print(
                f"| {row['work']} | {row['preserve']} | {row['anchor']} | {ratio} | "
                f"{row['goal']} | {row['runs']} | {verdict} |"
            )
    if runners and items:
        print(
            f"\nrunners: the same {items['big']:,} seed-sized text items, repair on; items/s "
            f"marginal over {items['small']:,} -> {items['big']:,}; memory of the "
            f"{items['big']:,}-item command and every process under it (sampled PSS sum; "
            "largest single process: its VmHWM)\n"
        )
        print(
            "| runner | items/s | × threads | whole command items/s | peak, all processes "
            "(PSS) | largest process | processes |"
        )
        print("|---|---|---|---|---|---|---|")
        for r in runners:
            speedup = r["speedup_over_threads"]
            print(
                f"| {r['runner']} | {r['items_per_s']:.1f} | "
                f"{'—' if speedup is None else f'{speedup:.2f}x'} | {r['whole_items_per_s']:.1f} |"
                f" {r['tree_pss_peak_mib']:.0f} MiB | {r['largest_process_mib']:.0f} MiB | "
                f"{r['processes_seen']} |"
            )
        server = items.get("prefect_server_peak_mib")
        if server:
            print(
                f"\nThe background Prefect server all commands share (not counted above): "
                f"peak {server:.0f} MiB."
            )


def _runs(parser: argparse.ArgumentParser, given: str | None) -> dict[str, int]:
    """``--runs``: ``{"": N}`` for every part, or ``{part: N}`` for the parts named."""
    if not given:
        return {}
    try:
        if "=" not in given:
            return {"": int(given)}
        pairs = [item.split("=", 1) for item in given.split(",")]
        runs = {name: int(value) for name, value in pairs}
    except ValueError:
        parser.error(f"--runs {given}: give a number, or PART=N,... such as items=1")
    unknown = [name for name in runs if name not in ISSUE11]
    if unknown:
        parser.error(f"--runs: {', '.join(unknown)} is not an issue-11 part")
    return runs


def main() -> int:
    parser = argparse.ArgumentParser(description="Run the benchmarks; end with issue 11's table.")
    parser.add_argument("--quick", action="store_true", help="small sizes, fewer runs (minutes)")
    parser.add_argument(
        "--only",
        help=f"comma-separated parts: {', '.join(PARTS)}, or issue11 (default: all)",
    )
    parser.add_argument(
        "--runs",
        help="rounds per issue-11 part (medians): N for every part, or PART=N,... "
        "(default: 3, 1 with --quick; validate and repeat at least 5, 3 with --quick)",
    )
    parser.add_argument("--json", action="store_true", help="one JSON document, not the table")
    parser.add_argument("--check", action="store_true", help="exit 1 when a goal is missed")
    arguments = parser.parse_args()
    chosen: list[str] = []
    for name in (arguments.only or ",".join(PARTS)).split(","):
        chosen += list(ISSUE11) if name == "issue11" else [name]
    runs = _runs(parser, arguments.runs)
    unknown = [name for name in chosen if name not in PARTS]
    if unknown:
        parser.error(f"unknown part {', '.join(unknown)}: choose from {', '.join(PARTS)}, issue11")
    started = time.perf_counter()
    loads = [os.getloadavg()]
    failed = 0
    # The parts keep their runs' outputs aside (ingest_bench.discard): deleting thousands of
    # files between parts would slow the next part's file creations on this machine's disk.
    os.environ["PRESERVE_BENCH_KEEP_TRASH"] = "1"
    parts: dict[str, dict[str, Any] | None] = {}
    for name in [n for n in PARTS if n in chosen]:  # always in the documented order
        print(f"\n=== {name} (load average {loads[-1][0]:.2f})", file=sys.stderr, flush=True)
        part_started = time.perf_counter()
        if name in OTHERS:
            failed |= run_other(name, arguments.quick, arguments.json) != 0
        else:
            parts[name] = run_part(name, arguments.quick, runs.get(name, runs.get("")))
            failed |= parts[name] is None
        loads.append(os.getloadavg())
        print(f"=== {name}: {time.perf_counter() - part_started:.0f} s", file=sys.stderr)
    rows = {name: ROWS[name](part) if part else None for name, part in parts.items()}
    items = parts.get("items")
    runners = runner_rows(items) if items else None
    if arguments.json:
        print(
            json.dumps(
                {
                    "quick": arguments.quick,
                    "load_averages": loads,
                    "seconds": time.perf_counter() - started,
                    "issue11": rows,
                    "runners": runners,
                    "parts": parts,
                },
                indent=2,
            )
        )
    elif parts:
        print_table(rows, runners, items["items"] if items else None, loads, arguments.quick)
    shutil.rmtree(HERE / ".work" / ".trash", ignore_errors=True)
    print(f"\nrun.py took {time.perf_counter() - started:.0f} s", file=sys.stderr)
    missed = any(row and "met" in row and not row["met"] for row in rows.values())
    return 1 if failed or (arguments.check and missed) else 0


if __name__ == "__main__":
    raise SystemExit(main())
