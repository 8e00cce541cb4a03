"""The SQLite catalog: packages, files, checksums, events, and moving with its packages."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from preserve.catalog import Catalog, NewFile
from preserve.errors import ConfigError

WHEN = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _add(catalog: Catalog, root: Path, name: str, key: str, previous: str | None = None):
    return catalog.add_package(
        name=name,
        path=root / name,
        item_name="letter.txt",
        source="/raw/letter.txt",
        content_key=key,
        payload_oxum="3.1",
        files=[
            NewFile(
                "data/original/letter.txt",
                "/raw/letter.txt",
                3,
                "original",
                {"sha256": "aa", "sha512": "bb"},
            )
        ],
        created_at=WHEN,
        previous=previous,
    )


def test_packages_files_and_links(tmp_path: Path) -> None:
    with Catalog.open(tmp_path / "c.sqlite") as catalog:
        first = _add(catalog, tmp_path, "letter-1", "k1")
        second = _add(catalog, tmp_path, "letter-2", "k2", previous="letter-1")
        assert catalog.find_by_content("k1") == first
        assert catalog.latest_for_source("/raw/letter.txt") == second
        assert second.previous == "letter-1"
        [file] = catalog.files(first.id)
        assert file.digests == {"sha256": "aa", "sha512": "bb"}
        assert catalog.counts()["items"] == 1


def test_events_round_trip(tmp_path: Path) -> None:
    with Catalog.open(tmp_path / "c.sqlite") as catalog:
        package = _add(catalog, tmp_path, "letter-1", "k1")
        identifier = catalog.record_event(
            package_id=package.id,
            event_type="fixity check",
            outcome="fail",
            detail="audit",
            outcome_detail={"corrupted": ["data/a"]},
            agents=["preserve"],
            when=WHEN,
        )
        [event] = catalog.events(package_id=package.id, event_type="fixity check")
        assert event.identifier == identifier
        assert event.outcome_detail == {"corrupted": ["data/a"]}
        assert event.datetime == WHEN


def test_a_failed_transaction_leaves_nothing(tmp_path: Path) -> None:
    with Catalog.open(tmp_path / "c.sqlite") as catalog:
        _add(catalog, tmp_path, "letter-1", "k1")
        with pytest.raises(Exception, match="UNIQUE"):
            _add(catalog, tmp_path, "letter-1", "k9")
        assert catalog.counts()["packages"] == 1
        assert catalog.find_by_content("k9") is None


def test_moves_with_its_packages_folder(tmp_path: Path) -> None:
    root = tmp_path / "packages"
    root.mkdir()
    with Catalog.open(root / ".catalog.sqlite") as catalog:
        _add(catalog, root, "letter-1", "k1")
    shutil.move(root, tmp_path / "moved")
    with Catalog.open(tmp_path / "moved" / ".catalog.sqlite") as catalog:
        assert catalog.package("letter-1").path == tmp_path / "moved" / "letter-1"


def test_a_file_that_is_not_a_catalog_is_a_config_error(tmp_path: Path) -> None:
    bogus = tmp_path / "c.sqlite"
    bogus.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(ConfigError, match="Cannot open the catalog"):
        Catalog.open(bogus)


def test_threads_opening_a_new_catalog_at_once(tmp_path: Path) -> None:
    """The two-thread flow opened a brand-new catalog twice at once: "database is locked"."""
    import threading

    for round_ in range(10):
        path = tmp_path / f"c{round_}.sqlite"
        errors: list[Exception] = []

        def open_it(path: Path = path, errors: list[Exception] = errors) -> None:
            try:
                with Catalog.open(path) as catalog:
                    catalog.counts()
            except Exception as error:
                errors.append(error)

        threads = [threading.Thread(target=open_it) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
