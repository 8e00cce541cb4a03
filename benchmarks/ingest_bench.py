"""Ingest benchmarks: issue 11's ingest rows, and the older bagging and orchestration ones.

    .venv/bin/python benchmarks/ingest_bench.py [--quick] [--json] [--runs N] [--only PARTS]

Parts (``--only``, comma-separated; default ``bytes,items,startup,cores``, what
``benchmarks/run.py`` asks for one at a time). Every part runs the ``preserve ingest``
command as a person does (in ``benchmarks/.work``, where no preserve.toml is: default
settings), against a background Prefect server started before anything is timed; rounds
interleave what is compared, and an untimed warm-up goes first.

- ``bytes``: the marginal time of ingesting 768 MiB of 1 MiB random files: ingest of one folder
  item of 64 + 768 MiB minus ingest of one of 64 MiB (the median of the per-round
  differences), against the same difference for copy + ``bagit.make_bag`` (sha256 + sha512,
  2 processes). Start-up cancels out, what is left is the cost per byte.
- ``items``: seed-sized text items, repair on, ``--runner threads|processes|dask``: items/s
  marginal over 200 -> 2,000 items (the same subtraction), the whole command's items/s, and
  the memory of the 2,000-item command's whole process tree (:class:`TreeMemory`).
- ``startup``: a repeated command: the first ``preserve ingest`` of one small file starts the
  background server, later ones reuse it (median of 5), against ``bagit.py`` on one file.
- ``cores``: repair-heavy items (10 synthetic OCR pages each, ``ocr_synth.py``) with
  ``--runner processes`` pinned to one CPU (one worker) and to two (two workers): marginal
  items/s over 16 -> 80 items, and the speed-up.
- ``bagging`` (the figures of 23 Nov 2026): 1 GiB in ~1,000 files, one folder item, through the
  library, against ``make_bag``, ``make_bag`` + ``Bag.validate`` and one hashlib read.
- ``orchestration``: 10,000 seed-sized items through the Prefect flow and through the library
  alone with the same two threads: Prefect's share of the wall time.

``--quick``: smaller sizes (16 + 192 MiB, 20 -> 120 items, 16 -> 32 OCR items), one round.
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
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / ".work"
SEEDS = sorted((ROOT / "raw").glob("*.txt"))

os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="preserve-bench-prefect-"))
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from process_tree import TreeMemory, read_status  # noqa: E402


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
RUNNERS = ("threads", "processes", "dask")  # preserve.config.RUNNERS, in the order shown
BAGIT_PY = str(Path(sys.executable).parent / "bagit.py")


def _command(
    arguments: list[str],
    environment: dict[str, str],
    cpus: set[int] | None = None,
    memory: bool = False,
) -> dict[str, Any]:
    """Run one command to its end (in WORK, where no preserve.toml is: default settings):
    wall seconds, and with ``memory`` the tree's memory (:class:`TreeMemory`). ``cpus`` pins
    it (and all it starts) to those CPUs, so a runner sizing itself by the CPUs it may use
    starts that many workers."""

    def pin() -> None:
        if cpus is not None:
            os.sched_setaffinity(0, cpus)

    WORK.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    process = subprocess.Popen(
        arguments,
        env=environment,
        cwd=WORK,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=pin if cpus is not None else None,  # no sampler thread yet
    )
    sampler = TreeMemory(process.pid) if memory else None
    stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    figures: dict[str, Any] = {"seconds": elapsed}
    if sampler is not None:
        figures |= sampler.stop(usage)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):
        raise RuntimeError(f"{arguments[:3]} exited {process.returncode}: {stderr[-800:]}")
    return figures


def _environment(home: Path, mode: str = "background") -> dict[str, str]:
    environment = {**os.environ, "PREFECT_HOME": str(home), "PRESERVE_PREFECT_SERVER": mode}
    environment.pop("PREFECT_API_URL", None)
    environment.pop("PRESERVE_CONFIG", None)
    return environment


TRASH = WORK / ".trash"


def discard(path: Path) -> None:
    """Put a run's output out of the way without deleting it: renamed into :data:`TRASH`,
    removed when the benchmarks end (:func:`empty_trash`). On ext4 without a journal (this
    machine's disk), creating a file right after many were deleted scans for an inode not
    deleted in the last minutes: deleting 2,000 packages before a timed run made that run's
    file creations the largest cost in the kernel profile (perf: ``recently_deleted``), a
    cost of the benchmark's own clean-up, not of ingesting."""
    if path.exists():
        TRASH.mkdir(parents=True, exist_ok=True)
        path.rename(TRASH / f"{path.name}.{time.time_ns()}")


def empty_trash() -> None:
    """Delete what :func:`discard` kept (run.py does it once, after every part)."""
    if not os.environ.get("PRESERVE_BENCH_KEEP_TRASH"):
        shutil.rmtree(TRASH, ignore_errors=True)


def _ingest(source: Path, out: Path, environment: dict[str, str], *extra: str, **how: Any):
    """``preserve ingest SOURCE -o OUT`` into a fresh OUT; the disk is synced first (not
    timed) so one run's write-back does not land in the next one's time."""
    discard(out)
    os.sync()
    figures = _command(
        [PRESERVE, "ingest", str(source), "-o", str(out), *extra], environment, **how
    )
    discard(out)
    return figures


class BackgroundServer:
    """A private ``PREFECT_HOME`` whose background server is started (by a one-item ingest)
    before anything is timed, and stopped at the end. Its peak RSS is reported apart."""

    def __enter__(self) -> BackgroundServer:
        self.home = Path(tempfile.mkdtemp(prefix="preserve-bench-server-"))
        self.environment = _environment(self.home)
        _ingest(build_text_items(WORK / "text-items-1", 1), WORK / "warm-out", self.environment)
        return self

    def peak_mib(self) -> float | None:
        from preserve_flows import _server

        found = _server.running(self.home)
        if found is None:
            return None
        return read_status(found.pid, "VmHWM") / 1024

    def __exit__(self, *_exc: object) -> None:
        from preserve_flows import _server

        _server.stop_background(self.home)
        shutil.rmtree(self.home, ignore_errors=True)


def _sizes(round_number: int) -> tuple[str, str]:
    """Which size goes first in a round: the small one in even rounds, the big one in odd
    ones, so neither always runs on the heels of the other."""
    return ("small", "big") if round_number % 2 == 0 else ("big", "small")


def _marginal(small: list[float], big: list[float]) -> float:
    """The extra time of the big input over the small one: the median of the per-round
    differences (the rounds are interleaved, so a busy moment hits both sizes of a round)."""
    return statistics.median(b - s for s, b in zip(small, big, strict=True))


def build_mib_files(folder: Path, count: int) -> Path:
    """``folder/item/`` holding ``count`` files of exactly 1 MiB of random bytes (one item:
    one package, as make_bag makes one bag). Built once."""
    marker = folder.with_name(folder.name + ".complete")
    if marker.exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "item").mkdir(parents=True)
    for index in range(count):
        (folder / "item" / f"file-{index:05d}.bin").write_bytes(os.urandom(1 << 20))
    marker.write_text("ok")
    return folder


