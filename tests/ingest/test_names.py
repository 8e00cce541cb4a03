"""Names are kept exactly as given, however they are spelt and however long (issue 12.8)."""

from __future__ import annotations

import errno
import json
import unicodedata
from pathlib import Path

from ingest_helpers import assert_bagit_python_valid, packages_in, run_ingest
from lxml import etree

from preserve.audit import audit_packages
from preserve.catalog import Catalog
from preserve.pipeline import os_error_reason

PREMIS = "{http://www.loc.gov/premis/v3}"
TEXT = "A short note from the archive,\nkept exactly as it came.\n"


def _premis_names(bag: Path) -> list[str]:
    tree = etree.parse(str(bag / "data" / "metadata" / "premis.xml"))
    return [e.text or "" for e in tree.iter(f"{PREMIS}originalName")]


def test_a_decomposed_name_is_kept_decomposed(tmp_path: Path, out: Path) -> None:
    source = tmp_path / "raw"
    source.mkdir()
    decomposed = unicodedata.normalize("NFD", "café notes.txt")
    assert decomposed != unicodedata.normalize("NFC", decomposed)
    (source / decomposed).write_text(TEXT)

    [outcome] = run_ingest(source, out)
    assert outcome.status == "ingested" and outcome.name == decomposed
    [bag] = packages_in(out)
    assert [p.name for p in (bag / "data" / "original").iterdir()] == [decomposed]
    assert decomposed in _premis_names(bag)
    description = json.loads((bag / "data" / "metadata" / "item.json").read_text("utf-8"))
    assert description["title"] == decomposed
    assert [f["original_name"] for f in description["files"]] == [decomposed]
    assert description["files"][0]["path"] == f"data/original/{decomposed}"
    assert_bagit_python_valid(bag)
    with Catalog.open(out / ".catalog.sqlite") as catalog:
        assert audit_packages(catalog).ok


def test_a_folder_item_keeps_decomposed_names_inside(tmp_path: Path, out: Path) -> None:
    source = tmp_path / "raw"
    folder = source / unicodedata.normalize("NFD", "Ré-édition")
    folder.mkdir(parents=True)
    page = unicodedata.normalize("NFD", "première page.txt")
    (folder / page).write_text(TEXT)
    [outcome] = run_ingest(source, out)
    assert outcome.status == "ingested", outcome.reasons
    [bag] = packages_in(out)
    assert (bag / "data" / "original" / folder.name / page).read_text() == TEXT


def test_a_name_of_up_to_255_bytes_is_preserved_with_its_derived_files(
    tmp_path: Path, out: Path
) -> None:
    source = tmp_path / "raw"
    source.mkdir()
    names = ["a" * 239 + ".txt", "é" * 121 + "xy.txt", "b" * 251 + ".txt"]  # 243, 248, 255
    assert [len(n.encode()) for n in names] == [243, 248, 255]
    for name in names:
        (source / name).write_text(TEXT)

    outcomes = run_ingest(source, out)
    assert [o.status for o in outcomes] == ["ingested"] * 3, [o.reasons for o in outcomes]
    for outcome, name in zip(outcomes, sorted(names), strict=True):
        bag = out / (outcome.package or "")
        assert (bag / "data" / "original" / name).read_text() == TEXT
        description = json.loads((bag / "data" / "metadata" / "item.json").read_text("utf-8"))
        [entry] = description["files"]
        derived = entry["derived"]
        assert len(derived) == 4
        for path in derived:
            assert (bag / path).is_file() and len(Path(path).name.encode()) <= 255
        assert any(p.endswith(".repaired.txt") for p in derived)
        assert_bagit_python_valid(bag)
    # The short forms are stable: a second collection gives the same packages.
    again = run_ingest(source, tmp_path / "again")
    assert [o.package for o in again] == [o.package for o in outcomes]
    for bag in packages_in(out):
        twin = tmp_path / "again" / bag.name
        assert (bag / "manifest-sha256.txt").read_bytes() == (
            twin / "manifest-sha256.txt"
        ).read_bytes()


def test_os_errors_are_named_for_what_they_are() -> None:
    too_long = os_error_reason(OSError(errno.ENAMETOOLONG, "File name too long", "x" * 300))
    assert "too long" in too_long and "permission" not in too_long
    full = os_error_reason(OSError(errno.ENOSPC, "No space left on device", "/p"))
    assert "free space" in full and "permission" not in full
    denied = os_error_reason(PermissionError(errno.EACCES, "Permission denied", "/p"))
    assert "permission" in denied
