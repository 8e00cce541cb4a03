"""``preserve report``: reports read from the catalog; ``quality`` lists the texts of lowest
OCR quality, so an archivist knows which items to send back for re-OCR."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from preserve.catalog import Catalog, QualityRecord
from preserve.cli.app import (
    EXIT_OK,
    ConfigOption,
    JsonOption,
    app,
    console,
    emit_json,
    fail,
    user_errors,
)
from preserve.config import load_config

report_app = typer.Typer(
    help="Reports read from the catalog (no package is opened).", no_args_is_help=True
)
app.add_typer(report_app, name="report")


@report_app.command("quality")
def quality_command(
    packages: Annotated[
        Path | None,
        typer.Option(help="Packages folder. Default: the \\[paths] packages setting."),
    ] = None,
    catalog: Annotated[
        Path | None,
        typer.Option(help="Catalog file. Default: PACKAGES/.catalog.sqlite or \\[paths] catalog."),
    ] = None,
    source: Annotated[
        Path | None,
        typer.Option(help="Only items preserved from this folder (a collection)."),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="How many texts to list.")] = 20,
    config: ConfigOption = None,
    json_output: JsonOption = False,
) -> None:
    """List the repaired texts of lowest OCR quality, worst first: the share of words the
    dictionary knows, of garbage tokens, of lines ending in a hyphen, as received and
    repaired. Score: words known × (1 − garbage) as received, 0 worst, 1 best."""
    with user_errors():
        settings = load_config(config)
        if catalog is None:
            catalog = (
                Path(settings.paths.catalog) if packages is None else packages / ".catalog.sqlite"
            )
    if not catalog.is_file():
        fail(f"There is no catalog at {catalog}: run preserve ingest first or give --catalog.")
    with user_errors(), Catalog.open(catalog) as store:
        folder = str(source.absolute()) if source is not None else None
        worst = store.worst_quality(limit, folder)
    if json_output:
        emit_json(
            {
                "catalog": str(catalog),
                "source": folder,
                "limit": limit,
                "texts": [record.to_dict() for record in worst],
            }
        )
        raise typer.Exit(EXIT_OK)
    if not worst:
        console.print(
            "No repaired text has a quality score in this catalog"
            + (f" under {escape(folder)}" if folder else "")
            + ": ingest texts with repair on first."
        )
        raise typer.Exit(EXIT_OK)
    console.print(_table(worst, catalog))
    raise typer.Exit(EXIT_OK)


def _table(worst: list[QualityRecord], catalog: Path) -> Table:
    table = Table(
        title=f"Lowest OCR quality in {escape(str(catalog))} (0 worst, 1 best)",
        title_justify="left",
    )
    for column in ("score", "words known", "garbage", "hyphenated lines", "language", "item"):
        table.add_column(column, overflow="fold")
    for record in worst:
        table.add_row(
            f"{record.score:.2f}",
            _change(record.before["known"], record.after["known"]),
            _change(record.before["garbage"], record.after["garbage"]),
            _change(record.before["hyphens"], record.after["hyphens"]),
            escape(record.language or "none"),
            escape(f"{record.item_name} ({record.bag_path}, {record.package})"),
        )
    return table


def _change(before: float | None, after: float | None) -> str:
    """``89% → 96%``: as received, then repaired.

    >>> _change(0.891, 0.96), _change(None, None)
    ('89.1% → 96.0%', '—')
    """
    if before is None or after is None:
        return "—"
    return f"{before:.1%} → {after:.1%}"
