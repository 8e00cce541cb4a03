"""``preserve audit``: check catalogued packages again, record it, say what changed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from preserve.audit import AuditRun, parse_duration, parse_moment, select_packages
from preserve.catalog import Catalog
from preserve.cli.app import (
    EXIT_FAILED,
    EXIT_OK,
    CatalogOption,
    ConfigOption,
    DaskAddressOption,
    JsonOption,
    PackagesOption,
    RunnerOption,
    app,
    console,
    emit_json,
    existing_catalog,
    fail,
    orchestration_errors,
    show_progress,
    user_errors,
    write_aside,
)
from preserve.config import check_runner, load_config

MAX_LISTED = 30
"""Problem files listed in the human summary; --json and --report list them all."""


@app.command("audit")
def audit_command(
    packages: PackagesOption = None,
    catalog: CatalogOption = None,
    older_than: Annotated[
        str | None,
        typer.Option("--older-than", help="Only packages not audited for this long: 7d, 12h, 30m."),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(help="Only packages created since this date: 2026-11-01."),
    ] = None,
    limit: Annotated[
        int | None, typer.Option(min=1, help="Audit at most this many (longest unaudited first).")
    ] = None,
    report: Annotated[
        Path | None, typer.Option(help="Also write a self-contained HTML report here.")
    ] = None,
    json_output: JsonOption = False,
    processes: Annotated[int, typer.Option(min=1, help="Hashing processes per bag.")] = 1,
    runner: RunnerOption = None,
    dask_address: DaskAddressOption = None,
    config: ConfigOption = None,
    destination: Annotated[
        str | None,
        typer.Option(
            help="Instead, re-verify the copies handed off to this destination (a folder, "
            "sftp:// or ocfl:// URL, or a \\[\\[handoff.destinations]] name)."
        ),
    ] = None,
) -> None:
    """Re-validate every catalogued package (or a slice), record a PREMIS fixity check for
    each, and report corrupted, missing and extra files and what changed since last time."""
    if destination is not None:
        from preserve.cli.handoff import audit_copies

        audit_copies(destination, catalog, config, json_output, packages)
    with user_errors():
        settings = load_config(config)
        runner = check_runner(runner or settings.ingest.runner, dask_address)
        age = _age(older_than) if older_than else None
        created_since = parse_moment(since) if since else None
    packages_dir = packages or Path(settings.paths.packages)
    catalog = existing_catalog(settings, catalog, packages)
    with user_errors(), Catalog.open(catalog) as store:
        if report is not None:
            check_report_path(report, catalog, packages_dir, [p.path for p in store.packages()])
        due, _skipped = select_packages(
            store, created_since=created_since, older_than=age, limit=limit
        )
    agents = settings.agents

    from preserve_flows._runtime import check_dask_address, use_local_server

    address = dask_address or settings.ingest.dask_address
    if runner == "dask" and address:
        with user_errors():
            check_dask_address(address)
    with orchestration_errors():
        use_local_server()  # before Prefect is imported, so all of it uses that server
    # Prefect starts only once the arguments are good
    from preserve_flows import audit as audit_flow

    progress = _progress() if show_progress(json_output) and due else None
    try:
        if progress is not None:
            progress.start()
            bar = progress.add_task("audit", total=len(due))
            audit_flow.progress_hooks["package"] = lambda _a: progress.advance(bar, 1)
        with user_errors(), orchestration_errors():
            flow = audit_flow.with_runner(runner, address)
            run = flow(
                catalog=str(catalog.absolute()),
                created_since=created_since,
                older_than=age,
                limit=limit,
                processes=processes,
                packages_dir=str(packages_dir),
                agents=agents,
            )
    finally:
        audit_flow.progress_hooks["package"] = None
        if progress is not None:
            progress.stop()
    if report is not None:
        from preserve.audit_report import render_audit_report

        try:
            write_aside([(report, render_audit_report(run).encode("utf-8"))])
        except OSError as error:
            fail(f"Cannot write the report {report} ({error.strerror}): choose another path.", 1)
    if json_output:
        emit_json(run.to_dict() | {"report": str(report) if report else None})
    else:
        _print_summary(run, catalog, report)
    raise typer.Exit(EXIT_OK if run.ok else EXIT_FAILED)


def _age(text: str) -> timedelta:
    """--older-than as a duration the calendar can go back by."""
    try:
        age = parse_duration(text)
        datetime.now(UTC) - age
    except OverflowError:
        fail(f"--older-than {text} goes back further than the calendar: give at most 36500d.")
    return age


def check_report_path(
    report: Path, catalog: Path, packages_dir: Path, package_paths: list[Path]
) -> None:
    """Refuse, before anything runs, a report that would overwrite what the audit guards:
    a file of a package (or anything inside the packages folder's packages) or the catalog."""
    if report.is_dir():
        fail(f"--report {report} is a folder: give a file name such as audit.html.")
    if not report.parent.is_dir():
        fail(f"The folder of --report {report} does not exist: create it or choose another path.")
    landing = report.parent.resolve() / report.name  # where the rename puts it
    targets = {landing, report.resolve()}  # and what a link there names
    base = catalog.resolve()
    catalog_files = {
        base,
        *(base.with_name(base.name + end) for end in ("-wal", "-shm", "-journal")),
    }
    guarded = [p.resolve() for p in package_paths]
    packages_root = packages_dir.resolve()
    for target in targets:
        inside = target in catalog_files or any(
            folder == target or folder in target.parents for folder in guarded
        )
        inside = inside or (packages_root in target.parents and target.parent != packages_root)
        if inside:
            fail(
                f"--report {report} would overwrite a package file or the catalog: "
                "choose a report path outside the packages and the catalog."
            )


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description:>7}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
    )


