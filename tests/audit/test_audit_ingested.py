"""The audit over packages made by the real ingest (library, no Prefect): the raw samples."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from preserve.audit import audit_packages
from preserve.catalog import Catalog
from preserve.config import Config
from preserve.intake import discover
from preserve.pipeline import IngestContext, ingest_items, prepare_output
from preserve.validation.profile import load_profile, validate_profile

CLOCK = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


def ingest(raw: Path, out: Path) -> Path:
    prepare_output(out)
    context = IngestContext(
        config=Config(), packages=out, catalog=out / ".catalog.sqlite", clock=lambda: CLOCK
    )
    outcomes = ingest_items(discover([raw]).items, context)
    assert {o.status for o in outcomes} == {"ingested"}
    return context.catalog


def test_ingested_packages_pass_btr_and_the_audit_finds_damage(
    raw_copy: Path, tmp_path: Path
) -> None:
    catalog_path = ingest(raw_copy, tmp_path / "packages")
    with Catalog.open(catalog_path) as store:
        packages = store.packages()
        assert len(packages) == 2
        btr = load_profile("btr")
        for package in packages:
            # Recommended-but-absent tags (Organization-Address, Bag-Count ...) are warnings.
            problems = validate_profile(package.path, btr)
            assert [p for p in problems if p.severity == "error"] == []

        first = audit_packages(store, now=CLOCK + timedelta(hours=1))
        assert first.ok and first.audited == 2, [a.check.errors for a in first.audits]

        one, two = packages
        originals = [f for f in store.files(one.id) if f.role == "original"]
        damaged = one.path / originals[0].bag_path
        data = bytearray(damaged.read_bytes())
        data[len(data) // 2] ^= 0x01
        damaged.write_bytes(bytes(data))
        removed = next(f for f in store.files(two.id) if f.bag_path != originals[0].bag_path)
        (two.path / removed.bag_path).unlink()
        (two.path / "data" / "smuggled.txt").write_text("x", encoding="utf-8")

        run = audit_packages(store, now=CLOCK + timedelta(days=1))
        audits = {a.name: a.check for a in run.audits}
        assert audits[one.name].corrupted == (originals[0].bag_path,)
        assert audits[two.name].missing == (removed.bag_path,)
        assert audits[two.name].extra == ("data/smuggled.txt",)
        assert {a.change for a in run.audits} == {"newly-failing"}
        assert [e.outcome for e in store.events(event_type="fixity check")] == [
            "pass",
            "pass",
            "fail",
            "fail",
        ]
