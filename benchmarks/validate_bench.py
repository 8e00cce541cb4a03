"""Benchmark: preserve's validator against bagit-python on the same bags.

1. ``defaults`` (issue 11's row): ``preserve validate BAG`` as shipped (every core) against
   the command-line tool ``bagit.py --validate --processes 2 BAG``, both run as commands on
   a 1 GiB bag of 1,000 files (sha256 + sha512 manifests, made by bagit-python), page cache
   warm, interleaved with the order flipped each round, median of at least 5 rounds.
2. ``speed``: the same bag, in-process, ``validate_bag`` against ``Bag.validate`` with 1 and
   2 processes, median of 3 runs each (and the best run, less sensitive to a busy machine),
   interleaved.
3. ``memory``: a bag of 100,000 small files, peak RSS of each validator in a fresh child
   process (``VmHWM``), next to the bare interpreter's; and a manifest of 1,000,000 entries
   whose files are all missing, ``preserve validate`` with and without ``--json`` (issue 12:
   775 MB and 2.6 GB at 10d64da; goal under 250 MB).

Bags are built once in ``benchmarks/.work/`` (git-ignored) and reused.

    python benchmarks/validate_bench.py          # the full benchmark
    python benchmarks/validate_bench.py --quick  # 64 MiB and 10,000 files, fewer runs
    python benchmarks/validate_bench.py --only defaults --runs 7 --json   # what run.py asks
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

WORK = Path(__file__).resolve().parent / ".work"
CHECKSUMS = ["sha256", "sha512"]


def build_bag(folder: Path, files: int, size: int, fan_out: int = 1) -> Path:
    """A bag made by bagit-python (in a child process: make_bag calls os.chdir)."""
    done = folder / "bagit.txt"
    if done.is_file():
        return folder
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    seed = os.urandom(1 << 20)
    for number in range(files):
        sub = folder / f"part{number % fan_out:03d}" if fan_out > 1 else folder
        sub.mkdir(exist_ok=True)
        # Distinct content per file without paying for os.urandom on every byte.
        head = number.to_bytes(8, "big")
        body = (seed * (size // len(seed) + 1))[: max(0, size - 8)]
        (sub / f"file{number:06d}.bin").write_bytes(head + body)
    code = (
        "import bagit, sys; bagit.make_bag(sys.argv[1], {'Source-Organization': 'bench'}, "
        f"processes=2, checksums={CHECKSUMS!r})"
    )
    subprocess.run([sys.executable, "-c", code, str(folder)], check=True)
    return folder


def warm(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with path.open("rb") as stream:
                while stream.read(1 << 20):
                    pass


def time_ours(folder: Path, processes: int) -> float:
    from preserve.validation import validate_bag

    started = time.perf_counter()
    report = validate_bag(folder, processes=processes)
    elapsed = time.perf_counter() - started
    assert report.valid, [str(p) for p in report.errors][:5]
    return elapsed


def time_bagit(folder: Path, processes: int) -> float:
    import bagit

    started = time.perf_counter()
    bagit.Bag(str(folder)).validate(processes=processes)
    return time.perf_counter() - started


def time_command(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - started


PRESERVE = [str(Path(sys.executable).with_name("preserve"))]
BAGIT_CLI = [str(Path(sys.executable).with_name("bagit.py")), "--validate", "--processes", "2"]


def bench_defaults(folder: Path, runs: int) -> dict[str, Any]:
    """Issue 11's validation row: ``preserve validate BAG`` as shipped (defaults: every core)
    against the command-line tool ``bagit.py --validate --processes 2 BAG``, both as commands
    (interpreter start included), page cache warm. Interleaved, and the order flips each
    round (ours first, then theirs first), so neither always runs right after the other; the
    medians of ``runs`` rounds and their ratio."""
    warm(folder)
    ours: list[float] = []
    theirs: list[float] = []
    for round_number in range(runs):
        pair = [
            (ours, [*PRESERVE, "validate", str(folder)]),
            (theirs, [*BAGIT_CLI, str(folder)]),
        ]
        for times, command in pair if round_number % 2 == 0 else pair[::-1]:
            times.append(time_command(command))
    payload = sum(p.stat().st_size for p in (folder / "data").rglob("*") if p.is_file())
    return {
        "bag": folder.name,
        "payload_bytes": payload,
        "runs": runs,
        "preserve_s": ours,
        "bagit_s": theirs,
        "preserve_median_s": statistics.median(ours),
        "bagit_median_s": statistics.median(theirs),
        "ratio": statistics.median(ours) / statistics.median(theirs),
        "ratio_of_best": min(ours) / min(theirs),
    }


def speed(folder: Path, runs: int) -> list[dict[str, Any]]:
    warm(folder)
    rows = []
    timers: list[tuple[str, Callable[[], float], Callable[[], float]]] = [
        (str(n), partial(time_ours, folder, n), partial(time_bagit, folder, n)) for n in (1, 2)
    ]
    for label, time_ours_run, time_bagit_run in timers:
        ours, theirs = [], []
        for _ in range(runs):  # interleaved, so a busy moment hurts both alike
            ours.append(time_ours_run())
            theirs.append(time_bagit_run())
        row = {
            "processes": label,
            "ours_s": statistics.median(ours),
            "bagit_s": statistics.median(theirs),
            "ours_min": min(ours),
            "bagit_min": min(theirs),
        }
        row["ratio"] = row["ours_s"] / row["bagit_s"]
        row["ratio_min"] = row["ours_min"] / row["bagit_min"]
        rows.append(row)
    return rows


CHILD = {
    "interpreter": "import preserve.validation, bagit",
    "ours": (
        "import sys; from preserve.validation import validate_bag; "
        "r = validate_bag(sys.argv[1]); assert r.valid, r.errors[:3]"
    ),
    "bagit": "import sys, bagit; bagit.Bag(sys.argv[1]).validate()",
}


def peak_rss(folder: Path, which: str) -> tuple[float, float]:
    """Peak RSS in MiB and seconds of one validator run in a fresh interpreter.

    Read from /proc/self/status (VmHWM): ``getrusage``'s ru_maxrss survives fork and exec,
    so in a child it can report the parent's peak instead of its own.
    """
    code = (
        "import resource, time, json\n"
        "started = time.perf_counter()\n"
        f"{CHILD[which]}\n"
        "elapsed = time.perf_counter() - started\n"
        "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "for line in open('/proc/self/status'):\n"
        "    if line.startswith('VmHWM:'):\n"
        "        peak = int(line.split()[1])\n"
        "print(json.dumps([peak, elapsed]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(folder)], check=True, capture_output=True, text=True
    )
    kilobytes, seconds = json.loads(result.stdout.strip().splitlines()[-1])
    return kilobytes / 1024, seconds


def build_listing_bag(folder: Path, entries: int) -> Path:
    """A bag whose sha256 manifest lists ``entries`` files that are not there (issue 12's
    memory case: every entry is a problem to report)."""
    if (folder / "bagit.txt").is_file():
        return folder
    (folder / "data").mkdir(parents=True, exist_ok=True)
    (folder / "data" / "hello.txt").write_bytes(b"hello\n")
    digest = hashlib.sha256(b"hello\n").hexdigest()
    with (folder / "manifest-sha256.txt").open("w") as manifest:
        manifest.write(f"{digest}  data/hello.txt\n")
        manifest.writelines(f"{digest}  data/missing/{n:07d}.txt\n" for n in range(entries))
    (folder / "bagit.txt").write_text("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
    return folder


def command_peak(arguments: list[str]) -> tuple[float, float]:
    """Peak RSS in MiB (VmHWM) and seconds of ``preserve ARGUMENTS`` in a fresh interpreter."""
    code = (
        "import sys, time\n"
        "from preserve.cli import main\n"
        "sys.argv = ['preserve', *sys.argv[1:]]\n"
        "started = time.perf_counter()\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "elapsed = time.perf_counter() - started\n"
        "peak = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')][0]\n"
        "print(int(peak.split()[1]), elapsed, file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, *arguments],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=True,
    )
    kilobytes, seconds = result.stderr.strip().splitlines()[-1].split()
    return int(kilobytes) / 1024, float(seconds)


PARTS = ("defaults", "speed", "memory")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small bags, fewer runs")
    parser.add_argument("--memory-only", action="store_true", help="the same as --only memory")
    parser.add_argument(
        "--only", help=f"comma-separated parts: {', '.join(PARTS)} (default: all of them)"
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=None,
        help="runs per measurement, median (default 3, 1 with --quick; the defaults row at "
        "least 5)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument(
        "--manifest-entries",
        type=int,
        default=1_000_000,
        help="entries of the missing-files manifest for the memory case (0: skip it)",
    )
    arguments = parser.parse_args()
    quick = arguments.quick
    runs = arguments.runs or (1 if quick else 3)
    only = ["memory"] if arguments.memory_only else (arguments.only or ",".join(PARTS)).split(",")
    unknown = [part for part in only if part not in PARTS]
    if unknown:
        parser.error(f"unknown part {', '.join(unknown)}: choose from {', '.join(PARTS)}")
    results: dict[str, Any] = {"load_before": os.getloadavg(), "quick": quick}
    big = None
    if {"defaults", "speed"} & set(only):
        big = build_bag(WORK / ("bag-64m" if quick else "bag-1g"), 64 if quick else 1000, 1 << 20)
    if "defaults" in only and big is not None:
        results["defaults"] = bench_defaults(big, max(runs, 5))
    if "speed" in only and big is not None:
        results["speed"] = {"bag": big.name, "runs": runs, "rows": speed(big, runs)}
    if "memory" in only:
        results["memory"] = memory(quick, arguments.manifest_entries)
    results["load_after"] = os.getloadavg()
    if arguments.json:
        print(json.dumps(results, indent=2))
    else:
        print_results(results)


def memory(quick: bool, manifest_entries: int) -> dict[str, Any]:
    many = build_bag(
        WORK / ("bag-10k" if quick else "bag-100k"),
        10_000 if quick else 100_000,
        100,
        fan_out=100,
    )
    warm(many)
    files = sum(1 for p in (many / "data").rglob("*") if p.is_file())
    figures: dict[str, Any] = {"bag": many.name, "files": files, "peak": {}, "listing": {}}
    for which in ("interpreter", "ours", "bagit"):
        rss, seconds = peak_rss(many, which)
        figures["peak"][which] = {"peak_mib": rss, "seconds": seconds}
    entries = manifest_entries // (10 if quick else 1)
    figures["listing_entries"] = entries
    if entries:
        listing = build_listing_bag(WORK / f"bag-listing-{entries}", entries)
        for label, extra in (("preserve validate", []), ("preserve validate --json", ["--json"])):
            rss, seconds = command_peak(["validate", *extra, str(listing)])
            figures["listing"][label] = {"peak_mib": rss, "seconds": seconds}
    return figures


def print_results(results: dict[str, Any]) -> None:
    print(f"load average {results['load_before'][0]:.1f} on {os.cpu_count()} CPUs")
    if "defaults" in results:
        row = results["defaults"]
        size = row["payload_bytes"] / (1 << 30)
        print(
            f"Defaults: `preserve validate` vs `bagit.py --validate --processes 2`, {row['bag']} "
            f"({size:.2f} GiB), interleaved, median of {row['runs']}: "
            f"{row['preserve_median_s']:.2f} s vs {row['bagit_median_s']:.2f} s, "
            f"{row['ratio']:.2f}x (best runs {row['ratio_of_best']:.2f}x)"
        )
    if "speed" in results:
        speed_results = results["speed"]
        print(
            f"Speed: {speed_results['bag']}, sha256+sha512, in-process, "
            f"median of {speed_results['runs']}, cache warm"
        )
        print(
            f"{'processes':>9} {'ours s':>8} {'bagit s':>8} {'ours/bagit':>10}"
            f" | {'best ours':>9} {'best bagit':>10} {'ratio':>6}"
        )
        for row in speed_results["rows"]:
            print(
                f"{row['processes']:>9} {row['ours_s']:>8.2f} {row['bagit_s']:>8.2f} "
                f"{row['ratio']:>10.2f} | {row['ours_min']:>9.2f} {row['bagit_min']:>10.2f} "
                f"{row['ratio_min']:>6.2f}"
            )
    if "memory" in results:
        figures = results["memory"]
        print(
            f"\nMemory: {figures['bag']}, {figures['files']} payload files, one process, "
            "peak RSS of a fresh child"
        )
        print(f"{'run':>12} {'peak MiB':>9} {'seconds':>8}")
        for which, row in figures["peak"].items():
            print(f"{which:>12} {row['peak_mib']:>9.1f} {row['seconds']:>8.2f}")
        if figures["listing"]:
            entries = figures["listing_entries"]
            print(f"\nMemory: a manifest of {entries:,} entries, none present (goal: < 250 MiB)")
            print(f"{'command':>24} {'peak MiB':>9} {'seconds':>8}")
            for label, row in figures["listing"].items():
                print(f"{label:>24} {row['peak_mib']:>9.1f} {row['seconds']:>8.2f}")


if __name__ == "__main__":
    main()
