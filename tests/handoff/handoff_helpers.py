"""Packages for hand-off tests: made by the real ingest (no Prefect) from two small items,
once per session, and copied for each test."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from preserve.config import Config
from preserve.intake import discover
from preserve.pipeline import IngestContext, ingest_items, prepare_output

CLOCK = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
ITEMS = {
    "letter.txt": "Dear archivist,\nplease keep this letter.\n",
    "minutes": {"1901-03-04.txt": "Minutes of the meeting.\n", "notes/late.txt": "Late note.\n"},
}


def make_source(folder: Path, items: dict[str, object] = ITEMS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in items.items():
        if isinstance(content, str):
            (folder / name).write_text(content, encoding="utf-8")
        else:
            assert isinstance(content, dict)
            for relative, text in content.items():
                target = folder / name / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
    return folder


def ingest(raw: Path, out: Path) -> Path:
    """Preserve every item of ``raw`` into ``out``; the catalog's path."""
    prepare_output(out)
    config = Config.from_mapping({"ingest": {"repair": False}})
    context = IngestContext(
        config=config, packages=out, catalog=out / ".catalog.sqlite", clock=lambda: CLOCK
    )
    outcomes = ingest_items(discover([raw]).items, context)
    assert {o.status for o in outcomes} == {"ingested"}, [o.reasons for o in outcomes]
    return context.catalog


def copy_store(template: Path, target: Path) -> tuple[Path, list[Path]]:
    """A private copy of the packages folder; its catalog and its package folders."""
    shutil.copytree(template, target)
    packages = sorted(p for p in target.iterdir() if p.is_dir() and not p.name.startswith("."))
    return target / ".catalog.sqlite", packages


@pytest.fixture(scope="session")
def packages_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("handoff-template")
    ingest(make_source(base / "raw"), base / "packages")
    return base / "packages"


@pytest.fixture
def preserved(packages_template: Path, tmp_path: Path) -> tuple[Path, list[Path]]:
    """(catalog, package folders), a private copy for the test."""
    return copy_store(packages_template, tmp_path / "packages")


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under a folder with its bytes, to compare two copies."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def make_bag(folder: Path, files: dict[str, bytes]) -> Path:
    """A plain bagit-python bag (sha256), for tests that need a large or odd package."""
    import bagit

    folder.mkdir(parents=True)
    for relative, content in files.items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_bytes(content)
    bagit.make_bag(str(folder), {"Source-Organization": "Test"}, checksums=["sha256"])
    return folder


@contextmanager
def writes_denied(folder: Path) -> Iterator[None]:
    """A folder no one may write into: chmod for a user, the immutable flag for root."""
    if os.geteuid() == 0:
        if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode:
            pytest.skip("chattr +i is not available on this file system")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
    else:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)


@contextmanager
def tiny_disk(folder: Path, size: str = "256k") -> Iterator[Path]:
    """A small tmpfs mounted at ``folder`` (root only), to fill up."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)
