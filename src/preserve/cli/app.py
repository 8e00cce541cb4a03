"""The Typer application and what every command shares: exit codes, output, errors.

Exit codes scripts can trust: 0 all well, 1 some items failed, 2 usage or configuration.
Library code never prints or exits; commands here turn results into a summary (or JSON)
and an exit code.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from preserve.config import Config
from preserve.errors import ConfigError, PreserveError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

app = typer.Typer(
    name="preserve",
    help="Keep raw text forever, exactly as received, and make it usable.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

console = Console()
error_console = Console(stderr=True)


# Options every command shares, spelled once.
ConfigOption = Annotated[
    Path | None, typer.Option(help="Config file. Default: $PRESERVE_CONFIG or ./preserve.toml.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON report.")]
RunnerOption = Annotated[
    str | None,
    typer.Option(
        help="threads, processes (one worker per core) or dask. Default: \\[ingest] runner."
    ),
]
DaskAddressOption = Annotated[
    str | None,
    typer.Option(help="An existing Dask scheduler (tcp://host:8786) for --runner dask."),
]


def emit_json(data: Any) -> None:
    """Write one JSON document to stdout, for scripts."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """Print one sentence to stderr and leave with ``code``."""
    # soft_wrap: one sentence stays one line, whatever the terminal width (logs, grep).
    error_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn preserve's own exceptions into one line and the right exit code."""
    try:
        yield
    except ConfigError as error:
        fail(str(error), EXIT_USAGE)
    except PreserveError as error:
        fail(str(error), EXIT_FAILED)


@contextmanager
def orchestration_errors() -> Iterator[None]:
    """Prefect failing to start (no free port, a server that never answered) is not the
    user's data: one sentence, exit 2, and what to try."""
    try:
        yield
    except RuntimeError as error:
        if "Prefect" not in str(error) and "ephemeral" not in str(error):
            raise
        fail(
            f"Prefect could not run the flow ({error}): retry, or start a server with "
            "`prefect server start` and set PREFECT_API_URL.",
            EXIT_USAGE,
        )


def show_progress(json_output: bool) -> bool:
    """Progress bars only for a person at a terminal, never in JSON mode or pipes."""
    return not json_output and console.is_terminal


ProgressCallback = Callable[..., None]


# The catalog, for the commands that read it (audit, report), spelled once.
PackagesOption = Annotated[
    Path | None, typer.Option(help="Packages folder. Default: the \\[paths] packages setting.")
]
CatalogOption = Annotated[
    Path | None,
    typer.Option(help="Catalog file. Default: PACKAGES/.catalog.sqlite or \\[paths] catalog."),
]


def existing_catalog(settings: Config, catalog: Path | None, packages: Path | None = None) -> Path:
    """The catalog a command reads: ``--catalog``, else the one in ``--packages``, else
    ``[paths] catalog``. Refused (exit 2) when the file is not there: opening it would
    create an empty catalog, and report that nothing was ever preserved."""
    if catalog is None:
        catalog = Path(settings.paths.catalog) if packages is None else packages / ".catalog.sqlite"
    if not catalog.is_file():
        fail(f"There is no catalog at {catalog}: run preserve ingest first or give --catalog.")
    return catalog


def write_aside(outputs: Sequence[tuple[Path, bytes]]) -> None:
    """Write each output (path, bytes) to a new temporary name in its folder, flushed to
    disk, then rename them all: a failed run leaves no half-written file, and none of them
    if any could not be written; a link at a path is replaced, never written through.
    Raises :class:`OSError` for the caller to word."""
    written: list[tuple[str, Path]] = []
    try:
        for path, data in outputs:
            handle, temporary = tempfile.mkstemp(
                prefix=f".{path.name}.", suffix=".part", dir=path.parent
            )
            written.append((temporary, path))
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
        for temporary, path in written:
            os.replace(temporary, path)
    finally:
        for temporary, _ in written:
            Path(temporary).unlink(missing_ok=True)
