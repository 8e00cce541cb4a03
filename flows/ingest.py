"""The ingest flow: raw files in, validated BagIt packages out (see ``preserve.pipeline``).

Thin on purpose: discovery, batching and the summary are here; every step of preserving an
item is in the library. Items are batched into tasks (``[ingest] items_per_task``) because a
Prefect task costs 5-20 ms here, more than preserving a small text. Two worker threads hash
in parallel (hashlib releases the GIL on large buffers).

PREMIS events recorded per item (by the library): message digest calculation, validation,
format identification, normalization, ingestion; and a catalog event for the validation of
the finished bag.

Run it: ``preserve ingest`` (against preserve's local Prefect server, see
``preserve_flows._server``), or serve it on a schedule against a real server:
``python -m preserve_flows.ingest --interval 3600`` (see the README).
"""

from __future__ import annotations

from preserve_flows._runtime import cores, quiet_prefect, task_runner

quiet_prefect()

import argparse  # noqa: E402
import contextlib  # noqa: E402
import math  # noqa: E402
import threading  # noqa: E402
from collections import deque  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, cast  # noqa: E402

from prefect import Flow, flow, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.task_runners import ThreadPoolTaskRunner  # noqa: E402

from preserve.catalog import Catalog  # noqa: E402
from preserve.config import load_config  # noqa: E402
from preserve.intake import Item, check_separate, discover  # noqa: E402
from preserve.pipeline import (  # noqa: E402
    IngestContext,
    ItemOutcome,
    batches,
    ingest_items,
    prepare_output,
    rejected_outcome,
)

# Set by the CLI around a run (a callable is not a flow parameter Prefect can record). They
# reach tasks run in this process (threads); worker processes report through the flow.
progress_hooks: dict[str, Callable[..., None] | None] = {"bytes": None, "item": None}
stop_requested = threading.Event()
"""Set (by the CLI, on SIGINT or SIGTERM) to stop after the items in hand."""

MIN_ITEMS_PER_TASK = 8
"""A task costs 5-20 ms with threads and ~70 ms with Dask, a small item ~30 ms: fewer items
per task and orchestration would be more than a quarter of the run."""


def with_runner(runner: str = "threads", dask_address: str = "") -> Flow[..., dict[str, Any]]:
    """The ingest flow on the task runner ``runner`` (see :func:`task_runner`)."""
    return cast(
        "Flow[..., dict[str, Any]]",
        ingest.with_options(task_runner=task_runner(runner, dask_address)),
    )


@dataclass
class BatchResult:
    outcomes: list[ItemOutcome]
    reported: bool
    """True when the task ran in this process and already reported progress itself."""


@task(name="preserve-items", cache_policy=NO_CACHE, retries=0)
def preserve_items(items: list[Item], context: IngestContext) -> BatchResult:
    """Preserve a batch of items: fixity, copy, identify, repair, describe, bag, validate,
    publish, record. Records: message digest calculation, validation, format identification,
    normalization, ingestion. Stops before the next item once a stop is requested."""
    # A worker process gets this task by value: it must not carry this process's hooks and
    # locks along, so the work is a module function the worker imports.
    return preserve_batch(items, context)


def preserve_batch(items: list[Item], context: IngestContext) -> BatchResult:
    on_item = progress_hooks["item"]
    outcomes = ingest_items(items, context, progress_hooks["bytes"], stop_requested.is_set)
    if on_item is not None:
        for outcome in outcomes:
            on_item(outcome)
    return BatchResult(outcomes, reported=on_item is not None)


@flow(
    name="ingest",
    task_runner=ThreadPoolTaskRunner(max_workers=2),  # type: ignore[arg-type]
    validate_parameters=False,
    log_prints=False,
)
def ingest(
    sources: list[str] | None = None,
    out: str | None = None,
    catalog: str | None = None,
    config_path: str | None = None,
) -> dict[str, Any]:
    """Preserve every item of the source folders as a validated BagIt package.

    With ``out`` and no ``catalog``, the catalog is ``<out>/.catalog.sqlite``, so a packages
    folder and its catalog always travel together.
    """
    # Worker processes get the flow by value: its body is a module function they import,
    # so this process's hooks and locks are not sent along.
    return run_ingest(sources, out, catalog, config_path)