def bench_bytes(runs: int, quick: bool) -> dict[str, Any]:
    """Issue 11's first row: the marginal time of ingesting MARGINAL MiB of 1 MiB binary files
    (random bytes: no repair), as ``preserve ingest`` of BASE + MARGINAL MiB minus
    ``preserve ingest`` of BASE MiB, each one folder item; against copy + ``make_bag``
    (sha256 + sha512, 2 processes) of the same two folders, the copy timed too (preserve
    copies, make_bag bags in place). Start-up (interpreter, Prefect, a bag's fixed files)
    cancels out; what is left is the cost per byte."""
    import bagit

    base, marginal = (16, 192) if quick else (64, 768)
    small = build_mib_files(WORK / f"mib-{base}", base)
    big = build_mib_files(WORK / f"mib-{base + marginal}", base + marginal)
    for folder in (small, big):
        hash_limit(sorted((folder / "item").iterdir()))  # warm the page cache
    scratch = WORK / "bytes-scratch"

    def copy_and_make_bag(folder: Path) -> float:
        discard(scratch)
        os.sync()
        started = time.perf_counter()
        shutil.copytree(folder / "item", scratch)
        bagit.make_bag(str(scratch), checksums=["sha256", "sha512"], processes=2)
        elapsed = time.perf_counter() - started
        discard(scratch)
        return elapsed

    times: dict[str, list[float]] = {k: [] for k in ("ours", "ours_big", "anchor", "anchor_big")}
    with BackgroundServer() as server:
        out = WORK / "bytes-out"
        _ingest(small, out, server.environment)  # warm-up, not timed: first reads, siegfried
        copy_and_make_bag(small)
        for round_number in range(runs):
            for size in _sizes(round_number):
                folder, suffix = (small, "") if size == "small" else (big, "_big")
                times["ours" + suffix].append(_ingest(folder, out, server.environment)["seconds"])
                times["anchor" + suffix].append(copy_and_make_bag(folder))
    ours = _marginal(times["ours"], times["ours_big"])
    anchor = _marginal(times["anchor"], times["anchor_big"])
    return {
        "base_mib": base,
        "marginal_mib": marginal,
        "runs": runs,
        "times": times,
        "preserve_marginal_s": ours,
        "anchor_marginal_s": anchor,
        "ratio": ours / anchor,
        "preserve_mib_per_s": marginal / ours,
        "anchor_mib_per_s": marginal / anchor,
    }