def _print_summary(run: AuditRun, catalog: Path, report: Path | None) -> None:
    attention = [a for a in run.audits if a.status != "pass" or a.change == "newly-passing"]
    if attention:
        table = Table(title="Packages that need attention or changed", title_justify="left")
        table.add_column("package", overflow="fold")
        table.add_column("status")
        table.add_column("since last audit")
        table.add_column("finding")
        table.add_column("path", overflow="fold")
        rows = 0
        for audit in attention:
            check = audit.check
            findings = (
                [("package missing", check.path)]
                if check.status == "missing"
                else [("corrupted", p) for p in check.corrupted]
                + [("missing", p) for p in check.missing]
                + [("extra", p) for p in check.extra]
            )
            if not findings and check.status == "fail":
                findings = [(p.code, p.path) for p in check.errors]
            if not findings:
                findings = [("", "")]
            for finding, path in findings:
                if rows < MAX_LISTED:
                    status = check.status if check.status == "pass" else f"[red]{check.status}[/]"
                    table.add_row(
                        escape(check.name), status, audit.change, escape(finding), escape(path)
                    )
                rows += 1
        console.print(table)
        if rows > MAX_LISTED:
            console.print(f"… and {rows - MAX_LISTED} more; --json or --report lists them all.")
    summary = run.summary()
    table = Table(title=f"Fixity audit {run.id} of {escape(str(catalog))}", title_justify="left")
    for column in ("audited", "passed", "failed", "missing", "changed since last audit"):
        table.add_column(column, justify="right")
    table.add_row(
        str(summary["audited"]),
        str(summary["passed"]),
        f"[red]{summary['failed']}[/]" if summary["failed"] else "0",
        f"[red]{summary['missing']}[/]" if summary["missing"] else "0",
        str(summary["changed"]),
    )
    console.print(table)
    if run.audited == 0:
        console.print(
            f"Nothing was due: {summary['skipped']} catalogued package(s) outside the selection."
        )
    if run.uncatalogued:
        console.print(
            f"{len(run.uncatalogued)} folder(s) in the packages folder are not in the catalog: "
            + escape(", ".join(run.uncatalogued[:5]))
            + (" …" if len(run.uncatalogued) > 5 else "")
        )
    if report is not None:
        console.print(f"Report: {escape(str(report))}", highlight=False)
