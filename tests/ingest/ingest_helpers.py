"""Helpers of the ingest tests (a plain module: conftest names collide across folders)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import bagit

from preserve.audit import audit_packages
from preserve.catalog import Catalog
from preserve.config import Config
from preserve.intake import discover
from preserve.pipeline import IngestContext, ItemOutcome, ingest_items, prepare_output

RAW = Path(__file__).resolve().parents[2] / "raw"
CLOCK = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


def pinned_clock() -> datetime:
    return CLOCK


def make_context(out: Path, config: Config | None = None) -> IngestContext:
    prepare_output(out)
    return IngestContext(
        config=config or Config(),
        packages=out,
        catalog=out / ".catalog.sqlite",
        clock=pinned_clock,
    )


def run_ingest(source: Path, out: Path, config: Config | None = None) -> list[ItemOutcome]:
    """The library's ingest of every item of ``source``, with a pinned clock."""
    found = discover([source])
    from preserve.pipeline import rejected_outcome

    return [rejected_outcome(r) for r in found.rejected] + ingest_items(
        found.items, make_context(out, config)
    )


def packages_in(out: Path) -> list[Path]:
    return sorted(p for p in out.iterdir() if p.is_dir() and not p.name.startswith("."))


def assert_bagit_python_valid(bag: Path) -> None:
    parsed = bagit.Bag(str(bag))
    parsed.validate()
    assert parsed.version_info == (1, 0)


def audit_is_green(out: Path) -> None:
    with Catalog.open(out / ".catalog.sqlite") as catalog:
        run = audit_packages(catalog, now=CLOCK + timedelta(days=1), packages_dir=out)
        failing = [a for a in run.audits if a.status != "pass"]
        problems = {a.name: [str(p) for p in a.check.errors] for a in failing}
        assert run.ok, problems
        assert run.audited == len(packages_in(out))
        assert run.uncatalogued == []
