"""Ingest benchmarks: bagging speed against bagit-python, and Prefect's share of the time.

    .venv/bin/python benchmarks/ingest_bench.py [--quick] [--json] [--runs 3]

1. **Bagging, 1 GiB in ~1,000 files** (random bytes, so no repair runs: this measures fixity,
   copy, identification, PREMIS, bag writing and full validation). Baselines measured in the
   same run, on the same files, medians of ``--runs``:
   - ``bagit.make_bag`` with sha256+sha512 and 2 processes, on a fresh copy each run (the copy
     is not timed: make_bag moves files in place, preserve copies them);
   - ``make_bag`` followed by ``Bag.validate`` (preserve validates every package it makes);
   - the limit: one read of every file computing both digests with hashlib, in 2 threads.
2. **10,000 seed-sized text items** with repair on, through the real Prefect flow (ephemeral)
   and through the library alone with the same two worker threads and batches: items/s and the
   share of the wall time that is Prefect's.
3. **Start-up**: two `preserve ingest` commands of one small file, one after the other, with the
   background server (the default) and with a server per command (`temporary`, what every
   command paid before), against `bagit.py` making a bag of one file.
4. **Runners**: `preserve ingest --runner threads|processes|dask` on the same text items
   (repair on): items/s, the speed-up over threads and the command's peak memory.

Work files live in ``benchmarks/.work/`` (not committed) and are built once.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / ".work"
SEEDS = sorted((ROOT / "raw").glob("*.txt"))

os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="preserve-bench-prefect-"))
sys.path.insert(0, str(ROOT))


def build_binary_corpus(folder: Path, total: int, count: int) -> Path:
    """``count`` files of random bytes totalling about ``total`` bytes (built once)."""
    marker = folder.with_name(folder.name + ".complete")  # beside, not in: it is no item
    if marker.exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    rng = random.Random(20261123)
    sizes = [rng.randint(total // count // 2, total // count * 3 // 2) for _ in range(count)]
    block = os.urandom(1 << 20)
    for index, size in enumerate(sizes):
        with open(folder / f"file-{index:05d}.bin", "wb") as stream:
            offset = index * 4099 % len(block)
            remaining = size
            while remaining:
                piece = block[offset : offset + remaining] or block[:remaining]
                stream.write(piece)
                remaining -= len(piece)
                offset = 0
    marker.write_text("ok")
    return folder


def build_text_items(folder: Path, count: int) -> Path:
    """``count`` one-file items, each a seed with a varied first line (unique content)."""
    marker = folder.with_name(folder.name + ".complete")
    if marker.exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    seeds = [seed.read_bytes() for seed in SEEDS]
    for index in range(count):
        body = seeds[index % len(seeds)]
        (folder / f"item-{index:05d}.txt").write_bytes(f"Item {index}\n\n".encode() + body)
    marker.write_text("ok")
    return folder


def median_time(function, runs: int, setup=None) -> float:
    times = []
    for _ in range(runs):
        argument = setup() if setup else None
        start = time.perf_counter()
        function(argument)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def hash_limit(files: list[Path]) -> None:
    def one(path: Path) -> None:
        hashers = [hashlib.sha256(), hashlib.sha512()]
        with open(path, "rb") as stream:
            while chunk := stream.read(1 << 20):
                for hasher in hashers:
                    hasher.update(chunk)

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(one, files))


def bench_bagging(runs: int, quick: bool) -> dict:
    import bagit

    from preserve.config import Config, Ingest
    from preserve.intake import examine
    from preserve.pipeline import IngestContext, ingest_items

    total, count = (64 << 20, 64) if quick else (1 << 30, 1000)
    corpus = build_binary_corpus(WORK / f"binary-{total}-{count}", total, count)
    files = sorted(p for p in corpus.iterdir() if p.name.endswith(".bin"))
    scratch = WORK / "scratch"
    config = Config(ingest=Ingest(repair=False))

    def fresh_copy() -> Path:
        shutil.rmtree(scratch, ignore_errors=True)
        shutil.copytree(corpus, scratch)
        return scratch

    def make_bag(folder: Path) -> None:
        bagit.make_bag(str(folder), checksums=["sha256", "sha512"], processes=2)

    def make_and_validate(folder: Path) -> None:
        bag = bagit.make_bag(str(folder), checksums=["sha256", "sha512"], processes=2)
        bag.validate(processes=2)

    def fresh_output() -> Path:
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir(parents=True)
        return scratch

    def preserve_ingest(out: Path) -> None:
        # The whole corpus as one folder item is a single package, like make_bag's one bag.
        items = [examine(corpus)]
        context = IngestContext(config=config, packages=out, catalog=out / ".catalog.sqlite")
        [outcome] = ingest_items(items, context)
        assert outcome.status == "ingested", outcome.reasons

    hash_limit(files)  # warm the page cache for everyone
    results = {
        "files": len(files),
        "bytes": sum(f.stat().st_size for f in files),
        "hashlib one read, 2 threads (limit)": median_time(lambda _a: hash_limit(files), runs),
        "bagit make_bag (2 processes)": median_time(make_bag, runs, fresh_copy),
        "bagit make_bag + validate (2 processes)": median_time(make_and_validate, runs, fresh_copy),
        "preserve ingest (copy, fixity, PREMIS, bag, full validation)": median_time(
            preserve_ingest, runs, fresh_output
        ),
    }
    shutil.rmtree(scratch, ignore_errors=True)
    return results


def bench_orchestration(count: int, runs: int) -> dict:
    from preserve_flows import ingest as ingest_flow

    from preserve.config import Config
    from preserve.intake import discover
    from preserve.pipeline import IngestContext, batches, ingest_items

    source = build_text_items(WORK / f"text-items-{count}", count)
    config = Config()
    out = WORK / "orchestration-out"

    def fresh() -> Path:
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        return out

    def library(folder: Path) -> None:
        items = discover([source]).items
        context = IngestContext(config=config, packages=folder, catalog=folder / ".catalog.sqlite")
        groups = batches(items, config.ingest.items_per_task)
        with ThreadPoolExecutor(2) as pool:
            outcomes = [
                o for batch in pool.map(lambda b: ingest_items(b, context), groups) for o in batch
            ]
        assert all(o.status == "ingested" for o in outcomes)

    def flow(folder: Path) -> None:
        summary = ingest_flow.ingest(sources=[str(source)], out=str(folder))
        assert summary["counts"]["ingested"] == count, summary["counts"]

    # Start Prefect's ephemeral server outside the timings, on a one-item folder.
    warm = build_text_items(WORK / "text-items-1", 1)
    fresh()
    ingest_flow.ingest(sources=[str(warm)], out=str(out))
    library_time = median_time(library, runs, fresh)
    flow_time = median_time(flow, runs, fresh)
    shutil.rmtree(out, ignore_errors=True)
    return {
        "items": count,
        "runs": runs,
        "library, 2 threads": library_time,
        "Prefect flow (ephemeral), 2 threads": flow_time,
        "items/s through the flow": count / flow_time,
        "Prefect share of wall time": max(0.0, (flow_time - library_time) / flow_time),
    }


PRESERVE = str(Path(sys.executable).parent / "preserve")


def _command(arguments: list[str], environment: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak memory (MiB) of one command run to its end."""
    start = time.perf_counter()
    process = subprocess.Popen(
        arguments, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read().decode() if process.stderr else ""
    if process.returncode not in (0, 1):
        raise RuntimeError(f"{arguments[:3]} exited {process.returncode}: {stderr[-500:]}")
    return elapsed, usage.ru_maxrss / 1024


def _environment(home: Path, mode: str) -> dict[str, str]:
    environment = {**os.environ, "PREFECT_HOME": str(home), "PRESERVE_PREFECT_SERVER": mode}
    environment.pop("PREFECT_API_URL", None)
    return environment


def bench_startup() -> dict:
    """A repeated command, as a person or a script runs them one after the other."""
    from preserve_flows import _server

    source = build_text_items(WORK / "text-items-1", 1)
    results: dict[str, float] = {}
    for mode in ("background", "temporary"):
        home = Path(tempfile.mkdtemp(prefix=f"preserve-bench-{mode}-"))
        try:
            for turn in ("first", "second"):
                out = WORK / f"startup-{mode}-{turn}"
                shutil.rmtree(out, ignore_errors=True)
                environment = _environment(home, mode)
                seconds, _memory = _command(
                    [PRESERVE, "ingest", str(source), "-o", str(out)], environment
                )
                results[f"{turn} `preserve ingest` of one file, {mode} server"] = seconds
                shutil.rmtree(out, ignore_errors=True)
        finally:
            _server.stop_background(home)
            shutil.rmtree(home, ignore_errors=True)
    bag = WORK / "startup-bagit"
    shutil.rmtree(bag, ignore_errors=True)
    shutil.copytree(source, bag)
    bagit_py = str(Path(sys.executable).parent / "bagit.py")
    results["anchor: bagit.py on one file"] = _command(
        [bagit_py, "--sha256", "--sha512", str(bag)], dict(os.environ)
    )[0]
    shutil.rmtree(bag, ignore_errors=True)
    return results


def bench_runners(count: int) -> dict:
    """The same text items through each runner, against the background server."""
    from preserve_flows import _server

    source = build_text_items(WORK / f"text-items-{count}", count)
    home = Path(tempfile.mkdtemp(prefix="preserve-bench-runners-"))
    results: dict[str, dict[str, float]] = {}
    try:
        warm = WORK / "runners-warm"
        shutil.rmtree(warm, ignore_errors=True)
        environment = _environment(home, "background")
        _command(
            [PRESERVE, "ingest", str(build_text_items(WORK / "text-items-1", 1)), "-o", str(warm)],
            environment,
        )
        shutil.rmtree(warm, ignore_errors=True)
        for runner in ("threads", "processes", "dask"):
            out = WORK / f"runners-{runner}"
            shutil.rmtree(out, ignore_errors=True)
            seconds, memory = _command(
                [PRESERVE, "ingest", str(source), "-o", str(out), "--runner", runner], environment
            )
            results[runner] = {"seconds": seconds, "items/s": count / seconds, "peak MiB": memory}
            shutil.rmtree(out, ignore_errors=True)
    finally:
        _server.stop_background(home)
        shutil.rmtree(home, ignore_errors=True)
    return results


def print_startup_and_runners(startup: dict | None, runners: dict | None) -> None:
    if startup:
        anchor = startup["anchor: bagit.py on one file"]
        print("\nStart-up (goal: a repeated command <= 3 s)")
        for name, seconds in startup.items():
            print(f"  {name:<58} {seconds:6.2f} s   {seconds / anchor:5.1f}x bagit.py")
    if runners:
        threads = runners["threads"]["seconds"]
        print("\nRunners, seed-sized text items, repair on (goal: >= 1.5x from 2 processes)")
        for runner, figures in runners.items():
            speedup = threads / figures["seconds"]
            print(
                f"  {runner:<10} {figures['seconds']:7.2f} s {figures['items/s']:7.1f} items/s "
                f"{speedup:5.2f}x threads   peak {figures['peak MiB']:6.0f} MiB"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description="preserve ingest benchmarks")
    parser.add_argument("--quick", action="store_true", help="64 MiB and 500 items")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--items", type=int, default=None)
    parser.add_argument("--orchestration-runs", type=int, default=None)
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--only", help="comma-separated: bagging, orchestration, startup, runners (default: all)"
    )
    arguments = parser.parse_args()
    runs = 1 if arguments.quick else arguments.runs
    only = set((arguments.only or "bagging,orchestration,startup,runners").split(","))
    startup = bench_startup() if "startup" in only else None
    runners = bench_runners(200 if arguments.quick else 1000) if "runners" in only else None
    if not only & {"bagging", "orchestration"}:
        if arguments.json:
            print(json.dumps({"startup": startup, "runners": runners}, indent=2))
        else:
            print_startup_and_runners(startup, runners)
        return
    bagging = bench_bagging(runs, arguments.quick)
    # 10,000 items take minutes per run: one run each unless asked for more.
    orchestration = bench_orchestration(
        arguments.items or (500 if arguments.quick else 10_000),
        arguments.orchestration_runs or 1,
    )
    if arguments.json:
        print(
            json.dumps(
                {
                    "bagging": bagging,
                    "orchestration": orchestration,
                    "startup": startup,
                    "runners": runners,
                },
                indent=2,
            )
        )
        return
    print_startup_and_runners(startup, runners)
    size = bagging["bytes"] / (1 << 30)
    print(f"\nBagging {bagging['files']} files, {size:.2f} GiB, median of {runs} (page cache warm)")
    baseline = bagging["bagit make_bag (2 processes)"]
    for name, value in bagging.items():
        if name in ("files", "bytes"):
            continue
        print(f"  {name:<62} {value:7.2f} s   {value / baseline:5.2f}x make_bag")
    print(
        f"\nOrchestration, {orchestration['items']} seed-sized text items (repair on), "
        f"median of {orchestration['runs']}"
    )
    print(f"  {'library, 2 threads':<40} {orchestration['library, 2 threads']:7.2f} s")
    print(
        f"  {'Prefect flow (ephemeral), 2 threads':<40} "
        f"{orchestration['Prefect flow (ephemeral), 2 threads']:7.2f} s"
    )
    print(f"  {'items/s through the flow':<40} {orchestration['items/s through the flow']:7.1f}")
    print(
        f"  {'Prefect share of wall time':<40} {orchestration['Prefect share of wall time']:7.1%}"
        "   (goal < 25%)"
    )


if __name__ == "__main__":
    main()
