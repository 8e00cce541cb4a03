"""``preserve validate``: check bags (folders or archives) and name every problem."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import filesize
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from preserve.cli.app import (
    EXIT_FAILED,
    EXIT_OK,
    JsonOption,
    app,
    console,
    fail,
    show_progress,
    user_errors,
)
from preserve.report import SEVERITIES, Report
from preserve.validation import validate_path
from preserve.validation.archive import is_archive
from preserve.validation.spool import SpooledReport, write_report_json

MAX_LISTED = 50
"""Problems printed per bag in the human summary; --json lists them all."""
STYLES = {"error": "bold red", "warning": "yellow", "notice": "dim"}


@app.command("validate")
def validate_command(
    paths: Annotated[
        list[Path], typer.Argument(help="Bag folders or serialized bags (.tar, .tar.gz, .zip).")
    ],
    fast: Annotated[
        bool, typer.Option("--fast", help="Completeness and Payload-Oxum only; no checksums.")
    ] = False,
    completeness_only: Annotated[
        bool,
        typer.Option("--completeness-only", help="Every listed file present; no checksums."),
    ] = False,
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile",
            help="Also check a BagIt Profile: a file, a bundled name (btr, aptrust...) or a URI.",
        ),
    ] = None,
    json_output: JsonOption = False,
    processes: Annotated[
        int | None,
        typer.Option(min=1, help="Hashing processes per bag [default: every core]."),
    ] = None,
    notices: Annotated[
        bool, typer.Option("--notices", help="Also list notices in the human summary.")
    ] = False,
) -> None:
    """Validate BagIt bags strictly (RFC 8493 and drafts 0.93-0.97) and report every problem.

    Exit 0 when every bag is valid, 1 when any is invalid, 2 on usage errors.
    """
    processes = processes or os.cpu_count() or 1
    if fast and completeness_only:
        fail("--fast and --completeness-only exclude each other: choose one.")
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        fail(f"No such bag: {', '.join(missing)}; give existing bag folders or archives.")
    not_bags = [str(p) for p in paths if p.is_file() and not is_archive(p)]
    if not_bags:
        fail(f"Not a bag folder or a .tar, .tar.gz or .zip archive: {', '.join(not_bags)}.")
    loaded_profile = None
    if profile is not None:
        # Imported here: profiles pull in more than plain validation needs.
        from preserve.validation.profile import load_profile

        with user_errors():
            loaded_profile = load_profile(profile)

    # Each bag's report is written as soon as it is done and then let go: with --json its
    # problems are streamed, so a million of them never sit in memory at once.
    verdicts: list[dict[str, Any]] = []
    if json_output:
        sys.stdout.write('{\n  "bags": [')
    for number, path in enumerate(paths):
        # The profile is checked on the copy the bag validator unpacked: one unpacking.
        report = _validate_one(
            path, fast, completeness_only, processes, json_output, loaded_profile
        )
        if loaded_profile is not None:
            report.info["profile"] = profile
        verdicts.append(_verdict(report))
        if json_output:
            sys.stdout.write(",\n    " if number else "\n    ")
            write_report_json(report, sys.stdout)
        else:
            _print_report(report, notices)
        if isinstance(report, SpooledReport):
            report.close()

    summary = _summary(verdicts)
    if json_output:
        sys.stdout.write(
            '\n  ],\n  "summary": '
            + json.dumps(summary, indent=2, ensure_ascii=False).replace("\n", "\n  ")
            + "\n}\n"
        )
        sys.stdout.flush()
    else:
        _print_summary(summary)
    raise typer.Exit(EXIT_OK if summary["invalid"] == 0 else EXIT_FAILED)


def _counts(report: Report) -> dict[str, int]:
    if isinstance(report, SpooledReport):
        return report.counts
    return {s: sum(p.severity == s for p in report.problems) for s in SEVERITIES}


def _verdict(report: Report) -> dict[str, Any]:
    """What the summary needs of one bag."""
    return {
        "subject": report.subject,
        "valid": report.valid,
        "counts": _counts(report),
        "checksums_skipped": report.info.get("checksums") == "skipped",
    }


def _validate_one(
    path: Path,
    fast: bool,
    completeness_only: bool,
    processes: int,
    json_output: bool,
    profile: dict[str, Any] | None,
) -> Report:
    options: dict[str, Any] = {
        "fast": fast,
        "completeness_only": completeness_only,
        "processes": processes,
        "profile": profile,
    }
    if not show_progress(json_output) or fast or completeness_only:
        return validate_path(path, **options)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(escape(path.name), total=_size_of(path))
        advance: Callable[[int], None] = lambda count: bar.advance(task, count)  # noqa: E731
        return validate_path(path, progress=advance, **options)


def _size_of(path: Path) -> int | None:
    """Bytes to hash, for the bar: the folder's file sizes (no link followed)."""
    if path.is_file():
        return None
    total = 0
    try:
        for item in path.rglob("*"):
            # Tag manifests are read, not hashed; the rest is what the bar waits for.
            tag_manifest = item.parent == path and item.name.startswith("tagmanifest-")
            if item.is_file() and not item.is_symlink() and not tag_manifest:
                total += item.stat().st_size
    except OSError:
        return None
    return total


