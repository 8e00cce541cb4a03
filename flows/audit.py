"""The fixity-audit flow: check catalogued packages again and record what changed.

Thin on purpose: the audit is :func:`preserve.audit.audit_packages` (selection, checking,
recording), which this flow runs with one Prefect task per batch of packages (sized by
:func:`task_batches`, or at most ``batch_size``; a task costs 5-20 ms with threads and ~70 ms
on Dask, more than auditing a small package, so small ones go many to a task); each batch is
recorded in the catalog as soon as it is done, so a run cut off in the middle keeps the
audits it finished. Tasks never touch the catalog (an SQLite connection belongs to the
thread that opened it): they receive the package and file records and return checks, and
the flow records them. So tasks run as well in worker processes or on a Dask cluster
(:func:`with_runner`, ``preserve audit --runner``) as in threads, and every runner records
the same checks.

PREMIS events recorded: one ``fixity check`` per package (outcome pass or fail), with the
corrupted, missing and extra files and the problems in its outcome detail.

Run it: ``preserve audit`` (against preserve's local Prefect server, nothing to install). On a
schedule, against a real server (``prefect server start``, then ``PREFECT_API_URL=http://127.0.0.1:4200/api``)::

    python -m preserve_flows.audit --older-than 7d --cron "0 2 * * *"  # packages/.catalog.sqlite
    python -m preserve_flows.audit --interval 3600 --limit 500  # a slice of a large store each hour

Scheduling does nothing on Prefect's ephemeral API ("Cannot schedule flows on an
ephemeral server"): ``serve`` needs the real server.
"""

from __future__ import annotations

from preserve_flows._runtime import cores, quiet_prefect, task_runner

quiet_prefect()

import argparse  # noqa: E402
import math  # noqa: E402
from collections.abc import Callable, Iterable, Iterator  # noqa: E402
from datetime import datetime, timedelta  # noqa: E402
from functools import partial  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import cast  # noqa: E402

from prefect import Flow, flow, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.task_runners import ThreadPoolTaskRunner  # noqa: E402

from preserve.audit import (  # noqa: E402
    DEFAULT_AGENTS,
    AuditRun,
    Batch,
    PackageAudit,
    PackageCheck,
    audit_packages,
    parse_duration,
    parse_moment,
)
from preserve.catalog import Catalog  # noqa: E402
from preserve.errors import ConfigError  # noqa: E402

# Set by the CLI around a run (a callable is not a flow parameter Prefect can record). The
# flow calls it as it records each package, in this process, whichever runner checked it.
progress_hooks: dict[str, Callable[[PackageAudit], None] | None] = {"package": None}

MIN_PACKAGES_PER_TASK = 100
"""A task costs 5-20 ms with threads and ~70 ms on Dask (several times that on a loaded
machine), auditing a small package ~4-5 ms (seven files, measured here): with 50 a task,
orchestration was already a quarter of a Dask run; 100 keeps it near a seventh."""
MAX_PACKAGES_PER_TASK = 500
"""Without a ``batch_size``, no task holds more (~2 s of small packages): a large store is
recorded, and its progress shown, a few seconds of work at a time."""
BYTES_PER_TASK = 256 << 20
"""A task stops growing at this many bytes (hashing them takes ~0.5 s, overhead is small
beside it): large packages go alone or few together, so the workers stay balanced."""


@task(name="check-packages", cache_policy=NO_CACHE, retries=0)
def check_packages(
    check: Callable[[Batch], list[PackageCheck]], batch: Batch
) -> list[PackageCheck]:
    """Validate each package of the batch and compare it with its catalogued files
    (``check``: :func:`preserve.audit.check_batch` with the run's settings, a partial that
    pickles, so a worker process or a Dask worker can run it). Records nothing itself: the
    flow records one ``fixity check`` event per package."""
    return check(batch)


def packages_per_task(count: int, most: int | None = None) -> int:
    """Packages per task for ``count`` small packages: enough tasks for four per core, never
    fewer than :data:`MIN_PACKAGES_PER_TASK` in one nor more than
    :data:`MAX_PACKAGES_PER_TASK`; ``most`` (the flow's ``batch_size``), when given, wins."""
    spread = max(MIN_PACKAGES_PER_TASK, math.ceil(count / (4 * cores())))
    return max(1, min(most or MAX_PACKAGES_PER_TASK, spread))


def task_batches(packages: Batch, most: int | None = None) -> list[Batch]:
    """``packages`` in order, in batches of :func:`packages_per_task`, each closed early at
    :data:`BYTES_PER_TASK` (a package larger than that goes alone)."""
    per_task = packages_per_task(len(packages), most)
    batches: list[Batch] = []
    current: Batch = []
    current_bytes = 0
    for package, files in packages:
        size = sum(f.size for f in files)
        if current and (len(current) >= per_task or current_bytes + size > BYTES_PER_TASK):
            batches.append(current)
            current, current_bytes = [], 0
        current.append((package, files))
        current_bytes += size
    if current:
        batches.append(current)
    return batches


