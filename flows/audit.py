"""The fixity-audit flow: check catalogued packages again and record what changed.

Thin on purpose: the audit is :func:`preserve.audit.audit_packages` (selection, checking,
recording), which this flow runs with one Prefect task per batch of packages
(``batch_size``, 50 by default, because a Prefect task costs 5-20 ms); each batch is
recorded in the catalog as soon as it is done, so a run cut off in the middle keeps the
audits it finished. Tasks never touch the catalog (an SQLite connection belongs to the
thread that opened it): they receive the package and file records and return checks, and
the flow records them.

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

from preserve_flows._runtime import quiet_prefect

quiet_prefect()

import argparse  # noqa: E402
from collections.abc import Callable, Iterable, Iterator  # noqa: E402
from datetime import datetime, timedelta  # noqa: E402
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

# Set by the CLI around a run (a callable is not a flow parameter Prefect can record).
progress_hooks: dict[str, Callable[[PackageAudit], None] | None] = {"package": None}


@task(name="check-packages", cache_policy=NO_CACHE, retries=0)
def check_packages(
    check: Callable[[Batch], list[PackageCheck]], batch: Batch
) -> list[PackageCheck]:
    """Validate each package of the batch and compare it with its catalogued files
    (``check``: :func:`preserve.audit.check_batch` with the run's settings). Records nothing
    itself: the flow records one ``fixity check`` event per package."""
    return check(batch)


def in_tasks(
    check: Callable[[Batch], list[PackageCheck]], batches: Iterable[Batch]
) -> Iterator[list[PackageCheck]]:
    """``map`` for :func:`audit_packages`: every batch submitted as a task at once (they run
    on the flow's task runner), their checks returned in order."""
    futures = [check_packages.submit(check, batch) for batch in batches]
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
    batch_size: int = 50,
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
    batch_size: int,
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
            batch_size=batch_size,
            packages_dir=Path(packages_dir) if packages_dir is not None else None,
            agents=tuple(agents or DEFAULT_AGENTS),
            progress=progress_hooks["package"],
            now=now,
            map_batches=in_tasks,
        )


def with_runner(runner: str = "threads", dask_address: str = "") -> Flow[..., AuditRun]:
    """The audit flow on the task runner ``runner`` (``threads``, ``processes``, ``dask``)."""
    from preserve_flows.ingest import task_runner

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