def bench_items(runs: int, quick: bool, runners: tuple[str, ...] = RUNNERS) -> dict[str, Any]:
    """Issue 11's items/s row and the runners: ``preserve ingest --runner R`` of SMALL and of
    BIG seed-sized text items (repair on), rounds interleaved over the runners; items/s is the
    marginal rate (BIG - SMALL) / (time(BIG) - time(SMALL)), so start-up (a Dask cluster's
    included) is left out; the whole command's rate is given too. Memory: the BIG command's
    process tree (:class:`TreeMemory`)."""
    small_count, big_count = (20, 120) if quick else (200, 2000)
    small = build_text_items(WORK / f"text-items-{small_count}", small_count)
    big = build_text_items(WORK / f"text-items-{big_count}", big_count)
    results: dict[str, Any] = {r: {"small_s": [], "big_s": [], "memory": []} for r in runners}
    with BackgroundServer() as server:
        out = WORK / "items-out"
        for runner in runners:  # warm-up, not timed: first imports of each runner
            _ingest(small, out, server.environment, "--runner", runner)
        for round_number in range(runs):
            for runner in runners:
                figures = results[runner]
                extra = ("--runner", runner)
                for size in _sizes(round_number):
                    source = small if size == "small" else big
                    measured = _ingest(source, out, server.environment, *extra, memory=True)
                    figures[f"{size}_s"].append(measured.pop("seconds"))
                    if size == "big":
                        figures["memory"].append(measured)
        server_peak = server.peak_mib()
    for figures in results.values():
        marginal = _marginal(figures["small_s"], figures["big_s"])
        figures["marginal_s"] = marginal
        figures["items_per_s"] = (big_count - small_count) / marginal
        figures["whole_items_per_s"] = big_count / statistics.median(figures["big_s"])
        memory = figures.pop("memory")
        figures["memory"] = {k: max(m[k] for m in memory) for k in memory[0]}
    threads = results.get("threads", {}).get("items_per_s")
    for figures in results.values():
        figures["speedup_over_threads"] = figures["items_per_s"] / threads if threads else None
    return {
        "small": small_count,
        "big": big_count,
        "runs": runs,
        "runners": results,
        "prefect_server_peak_mib": server_peak,
    }


OCR_PAGES_PER_ITEM = 10
OCR_ITEM_SEED = 60_000
"""Seeds of the pages the repair-heavy items are made of (apart from repair_bench's own)."""


def build_ocr_items(folder: Path, count: int) -> Path:
    """``count`` repair-heavy items: each a text file of OCR_PAGES_PER_ITEM synthetic magazine
    pages (ocr_synth.py, ~40 KB: hyphens, debris, columns to repair), one after another."""
    marker = folder.with_name(folder.name + ".complete")
    if marker.exists():
        return folder
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from ocr_synth import make_ocr_document

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for index in range(count):
        first = OCR_ITEM_SEED + index * OCR_PAGES_PER_ITEM
        pages = [make_ocr_document(first + n).raw for n in range(OCR_PAGES_PER_ITEM)]
        (folder / f"ocr-{index:04d}.txt").write_text("\n\n".join(pages), encoding="utf-8")
    marker.write_text("ok")
    return folder


