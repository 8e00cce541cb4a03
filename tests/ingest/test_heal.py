"""An ingest rerun heals what people and crashes do to a packages folder (issue 12.4).

Each test runs ingest → damage → ingest → audit. The second ingest runs an hour later than
the first, so a rebuilt package's metadata really differs from the one first recorded.
"""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

from ingest_helpers import CLOCK, audit_is_green, packages_in

from preserve.catalog import Catalog
from preserve.config import Config
from preserve.intake import discover
from preserve.pipeline import IngestContext, ItemOutcome, ingest_items, prepare_output


def ingest_at(source: Path, out: Path, hours: int) -> list[ItemOutcome]:
    moment = CLOCK + timedelta(hours=hours)
    prepare_output(out)
    context = IngestContext(
        config=Config(), packages=out, catalog=out / ".catalog.sqlite", clock=lambda: moment
    )
    return ingest_items(discover([source]).items, context)


def recorded_paths(out: Path, name: str) -> set[str]:
    with Catalog.open(out / ".catalog.sqlite") as catalog:
        package = catalog.package(name)
        assert package is not None
        return {f.bag_path for f in catalog.files(package.id)}


def payload_paths(bag: Path) -> set[str]:
    return {p.relative_to(bag).as_posix() for p in (bag / "data").rglob("*") if p.is_file()}


def test_a_deleted_package_is_rebuilt_and_recorded_whole(raw_copy: Path, out: Path) -> None:
    first = ingest_at(raw_copy, out, 0)
    assert [o.status for o in first] == ["ingested", "ingested"]
    gone = out / first[0].package
    shutil.rmtree(gone)

    second = ingest_at(raw_copy, out, 1)
    assert [o.status for o in second] == ["ingested", "already-preserved"], [
        o.reasons for o in second
    ]
    assert second[0].package == first[0].package and not second[0].reasons
    assert second[0].notes == ["its package folder had gone from the packages folder: rebuilt"]
    assert gone.is_dir()
    assert recorded_paths(out, gone.name) == payload_paths(gone)
    audit_is_green(out)
    with Catalog.open(out / ".catalog.sqlite") as catalog:
        assert catalog.counts()["packages"] == 2
        rebuilt = catalog.package(gone.name)
        assert rebuilt is not None and rebuilt.previous is None  # not linked to itself

    third = ingest_at(raw_copy, out, 2)
    assert [o.status for o in third] == ["already-preserved"] * 2


def test_a_lost_catalog_readopts_every_file_of_each_package(raw_copy: Path, out: Path) -> None:
    ingest_at(raw_copy, out, 0)
    for leftover in out.glob(".catalog.sqlite*"):
        leftover.unlink()

    outcomes = ingest_at(raw_copy, out, 1)
    assert [o.status for o in outcomes] == ["already-preserved"] * 2
    assert all(o.notes and "not in the catalog" in o.notes[0] for o in outcomes)
    for bag in packages_in(out):
        assert recorded_paths(out, bag.name) == payload_paths(bag)
    with Catalog.open(out / ".catalog.sqlite") as catalog:  # OCR quality, from item.json
        assert len(catalog.worst_quality(10)) == 2
    audit_is_green(out)


def test_a_crash_between_publish_and_record_is_readopted(raw_copy: Path, out: Path) -> None:
    """The catalog knows one package; the other was published but never recorded."""
    first = ingest_at(raw_copy, out, 0)
    with Catalog.open(out / ".catalog.sqlite") as catalog:
        package = catalog.package(first[1].package or "")
        assert package is not None
        with catalog.transaction() as db:
            db.execute(
                "DELETE FROM checksums WHERE file_id IN"
                " (SELECT id FROM files WHERE package_id = ?)",
                (package.id,),
            )
            for table in ("files", "events", "quality"):
                db.execute(f"DELETE FROM {table} WHERE package_id = ?", (package.id,))
            db.execute("DELETE FROM packages WHERE id = ?", (package.id,))

    outcomes = ingest_at(raw_copy, out, 1)
    assert [o.status for o in outcomes] == ["already-preserved"] * 2
    assert recorded_paths(out, first[1].package or "") == payload_paths(out / first[1].package)
    audit_is_green(out)