def run_ingest(
    sources: list[str] | None, out: str | None, catalog: str | None, config_path: str | None
) -> dict[str, Any]:
    config = load_config(config_path)
    source_paths = [Path(s) for s in (sources or [config.paths.source])]
    packages = Path(out or config.paths.packages)
    if catalog is None:
        catalog = config.paths.catalog if out is None else str(packages / ".catalog.sqlite")
    check_separate(source_paths, packages, Path(catalog))
    prepare_output(packages)
    Catalog.open(catalog).close()  # create it once here, not in two task threads at once
    found = discover(source_paths)
    context = IngestContext(
        config=config, packages=packages.absolute(), catalog=Path(catalog).absolute()
    )
    outcomes = [rejected_outcome(r) for r in found.rejected]
    on_item = progress_hooks["item"]
    if on_item is not None:
        for outcome in outcomes:
            on_item(outcome)
    per_task = max(
        MIN_ITEMS_PER_TASK,
        min(config.ingest.items_per_task, math.ceil(len(found.items) / (4 * cores()))),
    )
    done = _run_batches(batches(found.items, per_task), context)
    outcomes.extend(done)
    _remove_if_empty(packages / ".staging")
    summary = summarise(outcomes, sources=[str(s) for s in source_paths], packages=str(packages))
    if stop_requested.is_set():
        summary["not_started"] = len(found.items) - len(done)
    return summary


def _run_batches(batches: list[list[Item]], context: IngestContext) -> list[ItemOutcome]:
    """Submit batches a few at a time (so a stop leaves little in flight), collect them in
    order, and report progress for tasks that ran in other processes."""
    on_bytes, on_item = progress_hooks["bytes"], progress_hooks["item"]
    window = 2 * cores()
    in_flight: deque[Any] = deque()
    done: list[ItemOutcome] = []

    def collect() -> None:
        result: BatchResult = in_flight.popleft().result()
        done.extend(result.outcomes)
        if not result.reported:
            for outcome in result.outcomes:
                if on_bytes is not None:
                    on_bytes(outcome.bytes)
                if on_item is not None:
                    on_item(outcome)

    for batch in batches:
        if stop_requested.is_set():
            break
        in_flight.append(preserve_items.submit(batch, context))
        if len(in_flight) >= window:
            collect()
    while in_flight:
        collect()
    return done


def _remove_if_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):  # absent, or another run is building in it
        folder.rmdir()


def summarise(outcomes: list[ItemOutcome], **facts: Any) -> dict[str, Any]:
    counts = {"ingested": 0, "already-preserved": 0, "failed": 0, "attention": 0}
    for outcome in outcomes:
        counts[outcome.status] += 1
        counts["attention"] += outcome.status != "failed" and outcome.needs_attention
    return {
        **facts,
        "counts": counts,
        "bytes": sum(o.bytes for o in outcomes if o.status == "ingested"),
        "items": [o.to_dict() for o in outcomes],
        "ok": counts["failed"] == 0 and counts["attention"] == 0,
    }


def main() -> None:
    """Serve the flow on a schedule against a real Prefect server (PREFECT_API_URL)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interval", type=int, help="seconds between runs")
    parser.add_argument("--cron", help="a cron schedule, e.g. '0 2 * * *'")
    parser.add_argument("--source", action="append", help="source folder (repeatable)")
    parser.add_argument("--out", help="packages folder")
    arguments = parser.parse_args()
    # Prefect's runner pickles the flow for each run's process: served from the importable
    # module (this file runs as __main__), it goes by reference, not with this process's locks.
    from preserve_flows.ingest import ingest as importable

    importable.serve(
        name="nightly-ingest",
        interval=arguments.interval,
        cron=arguments.cron,
        parameters={"sources": arguments.source, "out": arguments.out},
    )


if __name__ == "__main__":
    main()