def bench_cores(runs: int, quick: bool) -> dict[str, Any]:
    """Issue 11's last row: CPU-bound repair across cores. ``preserve ingest --runner
    processes`` (one worker process per CPU the command may use) of repair-heavy OCR items,
    pinned to one CPU (one worker) and to two (two workers); marginal items/s over SMALL ->
    BIG items as in :func:`bench_items`, rounds interleaved. The speed-up is two CPUs' rate
    over one's. The main process shares the pinned CPUs with its workers, as it would."""
    available = sorted(os.sched_getaffinity(0))
    if len(available) < 2:
        return {"skipped": f"needs 2 CPUs, this process may use {len(available)}"}
    # Both sizes must keep every worker busy, or the marginal flatters two workers (a small
    # run that one worker does alone is slow on two CPUs as on one): 16 items are two batches
    # (flows/ingest.py: at least 8 items per task), and 32 or 80 split evenly over 1 or 2.
    small_count, big_count = (16, 32) if quick else (16, 80)
    small = build_ocr_items(WORK / f"ocr-items-{small_count}", small_count)
    big = build_ocr_items(WORK / f"ocr-items-{big_count}", big_count)
    layouts = {"one": {available[0]}, "two": set(available[:2])}
    results: dict[str, Any] = {k: {"small_s": [], "big_s": []} for k in layouts}
    with BackgroundServer() as server:
        out = WORK / "cores-out"
        # Warm-up, not timed: first imports in worker processes, dictionaries.
        _ingest(small, out, server.environment, "--runner", "processes")
        for round_number in range(runs):
            for name, cpus in layouts.items():
                for size in _sizes(round_number):
                    measured = _ingest(
                        small if size == "small" else big,
                        out,
                        server.environment,
                        "--runner",
                        "processes",
                        cpus=cpus,
                    )
                    results[name][f"{size}_s"].append(measured["seconds"])
    for figures in results.values():
        figures["marginal_s"] = _marginal(figures["small_s"], figures["big_s"])
        figures["items_per_s"] = (big_count - small_count) / figures["marginal_s"]
    return {
        "small": small_count,
        "big": big_count,
        "pages_per_item": OCR_PAGES_PER_ITEM,
        "item_bytes": statistics.median(p.stat().st_size for p in big.iterdir()),
        "runs": runs,
        "one": results["one"],
        "two": results["two"],
        "speedup": results["two"]["items_per_s"] / results["one"]["items_per_s"],
    }


def bench_startup(runs: int, quick: bool) -> dict[str, Any]:
    """A repeated command, as a person or a script runs them one after the other: the first
    ``preserve ingest`` of one small file starts the background server, each later one (into a
    fresh packages folder, so it does the work) reuses it; median of ``runs`` later ones,
    interleaved with the anchor ``bagit.py --sha256 --sha512`` making a bag of one such file
    (on a fresh copy; the copy is not timed). Without ``quick``, also one pair of commands
    with a server per command (``temporary``, what every command paid before)."""
    source = build_text_items(WORK / "text-items-1", 1)
    home = Path(tempfile.mkdtemp(prefix="preserve-bench-startup-"))
    environment = _environment(home)
    out = WORK / "startup-out"
    bag = WORK / "startup-bagit"
    results: dict[str, Any] = {"runs": runs, "repeat_s": [], "anchor_s": []}
    try:
        results["first_s"] = _ingest(source, out, environment)["seconds"]
        for _ in range(runs):
            results["repeat_s"].append(_ingest(source, out, environment)["seconds"])
            shutil.rmtree(bag, ignore_errors=True)
            shutil.copytree(source, bag)
            anchor = _command([BAGIT_PY, "--sha256", "--sha512", str(bag)], dict(os.environ))
            results["anchor_s"].append(anchor["seconds"])
            shutil.rmtree(bag, ignore_errors=True)
    finally:
        from preserve_flows import _server

        _server.stop_background(home)
        shutil.rmtree(home, ignore_errors=True)
    if not quick:
        temporary = Path(tempfile.mkdtemp(prefix="preserve-bench-temporary-"))
        try:
            results["temporary_s"] = [
                _ingest(source, out, _environment(temporary, "temporary"))["seconds"]
                for _ in range(2)
            ]
        finally:
            shutil.rmtree(temporary, ignore_errors=True)
    results["repeat_median_s"] = statistics.median(results["repeat_s"])
    results["anchor_median_s"] = statistics.median(results["anchor_s"])
    return results


def print_issue_parts(results: dict[str, Any]) -> None:
    """A short human reading of the parts run.py summarises (it prints the full table)."""
    if "bytes" in results:
        r = results["bytes"]
        print(
            f"\nIngest, marginal {r['marginal_mib']} MiB of 1 MiB files (over {r['base_mib']} "
            f"MiB), median of {r['runs']}: preserve {r['preserve_marginal_s']:.2f} s, copy + "
            f"make_bag {r['anchor_marginal_s']:.2f} s, {r['ratio']:.2f}x (goal <= 1.0x)"
        )
    if "items" in results:
        r = results["items"]
        print(
            f"\nItems/s, seed-sized texts, repair on, marginal {r['small']} -> {r['big']} items, "
            f"median of {r['runs']}"
        )
        for runner, f in r["runners"].items():
            m = f["memory"]
            print(
                f"  {runner:<10} {f['items_per_s']:7.1f} items/s (whole command "
                f"{f['whole_items_per_s']:6.1f}) {f['speedup_over_threads']:5.2f}x threads   "
                f"peak: tree {m['tree_pss_peak_mib']:6.0f} MiB PSS, largest process "
                f"{m['largest_process_mib']:5.0f} MiB"
            )
    if "startup" in results:
        r = results["startup"]
        print(
            f"\nRepeated command: first {r['first_s']:.2f} s, later ones {r['repeat_median_s']:.2f}"
            f" s (median of {r['runs']}); bagit.py on one file {r['anchor_median_s']:.2f} s"
        )
        if "temporary_s" in r:
            print(f"  a server per command: {', '.join(f'{t:.2f}' for t in r['temporary_s'])} s")
    if "cores" in results and "skipped" not in results["cores"]:
        r = results["cores"]
        print(
            f"\nRepair-heavy OCR items ({r['pages_per_item']} pages), --runner processes, "
            f"marginal {r['small']} -> {r['big']} items: 1 CPU {r['one']['items_per_s']:.2f} "
            f"items/s, 2 CPUs {r['two']['items_per_s']:.2f} items/s, {r['speedup']:.2f}x"
        )