def _summary(verdicts: list[dict[str, Any]]) -> dict[str, Any]:
    invalid = [v["subject"] for v in verdicts if not v["valid"]]
    return {
        "bags": len(verdicts),
        "valid": len(verdicts) - len(invalid),
        "invalid": len(invalid),
        "invalid_bags": invalid,
        "errors": sum(v["counts"]["error"] for v in verdicts),
        "warnings": sum(v["counts"]["warning"] for v in verdicts),
        "notices": sum(v["counts"]["notice"] for v in verdicts),
        "checksums_skipped": sum(v["checksums_skipped"] for v in verdicts),
    }


def _print_report(report: Report, notices: bool) -> None:
    verdict = "[bold green]valid[/]" if report.valid else "[bold red]INVALID[/]"
    counts = _counts(report)
    info = report.info
    version = info.get("bagit_version") or "?"
    algorithms = ", ".join(info.get("algorithms") or []) or "none"
    console.print(
        f"{verdict} {escape(report.subject)}  BagIt {escape(str(version))}, "
        f"{info.get('payload_files', 0)} payload files "
        f"({filesize.decimal(int(info.get('payload_bytes') or 0))}), "
        f"manifests: {escape(algorithms)}"
        f"{'' if info.get('checksums') != 'skipped' else ', checksums NOT verified'}; "
        f"{counts['error']} errors, "
        f"{counts['warning']} warnings, {counts['notice']} notices",
        highlight=False,
    )
    shown = [p for p in report.problems if p.severity != "notice" or notices]
    for problem in shown[:MAX_LISTED]:
        where = f" {escape(problem.path)}:" if problem.path else ""
        facts = ""
        if problem.code == "checksum-mismatch":
            facts = (
                f" (expected {problem.facts.get('expected')}, found {problem.facts.get('found')})"
            )
        console.print(
            f"  [{STYLES[problem.severity]}]{problem.severity}[/] {escape(f'[{problem.code}]')}"
            f"{where} {escape(problem.message)}{facts}",
            highlight=False,
            soft_wrap=True,
        )
    total = counts["error"] + counts["warning"] + (counts["notice"] if notices else 0)
    if total > min(len(shown), MAX_LISTED):
        console.print(f"  … and {total - min(len(shown), MAX_LISTED)} more (use --json for all).")


def _print_summary(summary: dict[str, Any]) -> None:
    style = "green" if summary["invalid"] == 0 else "red"
    console.print(
        f"[bold {style}]{summary['valid']} of {summary['bags']} bags valid[/]; "
        f"{summary['errors']} errors, {summary['warnings']} warnings, "
        f"{summary['notices']} notices.",
        highlight=False,
    )
    if summary["checksums_skipped"]:
        console.print(
            f"[yellow]Checksums were skipped for {summary['checksums_skipped']} of "
            f"{summary['bags']} bags (--fast or --completeness-only): a changed file of the "
            "same size goes unseen; run without them to verify every checksum.[/]",
            highlight=False,
        )
