"""The hand-off flow: deliver every catalogued package not yet delivered to each
destination named in ``preserve.toml`` (``[[handoff.destinations]]``).

Thin on purpose: checking, sending, proving and receipts are in :mod:`preserve.handoff`.
One task per destination (its packages in order over one connection); destinations run
side by side. Tasks never touch the catalog (an SQLite connection belongs to the thread
that opened it): they return the deliveries, and the flow records them.

PREMIS events recorded: one ``replication`` per package and destination (outcome success
or fail, the destination as detail), beside a receipt in the catalog's ``deliveries``.

Run it once: ``python -m preserve_flows.handoff --once``; on a schedule against a real server
(``prefect server start``, ``PREFECT_API_URL=http://127.0.0.1:4200/api``)::

    python -m preserve_flows.handoff --cron "0 3 * * *"

or deploy ``nightly-handoff`` from ``flows/prefect.yaml``. SFTP passwords come only from
the environment variable a destination names in ``password_env``.
"""

from __future__ import annotations

from preserve_flows._runtime import quiet_prefect

quiet_prefect()

import argparse  # noqa: E402
from pathlib import Path  # noqa: E402

from prefect import flow, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.task_runners import ThreadPoolTaskRunner  # noqa: E402

from preserve.catalog import Catalog  # noqa: E402
from preserve.config import HandoffDestination, load_config  # noqa: E402
from preserve.errors import ConfigError  # noqa: E402
from preserve.handoff import (  # noqa: E402
    LOCKS,
    Delivery,
    check_destination_apart,
    configured_options,
    hand_off_all,
    parse_destination,
    record_delivery,
    undelivered,
)


@task(name="hand-off", cache_policy=NO_CACHE, retries=0)
def deliver(
    destination: HandoffDestination,
    packages: list[str],
    profile: str | None,
    processes: int,
    lock_folder: str,
) -> list[Delivery]:
    """Check, send, prove and publish each package at one destination."""
    return hand_off_all(
        [Path(p) for p in packages],
        parse_destination(destination.url),
        destination.serialize,
        profile,
        configured_options(destination),
        processes,
        Path(lock_folder),
    )


@flow(
    name="handoff",
    task_runner=ThreadPoolTaskRunner(max_workers=2),  # type: ignore[arg-type]
    validate_parameters=False,
    log_prints=False,
)
def handoff(
    config: str | None = None,
    catalog: str | None = None,
    destinations: list[str] | None = None,
) -> list[Delivery]:
    """Hand every package not yet delivered to each configured destination (or those
    named); return the deliveries, each recorded with a receipt and a PREMIS event."""
    settings = load_config(config)
    chosen = [
        d for d in settings.handoff.destinations if destinations is None or d.name in destinations
    ]
    if not chosen:
        raise ConfigError(
            "No hand-off destination to deliver to: add [[handoff.destinations]] to the config."
        )
    catalog_path = Path(catalog or settings.paths.catalog)
    if not catalog_path.is_file():
        raise ConfigError(f"There is no catalog at {catalog_path}: run preserve ingest first.")
    agents = settings.agents
    deliveries: list[Delivery] = []
    with Catalog.open(catalog_path) as store:
        futures = []
        for destination in chosen:
            address = parse_destination(destination.url)
            check_destination_apart(address, [], Path(settings.paths.packages))
            pending = undelivered(store, address.display)
            if not pending:
                continue
            profile = destination.profile or settings.bagging.profile_identifier or None
            profile = None if profile == "none" else profile
            paths = [str(p.path) for p in pending]
            locks = str(catalog_path.absolute().parent / LOCKS)
            futures.append(
                deliver.submit(destination, paths, profile, settings.bagging.processes, locks)
            )
        for future in futures:
            for delivery in future.result():
                record_delivery(store, delivery, agents)
                deliveries.append(delivery)
    return deliveries


def main() -> None:
    """Run once, or serve on a schedule against a real Prefect server (PREFECT_API_URL)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--config", help="config file (default: ./preserve.toml)")
    parser.add_argument("--catalog", help="catalog file (default: [paths] catalog)")
    parser.add_argument("--destination", action="append", help="only this destination (repeat)")
    parser.add_argument("--once", action="store_true", help="run once now")
    parser.add_argument("--interval", type=int, help="seconds between runs")
    parser.add_argument("--cron", help="a cron schedule, e.g. '0 3 * * *'")
    arguments = parser.parse_args()
    load_config(arguments.config)  # fail here, not at 3 a.m.
    parameters = {
        "config": str(Path(arguments.config).absolute()) if arguments.config else None,
        "catalog": str(Path(arguments.catalog).absolute()) if arguments.catalog else None,
        "destinations": arguments.destination,
    }
    if arguments.once:
        failed = [d for d in handoff(**parameters) if not d.ok]
        raise SystemExit(1 if failed else 0)
    if not (arguments.interval or arguments.cron):
        parser.error("give --once, --interval or --cron")
    handoff.serve(
        name="scheduled-handoff",
        interval=arguments.interval,
        cron=arguments.cron,
        parameters=parameters,
    )


if __name__ == "__main__":
    main()