PARTS = ("bagging", "orchestration", "bytes", "items", "startup", "cores")
DEFAULT_PARTS = ("bytes", "items", "startup", "cores")


def main() -> None:
    parser = argparse.ArgumentParser(description="preserve ingest benchmarks")
    parser.add_argument("--quick", action="store_true", help="small sizes, one run each")
    parser.add_argument("--runs", type=int, default=None, help="rounds per part (median)")
    parser.add_argument("--items", type=int, default=None, help="orchestration: items")
    parser.add_argument("--orchestration-runs", type=int, default=None)
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument(
        "--only",
        help=f"comma-separated parts: {', '.join(PARTS)} (default: {', '.join(DEFAULT_PARTS)})",
    )
    arguments = parser.parse_args()
    quick = arguments.quick
    only = (arguments.only or ",".join(DEFAULT_PARTS)).split(",")
    unknown = [part for part in only if part not in PARTS]
    if unknown:
        parser.error(f"unknown part {', '.join(unknown)}: choose from {', '.join(PARTS)}")
    runs = arguments.runs or (1 if quick else 3)
    results: dict[str, Any] = {"load_before": os.getloadavg(), "quick": quick}
    for part in only:
        started = time.perf_counter()
        print(f"ingest_bench: {part} ...", file=sys.stderr, flush=True)
        if part == "bytes":
            results[part] = bench_bytes(runs, quick)
        elif part == "items":
            results[part] = bench_items(runs, quick)
        elif part == "startup":
            results[part] = bench_startup(max(runs, 3) if quick else max(runs, 5), quick)
        elif part == "cores":
            results[part] = bench_cores(runs, quick)
        elif part == "bagging":
            results[part] = bench_bagging(runs, quick)
        elif part == "orchestration":
            # 10,000 items take minutes per run: one run unless asked for more.
            results[part] = bench_orchestration(
                arguments.items or (500 if quick else 10_000), arguments.orchestration_runs or 1
            )
        results[part]["elapsed_s"] = time.perf_counter() - started
    results["load_after"] = os.getloadavg()
    empty_trash()
    if arguments.json:
        print(json.dumps(results, indent=2))
        return
    print(
        f"load average {results['load_before'][0]:.2f} before, {results['load_after'][0]:.2f} after"
    )
    print_issue_parts(results)
    if "bagging" in results:
        print_bagging(results["bagging"], runs)
    if "orchestration" in results:
        print_orchestration(results["orchestration"])


def print_bagging(bagging: dict[str, Any], runs: int) -> None:
    size = bagging["bytes"] / (1 << 30)
    print(f"\nBagging {bagging['files']} files, {size:.2f} GiB, median of {runs} (page cache warm)")
    baseline = bagging["bagit make_bag (2 processes)"]
    for name, value in bagging.items():
        if name in ("files", "bytes", "elapsed_s"):
            continue
        print(f"  {name:<62} {value:7.2f} s   {value / baseline:5.2f}x make_bag")


def print_orchestration(orchestration: dict[str, Any]) -> None:
    print(
        f"\nOrchestration, {orchestration['items']} seed-sized text items (repair on), "
        f"median of {orchestration['runs']}"
    )
    for name in ("library, 2 threads", "Prefect flow (ephemeral), 2 threads"):
        print(f"  {name:<40} {orchestration[name]:7.2f} s")
    print(f"  {'items/s through the flow':<40} {orchestration['items/s through the flow']:7.1f}")
    share = orchestration["Prefect share of wall time"]
    print(f"  {'Prefect share of wall time':<40} {share:7.1%}   (goal < 25%)")


if __name__ == "__main__":
    main()
