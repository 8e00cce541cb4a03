"""The audit's history lives in the catalog's own tables, under its schema version: a
catalog audited by an older preserve (whose audit created those tables itself) keeps its
history when the current one opens it, and the next audit is compared with it."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import timedelta
from pathlib import Path

from audit_helpers import FILES, T0, write_bag

from preserve.audit import audit_packages
from preserve.catalog import SCHEMA_VERSION, Catalog

OLD_CATALOG = Path(__file__).parent / "data" / "catalog-10d64da.sql"


def old_catalog(packages: Path) -> Path:
    """The catalog preserve made at commit 10d64da (schema 1), with package a on disk as it
    was then; package b's folder is gone."""
    packages.mkdir()
    path = packages / ".catalog.sqlite"
    with closing(sqlite3.connect(path)) as old:
        old.executescript(OLD_CATALOG.read_text(encoding="utf-8"))
    write_bag(packages / "a", FILES)
    return path


def table_rows(path: Path, table: str) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(path)) as db:
        return db.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()


def test_a_catalog_audited_by_schema_1_code_keeps_its_history(tmp_path: Path) -> None:
    path = old_catalog(tmp_path / "packages")
    runs, results = table_rows(path, "audit_runs"), table_rows(path, "audit_results")
    assert len(runs) == 1 and len(results) == 2
    with Catalog.open(path) as store:
        version = store.connection.execute("PRAGMA user_version").fetchone()[0]
        assert version == SCHEMA_VERSION == 4
        before = store.audit_history("a")
        assert [(r.run_id, r.audited_at, r.status, r.change) for r in before] == [
            (1, T0, "pass", "first-audit")
        ]
        assert store.deliveries() == [] and store.worst_quality(5) == []
        run = audit_packages(store, now=T0 + timedelta(days=1))
        after = store.audit_history("a")
    assert table_rows(path, "audit_runs")[:1] == runs
    assert table_rows(path, "audit_results")[:2] == results
    audits = {audit.name: audit for audit in run.audits}
    assert audits["a"].change == "unchanged"
    assert (audits["a"].previous_status, audits["a"].previous_audited_at) == ("pass", T0)
    assert audits["b"].status == "missing" and audits["b"].change == "newly-failing"
    assert [r.change for r in after] == ["first-audit", "unchanged"]
    assert run.id == 2


def test_a_new_catalog_has_the_audit_tables_before_any_audit(store: Catalog) -> None:
    tables = {
        name
        for (name,) in store.connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
    }
    assert {"audit_runs", "audit_results"} <= tables
    assert store.last_audited() == {}
    assert store.audit_history("a") == []
