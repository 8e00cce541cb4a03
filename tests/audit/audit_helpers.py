"""Packages for audit tests, made without the ingest: a bagit-python bag registered in a
real SQLite catalog through its public ``add_package``."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import bagit

from preserve.catalog import Catalog, NewFile

T0 = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)

FILES = {"letter.txt": b"Dear archivist,\nkeep this.\n", "scans/page-1.txt": b"page one\n"}


def make_package(
    packages: Path,
    catalog: Catalog,
    name: str,
    files: dict[str, bytes] | None = None,
    created_at: datetime = T0,
) -> Path:
    folder = packages / name
    contents = files or FILES
    write_bag(folder, contents)
    records = [
        NewFile(
            bag_path=f"data/{relative}",
            original_path=f"/raw/{name}/{relative}",
            size=len(content),
            role="original",
            digests={a: hashlib.new(a, content).hexdigest() for a in ("sha256", "sha512")},
        )
        for relative, content in sorted(contents.items())
    ]
    catalog.add_package(
        name=name,
        path=folder,
        item_name=name,
        source=f"/raw/{name}",
        content_key=hashlib.sha256(name.encode()).hexdigest(),
        payload_oxum=f"{sum(map(len, contents.values()))}.{len(contents)}",
        files=records,
        created_at=created_at,
    )
    return folder


def write_bag(folder: Path, contents: dict[str, bytes]) -> None:
    """A bagit-python bag of ``contents`` (path -> bytes) in the new folder ``folder``."""
    folder.mkdir(parents=True)
    for relative, content in contents.items():
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    bagit.make_bag(str(folder), {"Source-Organization": "Test"}, checksums=["sha256", "sha512"])
