"""Hand-off to a folder, end to end through the command: check, send, prove, receipt."""

from __future__ import annotations

import json
import os
from pathlib import Path

import handoff_helpers
from typer.testing import CliRunner

import preserve.cli  # noqa: F401 - registers the commands
from preserve.catalog import Catalog
from preserve.cli.app import app

runner = CliRunner()
packages_template = handoff_helpers.packages_template
preserved = handoff_helpers.preserved


def handoff(*arguments: str):
    return runner.invoke(app, ["handoff", *arguments], catch_exceptions=False)


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_packages_arrive_whole_with_receipts_and_premis_events(
    preserved: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    catalog, packages = preserved
    dest = tmp_path / "transfer"
    result = handoff(*map(str, packages), "--to", str(dest), "--catalog", str(catalog), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["summary"]["delivered"] == len(packages) == 2
    for package in packages:
        assert tree(dest / package.name) == tree(package)
    assert sorted(os.listdir(dest)) == sorted(p.name for p in packages)
    with Catalog.open(catalog) as store:
        receipts = store.deliveries(destination=str(dest))
        assert [r.outcome for r in receipts] == ["delivered", "delivered"]
        sent = {entry["path"]: entry["sha256"] for entry in receipts[0].sent}
        assert "data/original/letter.txt" in sent or any(p.startswith("data/") for p in sent)
        assert "bagit.txt" in sent and "tagmanifest-sha256.txt" in sent
        events = store.events(event_type="replication")
        assert len(events) == 2 and {e.outcome for e in events} == {"success"}
        assert events[0].detail.startswith(f"handed off to {dest}")
        assert {r.event_identifier for r in receipts} == {e.identifier for e in events}

    again = handoff(*map(str, packages), "--to", str(dest), "--catalog", str(catalog), "--json")
    assert again.exit_code == 0
    assert json.loads(again.output)["summary"]["already_delivered"] == 2
    with Catalog.open(catalog) as store:
        assert len(store.deliveries()) == 2  # nothing new to say
        assert len(store.events(event_type="replication")) == 2
