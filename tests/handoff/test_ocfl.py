"""Hand-off to an OCFL 1.1 storage root, checked by ocfl-py's own validator."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import handoff_helpers
import pytest
from handoff_helpers import ingest, make_source
from typer.testing import CliRunner

import preserve.cli  # noqa: F401 - registers the commands
from preserve.catalog import Catalog
from preserve.cli.app import app
from preserve.handoff.ocfl import storage_root_problems

runner = CliRunner()
packages_template = handoff_helpers.packages_template
preserved = handoff_helpers.preserved


def handoff(*arguments: str):
    return runner.invoke(app, ["handoff", *arguments, "--json"], catch_exceptions=False)


def test_each_item_is_an_object_and_the_root_validates(
    preserved: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    catalog, packages = preserved
    root = tmp_path / "repository" / "ocfl"
    result = handoff(*map(str, packages), "--to", f"ocfl://{root}", "--catalog", str(catalog))
    assert result.exit_code == 0, result.output
    deliveries = json.loads(result.output)["deliveries"]
    assert [d["outcome"] for d in deliveries] == ["delivered", "delivered"]
    assert all(d["location"].endswith("/v1") for d in deliveries)
    assert (root / "0=ocfl_1.1").is_file()
    layout = json.loads((root / "ocfl_layout.json").read_text())
    assert layout["extension"] == "0003-hash-and-id-n-tuple-storage-layout"
    assert storage_root_problems(root) == []
    obj = root / deliveries[0]["location"].rsplit("/", 1)[0]
    inventory = json.loads((obj / "inventory.json").read_text())
    assert inventory["digestAlgorithm"] == "sha512"
    state = {p for paths in inventory["versions"]["v1"]["state"].values() for p in paths}
    assert state == {
        p.relative_to(packages[0]).as_posix() for p in packages[0].rglob("*") if p.is_file()
    }

    again = handoff(*map(str, packages), "--to", f"ocfl://{root}", "--catalog", str(catalog))
    assert again.exit_code == 0
    assert {d["outcome"] for d in json.loads(again.output)["deliveries"]} == {"already-delivered"}


def test_a_changed_item_becomes_the_next_version(tmp_path: Path) -> None:
    raw = make_source(tmp_path / "raw", {"letter.txt": "First draft.\n"})
    catalog = ingest(raw, tmp_path / "packages")
    first = next(p for p in (tmp_path / "packages").iterdir() if p.is_dir() and p.name[0] != ".")
    root = tmp_path / "ocfl"
    assert handoff(str(first), "--to", f"ocfl://{root}", "--catalog", str(catalog)).exit_code == 0
    (raw / "letter.txt").write_text("Second draft, changed.\n")
    ingest(raw, tmp_path / "packages")
    second = next(
        p
        for p in (tmp_path / "packages").iterdir()
        if p.is_dir() and p.name[0] != "." and p != first
    )
    result = handoff(str(second), "--to", f"ocfl://{root}", "--catalog", str(catalog))
    assert result.exit_code == 0, result.output
    location = json.loads(result.output)["deliveries"][0]["location"]
    assert location.endswith("/v2")
    assert storage_root_problems(root) == []
    # Handing the first package again finds it as v1: nothing changes.
    again = handoff(str(first), "--to", f"ocfl://{root}", "--catalog", str(catalog))
    assert json.loads(again.output)["deliveries"][0]["location"].endswith("/v1")
    obj = root / location.rsplit("/", 1)[0]
    assert sorted(p.name for p in obj.iterdir() if p.name.startswith("v")) == ["v1", "v2"]
    with Catalog.open(catalog) as store:
        assert len(store.events(event_type="replication")) == 2


def test_an_unfinished_version_is_removed_and_the_hand_off_finishes(tmp_path: Path) -> None:
    raw = make_source(tmp_path / "raw", {"letter.txt": "First draft.\n"})
    catalog = ingest(raw, tmp_path / "packages")
    first = next(p for p in (tmp_path / "packages").iterdir() if p.is_dir() and p.name[0] != ".")
    root = tmp_path / "ocfl"
    result = handoff(str(first), "--to", f"ocfl://{root}", "--catalog", str(catalog))
    obj = root / json.loads(result.output)["deliveries"][0]["location"].rsplit("/", 1)[0]
    (raw / "letter.txt").write_text("Second draft, changed.\n")
    ingest(raw, tmp_path / "packages")
    second = next(
        p
        for p in (tmp_path / "packages").iterdir()
        if p.is_dir() and p.name[0] != "." and p != first
    )
    # What a run killed while writing v2 leaves: its folder, half full, no inventory naming it.
    shutil.copytree(obj / "v1", obj / "v2")
    (obj / "v2" / "inventory.json").unlink()
    assert (obj / "v2").is_dir()
    result = handoff(str(second), "--to", f"ocfl://{root}", "--catalog", str(catalog))
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["deliveries"][0]["location"].endswith("/v2")
    assert storage_root_problems(root) == []


@pytest.mark.parametrize("cut", ["before the root inventory", "inside the root inventory"])
def test_a_version_cut_off_at_its_inventories_is_completed(cut: str, tmp_path: Path) -> None:
    raw = make_source(tmp_path / "raw", {"letter.txt": "First draft.\n"})
    catalog = ingest(raw, tmp_path / "packages")
    first = next(p for p in (tmp_path / "packages").iterdir() if p.is_dir() and p.name[0] != ".")
    root = tmp_path / "ocfl"
    handoff(str(first), "--to", f"ocfl://{root}", "--catalog", str(catalog))
    (raw / "letter.txt").write_text("Second draft, changed.\n")
    ingest(raw, tmp_path / "packages")
    second = next(
        p
        for p in (tmp_path / "packages").iterdir()
        if p.is_dir() and p.name[0] != "." and p != first
    )
    result = handoff(str(second), "--to", f"ocfl://{root}", "--catalog", str(catalog))
    obj = root / json.loads(result.output)["deliveries"][0]["location"].rsplit("/", 1)[0]
    # What a kill -9 leaves when it lands after v2's files and inventory were written:
    if cut == "before the root inventory":
        for name in ("inventory.json", "inventory.json.sha512"):
            (obj / name).write_bytes((obj / "v1" / name).read_bytes())
    else:
        whole = (obj / "inventory.json").read_bytes()
        (obj / "inventory.json").write_bytes(whole[: len(whole) // 2])
    assert storage_root_problems(root) != []

    again = handoff(str(second), "--to", f"ocfl://{root}", "--catalog", str(catalog))
    assert again.exit_code == 0, again.output
    delivery = json.loads(again.output)["deliveries"][0]
    assert (delivery["outcome"], delivery["location"][-2:]) == ("already-delivered", "v2")
    assert storage_root_problems(root) == []
