"""``preserve ingest``: run the ingest flow over source folders and summarise it."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from preserve.catalog import Catalog
from preserve.cli.app import (
    EXIT_FAILED,
    EXIT_OK,
    ConfigOption,
    DaskAddressOption,
    JsonOption,
    RunnerOption,
    app,
    console,
    emit_json,
    error_console,
    orchestration_errors,
    show_progress,
    user_errors,
)
from preserve.config import load_config
from preserve.intake import check_separate, discover
from preserve.validation.paths import shown


@app.command("ingest")
def ingest_command(
    sources: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Folders of raw files (each entry is one item). Default: [paths] source."
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Packages folder. Default: [paths] packages.")
    ] = None,
    catalog: Annotated[
        Path | None,
        typer.Option(help="Catalog file. Default: [paths] catalog, or OUT/.catalog.sqlite."),
    ] = None,
    runner: RunnerOption = None,
    dask_address: DaskAddressOption = None,
    config: ConfigOption = None,
    json_output: JsonOption = False,
) -> None:
    """Preserve each item of SOURCE as a validated BagIt package (fixity, PREMIS, repair)."""
    # Here, not at the top: every command imports this module, and only ingest needs the
    # pipeline (PREMIS, lxml, bagging).
    from preserve.pipeline import prepare_output

    with user_errors():
        settings = load_config(config)
        runner = _runner(runner or settings.ingest.runner, dask_address)
        source_paths = list(sources) if sources else [Path(settings.paths.source)]
        packages = out or Path(settings.paths.packages)
        if catalog is not None:
            catalog_path = catalog
        elif out is None:
            catalog_path = Path(settings.paths.catalog)
        else:
            catalog_path = packages / ".catalog.sqlite"
        check_separate(source_paths, packages, catalog_path)
        found = discover(source_paths)  # fails early, before Prefect starts, on a bad source
        # Where packages and the catalog go: a mistake there is one line here, not a
        # traceback from inside the flow.
        # Not the collection's size as room needed: a rerun over it may have little new.
        prepare_output(packages)
        Catalog.open(catalog_path).close()
    total_items = len(found.items) + len(found.rejected)
    total_bytes = sum(item.size for item in found.items)

    from preserve_flows._runtime import Stop, check_dask_address, run_flow, use_local_server

    if runner == "dask" and (dask_address or settings.ingest.dask_address):
        with user_errors():
            check_dask_address(dask_address or settings.ingest.dask_address)
    with orchestration_errors():
        use_local_server()  # before Prefect is imported, so all of it uses that server
    from preserve_flows import ingest as ingest_flow  # Prefect starts only when there is work to do

    stop = Stop()

    progress = _progress() if show_progress(json_output) else None
    try:
        if progress is not None:
            progress.start()
            items_bar = progress.add_task("items", total=total_items, unit="items")
            bytes_bar = progress.add_task("fixity", total=total_bytes, unit="bytes")
            ingest_flow.progress_hooks["bytes"] = lambda n: progress.advance(bytes_bar, n)
            ingest_flow.progress_hooks["item"] = lambda _o: progress.advance(items_bar, 1)
        with user_errors(), orchestration_errors():
            flow = ingest_flow.with_runner(runner, dask_address or settings.ingest.dask_address)
            summary: dict[str, Any] = run_flow(
                lambda: flow(
                    sources=[str(s) for s in source_paths],
                    out=str(out) if out else None,
                    catalog=str(catalog) if catalog else None,
                    config_path=str(config) if config else None,
                ),
                ingest_flow.stop_requested,
                stop,
            )
    finally:
        ingest_flow.progress_hooks["bytes"] = ingest_flow.progress_hooks["item"] = None
        if progress is not None:
            progress.stop()
    if stop.signal is not None:
        summary["stopped"] = stop.signal.name
    if json_output:
        emit_json(summary)
    else:
        _print_summary(summary)
    if stop.exit_code is not None:
        error_console.print(
            f"Stopped by {stop.signal.name if stop.signal else 'a signal'}: "
            f"{summary.get('not_started', 0)} item(s) not started; "
            "run the same command again to preserve them.",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(stop.exit_code)
    raise typer.Exit(EXIT_OK if summary["ok"] else EXIT_FAILED)


def _runner(name: str, dask_address: str | None) -> str:
    from preserve.config import check_runner  # shared with preserve audit

    return check_runner(name, dask_address)


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description:>7}"),
        BarColumn(),
        MofNCompleteColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )


def _print_summary(summary: dict[str, Any]) -> None:
    counts = summary["counts"]
    attention = [i for i in summary["items"] if i["reasons"]]
    if attention:
        table = Table(title="Items that need attention", title_justify="left", show_lines=False)
        table.add_column("item", overflow="fold")
        table.add_column("status")
        table.add_column("reason", overflow="fold")
        for item in attention:
            for reason in item["reasons"]:
                table.add_row(escape(shown(item["name"])), item["status"], escape(shown(reason)))
        console.print(table)
    table = Table(title=f"Ingest into {escape(summary['packages'])}", title_justify="left")
    table.add_column("ingested", justify="right")
    table.add_column("already preserved", justify="right")
    table.add_column("need attention", justify="right")
    table.add_column("failed", justify="right")
    table.add_row(
        str(counts["ingested"]),
        str(counts["already-preserved"]),
        str(counts["attention"]),
        f"[red]{counts['failed']}[/]" if counts["failed"] else "0",
    )
    console.print(table)
    _print_quality(summary)
    notes = Counter(note for item in summary["items"] for note in item.get("notes", []))
    for note, count in sorted(notes.items()):
        console.print(f"{count} item(s): {escape(note)}.", highlight=False)
    if counts["ingested"] == 0 and counts["failed"] == 0 and counts["already-preserved"]:
        console.print("Nothing new: every item is already preserved.")


QUALITY_SHOWN = 5
"""Texts of lowest OCR quality the summary lists (``preserve report quality`` lists more)."""


def _print_quality(summary: dict[str, Any]) -> None:
    """The texts of this run with the lowest OCR quality score, lowest first."""
    scored = [
        (quality["score"], item["name"], path, quality)
        for item in summary["items"]
        for path, quality in (item.get("quality") or {}).items()
    ]
    if not scored:
        return
    table = Table(title="Lowest OCR quality (0 worst, 1 best)", title_justify="left")
    for column in ("score", "words known", "garbage", "item", "file"):
        table.add_column(column, overflow="fold")
    for score, name, path, quality in sorted(scored, key=lambda row: row[:3])[:QUALITY_SHOWN]:
        known = quality["before"]["known"]
        table.add_row(
            f"{score:.2f}",
            "—" if known is None else f"{known:.0%}",
            f"{quality['before']['garbage']:.1%}",
            escape(name),
            escape(path),
        )
    console.print(table)
