"""``preserve audit`` and the audit flow, run for real (ephemeral Prefect)."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from audit_helpers import T0
from typer.testing import CliRunner

import preserve.cli  # noqa: F401 - registers the commands
from preserve.catalog import Catalog
from preserve.cli.app import app

runner = CliRunner()


def run_cli(*arguments: str):
    return runner.invoke(app, ["audit", *arguments], catch_exceptions=False, env={"COLUMNS": "200"})


def test_usage_errors_exit_2_before_prefect_starts(tmp_path: Path, in_tmp_dir: Path) -> None:
    result = run_cli("--catalog", str(tmp_path / "none.sqlite"))
    assert result.exit_code == 2
    assert "run preserve ingest first" in result.output
    (tmp_path / "c.sqlite").touch()
    result = run_cli("--catalog", str(tmp_path / "c.sqlite"), "--older-than", "a while")
    assert result.exit_code == 2
    assert "7d" in result.output
    result = run_cli("--catalog", str(tmp_path / "c.sqlite"), "--since", "last week")
    assert result.exit_code == 2


@pytest.mark.slow
def test_the_command_finds_damage_and_reports_changes(
    store: Catalog, packages: Path, three, tmp_path: Path, in_tmp_dir: Path
) -> None:
    result = run_cli("--packages", str(packages), "--json")
    assert result.exit_code == 0, result.output
    first = json.loads(result.output)
    assert first["summary"]["audited"] == 3 and first["ok"]

    letter = three["a"] / "data" / "letter.txt"
    letter.write_bytes(letter.read_bytes().replace(b"D", b"d", 1))
    shutil.rmtree(three["c"])
    (three["b"] / "data" / "[bold]odd[red].txt").write_text("x", encoding="utf-8")
    report = tmp_path / "audit.html"
    result = run_cli("--packages", str(packages), "--report", str(report))
    assert result.exit_code == 1, result.output
    for words in (
        "corrupted",
        "data/letter.txt",
        "package missing",
        "newly-failing",
        "data/[bold]odd[red].txt",
    ):
        assert words in result.output
    assert report.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")

    # Audited a moment ago: nothing is older than a day, nothing is audited, all is well.
    result = run_cli("--packages", str(packages), "--older-than", "1d")
    assert result.exit_code == 0, result.output
    assert "Nothing was due" in result.output

    events = store.events(event_type="fixity check")
    assert len(events) == 6
    assert all(e.agents == ["preserve-demo", "preserve"] for e in events)


@pytest.mark.slow
def test_the_flow_batches_packages_and_records_each(store: Catalog, packages: Path, three) -> None:
    from preserve_flows.audit import audit

    run = audit(catalog=str(store.path), batch_size=2, now=T0)
    assert (run.audited, run.passed) == (3, 3)
    (three["b"] / "data" / "letter.txt").unlink()
    run = audit(catalog=str(store.path), older_than="7d", now=T0 + timedelta(days=8), batch_size=2)
    assert run.failed == 1
    assert [a.check.missing for a in run.audits if a.status == "fail"] == [("data/letter.txt",)]
    skipped = audit(catalog=str(store.path), older_than=86400.0, now=T0 + timedelta(days=8))
    assert skipped.audited == 0 and skipped.skipped == 3
    assert len(store.events(event_type="fixity check")) == 6


def test_a_report_never_overwrites_a_package_file_or_the_catalog(
    store: Catalog, packages: Path, three, tmp_path: Path, in_tmp_dir: Path
) -> None:
    letter = three["a"] / "data" / "letter.txt"
    kept = letter.read_bytes()
    catalog_bytes = store.path.read_bytes()
    (tmp_path / "link.html").symlink_to(letter)
    (packages / "not-yet-a-package").mkdir()
    for target in (
        letter,
        three["b"] / "data" / "new.html",
        three["c"] / "bag-info.txt",
        packages / "not-yet-a-package" / "r.html",
        store.path,
        Path(f"{store.path}-wal"),
        tmp_path / "link.html",
    ):
        result = run_cli("--packages", str(packages), "--report", str(target))
        assert result.exit_code == 2, (target, result.output)
        assert "choose a report path outside" in result.output
        assert len(result.output.strip().splitlines()) == 1
    assert letter.read_bytes() == kept
    assert store.path.read_bytes() == catalog_bytes
    assert not (three["b"] / "data" / "new.html").exists()
    assert store.events(event_type="fixity check") == []  # refused before the audit ran


def test_a_report_in_a_missing_folder_is_refused_before_the_audit(
    store: Catalog, packages: Path, three, tmp_path: Path, in_tmp_dir: Path
) -> None:
    result = run_cli("--packages", str(packages), "--report", str(tmp_path / "nowhere" / "a.html"))
    assert result.exit_code == 2
    assert "does not exist" in result.output
    assert store.events(event_type="fixity check") == []


def test_the_report_is_written_aside_then_renamed(
    store: Catalog, packages: Path, three, tmp_path: Path, in_tmp_dir: Path
) -> None:
    """Renamed over the old name: a link there is replaced, the file it named is untouched."""
    report = tmp_path / "reports" / "audit.html"
    report.parent.mkdir()
    elsewhere = tmp_path / "notes.txt"
    elsewhere.write_text("someone's notes", encoding="utf-8")
    report.symlink_to(elsewhere)
    result = run_cli("--packages", str(packages), "--report", str(report))
    assert result.exit_code == 0, result.output
    assert not report.is_symlink()
    assert report.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert elsewhere.read_text(encoding="utf-8") == "someone's notes"
    assert [p.name for p in report.parent.iterdir()] == ["audit.html"]  # nothing left aside


def test_an_age_beyond_the_calendar_is_a_usage_error(
    store: Catalog, packages: Path, three, in_tmp_dir: Path
) -> None:
    for age in ("999999d", "99999999999d", "9" * 400 + "w"):
        result = run_cli("--packages", str(packages), "--older-than", age)
        assert result.exit_code == 2, (age, result.output)
        assert "--older-than" in result.output and len(result.output.strip().splitlines()) == 1
    assert store.events(event_type="fixity check") == []
