"""The OCR quality score travels from the repair into item.json, the catalog, the review
page, the ingest summary and ``preserve report quality`` (issue 9)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from ingest_helpers import packages_in, run_ingest
from typer.testing import CliRunner

import preserve.cli  # noqa: F401 - registers the commands
from preserve.catalog import SCHEMA_VERSION, Catalog
from preserve.cli.app import app
from preserve.cli.ingest import _print_summary

GARBLED = (
    "Tbe shlp sai1ed frorn tbe harbour ,, at dawn;; wrnth crw\n"
    "and tbe rnen sang as it went dowu tbe river to tbe sea\n"
    "wbere tbe wind was strong and tbe waves were bigb that\n"
    "day, as tbe old rnen of tbe town bad said it would be.\n"
)


def test_quality_reaches_item_json_catalog_review_and_outcome(raw_copy: Path, out: Path) -> None:
    (raw_copy / "garbled.txt").write_text(GARBLED, encoding="utf-8")
    outcomes = {o.name: o for o in run_ingest(raw_copy, out)}
    assert all(o.status == "ingested" for o in outcomes.values())
    garbled = outcomes["garbled.txt"].quality["data/original/garbled.txt"]
    assert garbled["language"].startswith("en_") and 0 <= garbled["score"] < 0.8
    assert json.loads(json.dumps(outcomes["garbled.txt"].to_dict()))["quality"]

    for bag in packages_in(out):
        item = json.loads((bag / "data" / "metadata" / "item.json").read_text(encoding="utf-8"))
        [entry] = item["files"]
        assert set(entry["quality"]) == {"score", "language", "before", "after"}
        [review] = (bag / "data" / "derived").glob("*.review.html")
        assert 'id="quality"' in review.read_text(encoding="utf-8")

    with Catalog.open(out / ".catalog.sqlite") as store:
        worst = store.worst_quality(10)
        assert worst[0].item_name == "garbled.txt"
        assert len(worst) == 3
        assert [r.score for r in worst] == sorted(r.score for r in worst)
        assert store.worst_quality(10, str(raw_copy / "elsewhere")) == []
        assert len(store.worst_quality(10, str(raw_copy))) == 3


def test_report_quality_lists_the_worst_first(raw_copy: Path, out: Path) -> None:
    (raw_copy / "garbled.txt").write_text(GARBLED, encoding="utf-8")
    run_ingest(raw_copy, out)
    runner = CliRunner()
    catalog = str(out / ".catalog.sqlite")
    result = runner.invoke(app, ["report", "quality", "--catalog", catalog, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["texts"][0]["item"] == "garbled.txt"
    assert report["texts"][0]["before"]["garbage"] > 0.1
    result = runner.invoke(app, ["report", "quality", "--catalog", catalog, "--limit", "1"])
    assert result.exit_code == 0 and "garbled.txt" in result.stdout
    missing = runner.invoke(app, ["report", "quality", "--catalog", str(out / "none.sqlite")])
    assert missing.exit_code == 2 and "run preserve ingest first" in missing.stderr


def test_a_catalog_of_schema_1_gains_the_quality_table(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as old:
        old.execute(
            "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
            " source TEXT NOT NULL UNIQUE, first_seen TEXT NOT NULL)"
        )
        old.execute("INSERT INTO items(name, source, first_seen) VALUES ('a', '/a', 'x')")
        old.execute("PRAGMA user_version=1")
    with Catalog.open(path) as store:
        assert store.worst_quality(5) == []
        version = store.connection.execute("PRAGMA user_version").fetchone()[0]
        assert version == SCHEMA_VERSION == 3
        assert store.connection.execute("SELECT count(*) FROM items").fetchone()[0] == 1


def test_ingest_summary_lists_the_lowest_quality(capsys) -> None:
    quality = {
        "score": 0.42,
        "language": "en_US",
        "before": {"known": 0.5, "garbage": 0.16, "hyphens": 0.1},
        "after": {"known": 0.6, "garbage": 0.15, "hyphens": 0.0},
    }
    summary = {
        "packages": "packages",
        "counts": {"ingested": 1, "already-preserved": 0, "attention": 0, "failed": 0},
        "items": [{"name": "garbled.txt", "reasons": [], "quality": {"data/x": quality}}],
    }
    _print_summary(summary)
    printed = capsys.readouterr().out
    assert "Lowest OCR quality" in printed and "0.42" in printed and "garbled.txt" in printed