def in_tasks(
    check: Callable[[Batch], list[PackageCheck]],
    batches: Iterable[Batch],
    most: int | None = None,
) -> Iterator[list[PackageCheck]]:
    """``map`` for :func:`audit_packages`: the packages regrouped by :func:`task_batches`,
    every batch submitted as a task at once (they run on the flow's task runner: threads,
    worker processes or Dask), their checks returned in order for the flow to record."""
    packages = [package for batch in batches for package in batch]
    futures = [check_packages.submit(check, batch) for batch in task_batches(packages, most)]
    return (future.result() for future in futures)


@flow(
    name="audit",
    task_runner=ThreadPoolTaskRunner(max_workers=2),  # type: ignore[arg-type]
    validate_parameters=False,
    log_prints=False,
)
def audit(
    catalog: str,
    created_since: datetime | str | None = None,
    older_than: timedelta | str | float | None = None,
    limit: int | None = None,
    processes: int = 1,
    batch_size: int | None = None,
    packages_dir: str | None = None,
    agents: list[str] | None = None,
    now: datetime | None = None,
) -> AuditRun:
    """Audit the catalog's packages that are due; return the run (also kept in the catalog).

    ``older_than`` is a timedelta, seconds, or text such as ``7d``; ``created_since`` a
    datetime or an ISO date (text, because a served deployment passes JSON parameters).
    Records one PREMIS ``fixity check`` event per package and a row of audit history.
    """
    # Worker processes get the flow by value: its body is a module function they import,
    # so this process's hooks and locks are not sent along.
    return run_audit(
        catalog, created_since, older_than, limit, processes, batch_size, packages_dir, agents, now
    )


def run_audit(
    catalog: str,
    created_since: datetime | str | None,
    older_than: timedelta | str | float | None,
    limit: int | None,
    processes: int,
    batch_size: int | None,
    packages_dir: str | None,
    agents: list[str] | None,
    now: datetime | None,
) -> AuditRun:
    if isinstance(created_since, str):
        created_since = parse_moment(created_since)
    if isinstance(older_than, str):
        older_than = parse_duration(older_than)
    elif isinstance(older_than, int | float):
        older_than = timedelta(seconds=older_than)
    if not Path(catalog).is_file():
        raise ConfigError(
            f"There is no catalog at {catalog}: run preserve ingest first or give --catalog."
        )
    with Catalog.open(catalog) as store:
        return audit_packages(
            store,
            created_since=created_since,
            older_than=older_than,
            limit=limit,
            processes=processes,
            batch_size=MAX_PACKAGES_PER_TASK if batch_size is None else batch_size,
            packages_dir=Path(packages_dir) if packages_dir is not None else None,
            agents=tuple(agents or DEFAULT_AGENTS),
            progress=progress_hooks["package"],
            now=now,
            map_batches=partial(in_tasks, most=batch_size),
        )


def with_runner(runner: str = "threads", dask_address: str = "") -> Flow[..., AuditRun]:
    """The audit flow on the task runner ``runner`` (``threads``, ``processes``, ``dask``;
    see :func:`preserve_flows._runtime.task_runner`, shared with the ingest)."""
    return cast(
        "Flow[..., AuditRun]", audit.with_options(task_runner=task_runner(runner, dask_address))
    )


def main() -> None:
    """Serve the flow on a schedule against a real Prefect server (PREFECT_API_URL)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--catalog", default="packages/.catalog.sqlite", help="catalog file")
    parser.add_argument("--interval", type=int, help="seconds between runs")
    parser.add_argument("--cron", help="a cron schedule, e.g. '0 2 * * *'")
    parser.add_argument("--older-than", help="audit packages not audited for this long (7d)")
    parser.add_argument("--since", help="only packages created since this date (2026-11-01)")
    parser.add_argument("--limit", type=int, help="audit at most this many packages per run")
    parser.add_argument("--processes", type=int, default=1, help="hashing processes per bag")
    arguments = parser.parse_args()
    # Fail here, not at 2 a.m.: the served flow reads these again on every run.
    if arguments.older_than:
        parse_duration(arguments.older_than)
    if arguments.since:
        parse_moment(arguments.since)
    if not (arguments.interval or arguments.cron):
        parser.error("give --interval or --cron (to run once, use: preserve audit)")
    # Prefect's runner pickles the flow for each run's process: served from the importable
    # module (this file runs as __main__), it goes by reference, not with this process's locks.
    from preserve_flows.audit import audit as importable

    importable.serve(
        name="scheduled-audit",
        interval=arguments.interval,
        cron=arguments.cron,
        parameters={
            "catalog": str(Path(arguments.catalog).absolute()),
            "older_than": arguments.older_than,
            "created_since": arguments.since,
            "limit": arguments.limit,
            "processes": arguments.processes,
        },
    )


if __name__ == "__main__":
    main()
