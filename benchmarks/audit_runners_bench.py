"""The audit on each runner, and what its batching saves: small real packages audited by the
library alone (``audit_packages`` with ``map``, no Prefect: the baseline), by the flow on
threads, on a local Dask cluster of two worker processes with the flow's batching, and on the
same cluster with one package per task (what batching avoids).

    .venv/bin/python benchmarks/audit_runners_bench.py [--quick]

Prints medians of a few runs, and each as a ratio to the baseline measured in the same run;
"orchestration share" is (flow - baseline) / flow: the part of the run that is not auditing
(a flow run's fixed cost, ~1.5 s here, included); the cost of one Dask task is estimated from
the difference between the batched and the one-package-a-task runs.
The cluster is started once, outside the timings (a command pays ~5-10 s for it).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from preserve_flows._runtime import use_local_server

ROOT = Path(__file__).resolve().parent.parent


def build(count: int, where: Path) -> Path:
    """``count`` packages made by the real ingest from the sample texts; the catalog path."""
    from preserve.config import Config
    from preserve.intake import discover
    from preserve.pipeline import IngestContext, ingest_items, prepare_output

    source = where / "source"
    source.mkdir(parents=True)
    seeds = sorted(p.read_bytes() for p in (ROOT / "raw").glob("*.txt"))
    for index in range(count):
        body = seeds[index % len(seeds)]
        (source / f"item-{index:04d}.txt").write_bytes(f"Item {index}\n\n".encode() + body)
    out = where / "packages"
    prepare_output(out)
    context = IngestContext(config=Config(), packages=out, catalog=out / ".catalog.sqlite")
    outcomes = ingest_items(discover([source]).items, context)
    assert all(o.status == "ingested" for o in outcomes)
    return context.catalog


def _small(count: int) -> list[tuple[Any, list[Any]]]:
    """``count`` one-byte packages as the flow batches them (only their sizes matter)."""
    from preserve.catalog import FileRecord, PackageRecord

    when = datetime.now(UTC)
    return [
        (
            PackageRecord(n, f"p{n}", Path(f"p{n}"), "", "", "", when, "1.1", None),
            [FileRecord(n, n, "data/f", None, 1, "original")],
        )
        for n in range(count)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true")
    arguments = parser.parse_args()
    count, repeats = (100, 3) if arguments.quick else (300, 3)
    home = Path(tempfile.mkdtemp(prefix="preserve-bench-audit-"))
    os.environ["PREFECT_HOME"] = str(home / "prefect")
    os.environ["PRESERVE_PREFECT_SERVER"] = "temporary"
    os.environ.pop("PREFECT_API_URL", None)
    use_local_server()  # before Prefect and the cluster's workers start: all use one server
    from distributed import LocalCluster
    from preserve_flows import audit as audit_flow

    from preserve.audit import audit_packages
    from preserve.catalog import Catalog

    try:
        catalog = build(count, home)
        with LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster:
            address = cluster.scheduler_address

            def library() -> None:
                with Catalog.open(catalog) as store:
                    audit_packages(store)

            ways = {
                "library, no Prefect (baseline)": library,
                "flow, threads": lambda: audit_flow.with_runner("threads")(catalog=str(catalog)),
                "flow, dask, batched": lambda: audit_flow.with_runner("dask", address)(
                    catalog=str(catalog)
                ),
                "flow, dask, 1 package a task": lambda: audit_flow.with_runner("dask", address)(
                    catalog=str(catalog), batch_size=1
                ),
            }
            for run in ways.values():  # warm: imports, the server, the workers' imports
                run()
            times: dict[str, list[float]] = {name: [] for name in ways}
            for _ in range(repeats):
                for name, run in ways.items():
                    started = time.perf_counter()
                    run()
                    times[name].append(time.perf_counter() - started)
        load = os.getloadavg()
        baseline = statistics.median(times["library, no Prefect (baseline)"])
        print(
            f"\nAudit of {count} small packages, median of {repeats} "
            f"(load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f})"
        )
        batched = statistics.median(times["flow, dask, batched"])
        single = statistics.median(times["flow, dask, 1 package a task"])
        tasks = len(audit_flow.task_batches(_small(count)))
        per_task = (single - batched) / (count - tasks)
        print(
            f"  a Dask task costs ~{1000 * per_task:.0f} ms of wall time here; the batched run's "
            f"{tasks} tasks: {tasks * per_task / batched:.0%} of it (goal: under 25%)"
        )
        for name, seconds in times.items():
            median = statistics.median(seconds)
            share = (median - baseline) / median if median > baseline else 0.0
            print(
                f"  {name:<34} {median:7.2f} s  {median / baseline:5.2f}x baseline  "
                f"{1000 * median / count:6.1f} ms/package  orchestration share {share:4.0%}"
            )
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
