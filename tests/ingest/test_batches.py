"""A batch of items takes the publish and record steps together (issue 11): one flush to disk
for all its bags instead of an fsync per file, one catalog transaction for all its records,
and a problem in either still fails only the items it touches."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from ingest_helpers import audit_is_green, make_context, packages_in, run_ingest

from preserve import bagging, pipeline
from preserve.catalog import Catalog
from preserve.intake import discover
from preserve.pipeline import ingest_items
from preserve.validation import validate_bag


def _texts(folder: Path, count: int) -> Path:
    folder.mkdir()
    for index in range(count):
        (folder / f"note-{index}.txt").write_text(f"Note {index}.\n\nThe archive keeps it.\n")
    return folder


def test_a_batch_is_flushed_to_disk_once_not_file_by_file(
    tmp_path: Path, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    flushes: list[list[Path]] = []
    fsyncs: list[int] = []
    real_flush, real_fsync = bagging.flush_trees, os.fsync

    def counting_flush(roots: list[Path]) -> None:
        flushes.append(list(roots))
        real_flush(roots)

    def counting_fsync(descriptor: int) -> None:
        fsyncs.append(descriptor)
        real_fsync(descriptor)

    monkeypatch.setattr(pipeline, "flush_trees", counting_flush)
    monkeypatch.setattr(os, "fsync", counting_fsync)
    outcomes = run_ingest(_texts(tmp_path / "raw", 6), out)
    assert [o.status for o in outcomes] == ["ingested"] * 6
    # Each package has 12 files in 5 folders: 102 fsyncs one by one. Now: one flush of the
    # six staging bags, then the packages folder and the staging folder made durable once.
    assert len(flushes) == 1 and len(flushes[0]) == 6
    assert len(fsyncs) <= 2 if bagging._SYNCFS else len(fsyncs) <= 6 * 17 + 2
    for bag in packages_in(out):
        assert validate_bag(bag).valid


def test_a_failed_flush_fails_the_batch_and_publishes_nothing(
    tmp_path: Path, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_disk(roots: list[Path]) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO), str(roots[0]))

    monkeypatch.setattr(pipeline, "flush_trees", broken_disk)
    outcomes = run_ingest(_texts(tmp_path / "raw", 3), out)
    assert [o.status for o in outcomes] == ["failed"] * 3
    assert all("Input/output error" in o.reasons[0] for o in outcomes), outcomes[0].reasons
    assert packages_in(out) == []
    assert not any((out / ".staging").iterdir())
    with Catalog.open(out / ".catalog.sqlite") as catalog:
        assert catalog.counts()["packages"] == 0

    monkeypatch.undo()  # the disk mended: a rerun preserves all three
    assert [o.status for o in run_ingest(tmp_path / "raw", out)] == ["ingested"] * 3


def test_one_record_failing_takes_back_only_its_own_rows(
    tmp_path: Path, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Inside the batch's transaction each item's record is a savepoint: the one that fails
    leaves no row behind, the others are committed; its published package is adopted by
    the next run."""
    source = _texts(tmp_path / "raw", 3)
    real_quality = Catalog.record_quality
    calls: list[int] = []

    def full_on_the_second(self: Catalog, *arguments: object) -> None:
        real_quality(self, *arguments)  # type: ignore[arg-type]
        calls.append(1)
        if len(calls) == 2:  # the second package's last row: its others are written
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(Catalog, "record_quality", full_on_the_second)
    outcomes = run_ingest(source, out)
    assert [o.status for o in outcomes] == ["ingested", "failed", "ingested"]
    assert "the disk is full" in outcomes[1].reasons[0]
    with Catalog.open(out / ".catalog.sqlite") as catalog:
        names = {record.name for record in catalog.packages()}
        assert names == {outcomes[0].package, outcomes[2].package}
        for table in ("files", "events", "quality"):
            orphans = catalog.connection.execute(
                f"SELECT COUNT(*) FROM {table} WHERE package_id NOT IN (SELECT id FROM packages)"
            ).fetchone()
            assert orphans == (0,), table
    assert len(packages_in(out)) == 3  # published before the record failed

    monkeypatch.undo()
    again = ingest_items(discover([source]).items, make_context(out))
    assert [o.status for o in again] == ["already-preserved"] * 3
    assert again[1].notes == ["its package was on disk but not in the catalog: recorded"]
    audit_is_green(out)
