"""The fixity audit finds a flipped byte, a deleted file, an added file and a deleted
package in stored packages, records PREMIS events and history, and says what changed."""

from __future__ import annotations

import shutil
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import bagit
import pytest
from audit_helpers import T0, make_package
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from preserve.audit import (
    EVENT_TYPE,
    audit_packages,
    compare_with_catalog,
    history,
    parse_duration,
    parse_moment,
    select_packages,
)
from preserve.audit_report import render_audit_report
from preserve.catalog import Catalog
from preserve.errors import ConfigError


def flip_byte(path: Path, offset: int = 0) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x20
    path.write_bytes(bytes(data))


def by_name(run):
    return {audit.name: audit for audit in run.audits}


def test_good_packages_pass_and_each_gets_a_fixity_event(store: Catalog, three) -> None:
    run = audit_packages(store, now=T0)
    assert run.summary() | {"skipped": 0} == {
        "audited": 3,
        "passed": 3,
        "failed": 0,
        "missing": 0,
        "changed": 0,
        "newly_failing": 0,
        "newly_passing": 0,
        "skipped": 0,
    }
    assert run.ok
    assert {a.change for a in run.audits} == {"first-audit"}
    events = store.events(event_type=EVENT_TYPE)
    assert len(events) == 3
    assert {e.outcome for e in events} == {"pass"}
    assert all(e.agents == ["preserve"] and e.datetime == T0 for e in events)
    assert {e.identifier for e in events} == {a.event_identifier for a in run.audits}
    assert events[0].outcome_detail["audit_run"] == run.id


def test_a_flipped_byte_a_deleted_file_an_added_file_and_a_deleted_package(
    store: Catalog, packages: Path, three
) -> None:
    make_package(packages, store, "d")
    first = audit_packages(store, now=T0)
    assert first.ok

    flip_byte(three["a"] / "data" / "letter.txt", 3)  # same size: only checksums can tell
    (three["b"] / "data" / "scans" / "page-1.txt").unlink()
    (three["c"] / "data" / "added.txt").write_text("not ingested\n", encoding="utf-8")
    shutil.rmtree(packages / "d")

    run = audit_packages(store, now=T0 + timedelta(days=1))
    audits = by_name(run)
    assert (run.audited, run.passed, run.failed, run.missing) == (4, 0, 3, 1)
    assert not run.ok

    a = audits["a"].check
    assert a.status == "fail" and a.corrupted == ("data/letter.txt",)
    assert not a.missing and not a.extra
    ours = [p for p in a.problems if p.code == "catalog-file-corrupted"]
    assert {p.facts["algorithm"] for p in ours} == {"sha256", "sha512"}
    assert any(
        p.path.endswith("letter.txt") and p.code != "catalog-file-corrupted" for p in a.errors
    ), "the bag validator must also see the corruption"

    b = audits["b"].check
    assert b.status == "fail" and b.missing == ("data/scans/page-1.txt",) and not b.corrupted

    c = audits["c"].check
    assert c.status == "fail" and c.extra == ("data/added.txt",)
    assert not c.corrupted and not c.missing

    d = audits["d"].check
    assert d.status == "missing" and [p.code for p in d.problems] == ["package-missing"]

    assert {a.change for a in run.audits} == {"newly-failing"}
    assert [p.code for p in audits["d"].new_problems] == ["package-missing"]
    assert len(run.changed) == 4

    events = {
        e.package_id: e
        for e in store.events(event_type=EVENT_TYPE)
        if e.datetime == T0 + timedelta(days=1)
    }
    assert {e.outcome for e in events.values()} == {"fail"}
    a_event = events[store.package("a").id]
    assert a_event.outcome_detail["corrupted"] == ["data/letter.txt"]
    assert len(store.events(event_type=EVENT_TYPE)) == 8


def test_the_next_audit_reports_what_changed_since(store: Catalog, packages: Path, three) -> None:
    letter = three["a"] / "data" / "letter.txt"
    original = letter.read_bytes()
    audit_packages(store, now=T0)
    flip_byte(letter)
    failing = audit_packages(store, now=T0 + timedelta(days=1))
    assert by_name(failing)["a"].change == "newly-failing"
    assert by_name(failing)["b"].change == "unchanged"

    still = audit_packages(store, now=T0 + timedelta(days=2))
    assert by_name(still)["a"].change == "unchanged"
    assert by_name(still)["a"].new_problems == ()

    (three["a"] / "data" / "more.txt").write_text("x", encoding="utf-8")
    worse = audit_packages(store, now=T0 + timedelta(days=3))
    assert by_name(worse)["a"].change == "changed"
    assert [p.path for p in by_name(worse)["a"].new_problems if p.code == "catalog-file-extra"] == [
        "data/more.txt"
    ]

    letter.write_bytes(original)  # restored from a replica
    (three["a"] / "data" / "more.txt").unlink()
    healed = audit_packages(store, now=T0 + timedelta(days=4))
    a = by_name(healed)["a"]
    assert a.change == "newly-passing" and a.status == "pass"
    assert a.previous_status == "fail"
    assert {p["code"] for p in a.resolved_problems} >= {
        "catalog-file-corrupted",
        "catalog-file-extra",
    }
    assert [h["status"] for h in history(store, "a")] == ["pass", "fail", "fail", "fail", "pass"]
    assert [h["change"] for h in history(store, "a")] == [
        "first-audit",
        "newly-failing",
        "unchanged",
        "changed",
        "newly-passing",
    ]


def test_rewritten_manifests_still_differ_from_the_catalog(store: Catalog, three) -> None:
    """Someone 'fixes' a corrupted bag by regenerating its manifests: the bag validates,
    the catalog remembers."""
    flip_byte(three["a"] / "data" / "letter.txt")
    bag = bagit.Bag(str(three["a"]))
    bag.save(manifests=True)
    assert bagit.Bag(str(three["a"])).validate()
    run = audit_packages(store, now=T0)
    a = by_name(run)["a"].check
    assert a.status == "fail" and a.corrupted == ("data/letter.txt",)
    assert {p.code for p in a.errors} == {"catalog-file-corrupted"}


def test_a_file_replaced_by_a_symlink_is_not_followed(
    tmp_path: Path, store: Catalog, three
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_bytes((three["a"] / "data" / "letter.txt").read_bytes())
    (three["a"] / "data" / "letter.txt").unlink()
    (three["a"] / "data" / "letter.txt").symlink_to(secret)
    corrupted, missing, extra, problems = compare_with_catalog(
        three["a"], store.files(store.package("a").id)
    )
    assert corrupted == ["data/letter.txt"] and not missing and not extra
    assert [p.facts["found"] for p in problems] == ["a symbolic link"]


def test_selection_by_age_creation_and_limit(store: Catalog, packages: Path, three) -> None:
    make_package(packages, store, "new", created_at=T0 + timedelta(days=10))
    audit_packages(store, now=T0)  # a, b, c, new all audited at T0
    week = timedelta(days=7)
    due, skipped = select_packages(store, older_than=week, now=T0 + timedelta(days=1))
    assert (due, skipped) == ([], 4)
    due, _ = select_packages(store, older_than=week, now=T0 + week)
    assert {p.name for p in due} == {"a", "b", "c", "new"}
    due, skipped = select_packages(store, created_since=T0 + timedelta(days=5))
    assert ([p.name for p in due], skipped) == (["new"], 3)

    # A nightly slice: never-audited first, then the longest unaudited.
    make_package(packages, store, "fresh")
    audit_packages(store, now=T0 + timedelta(days=1), created_since=T0 + timedelta(days=5))
    due, skipped = select_packages(store, limit=2, now=T0 + timedelta(days=2))
    assert [p.name for p in due][:1] == ["fresh"] and skipped == 3
    run = audit_packages(store, older_than=week, limit=2, now=T0 + timedelta(days=8))
    assert [a.name for a in run.audits] == ["fresh", "a"]
    assert run.skipped == 3


def test_uncatalogued_folders_are_listed(store: Catalog, packages: Path, three) -> None:
    (packages / "stranger").mkdir()
    run = audit_packages(store, now=T0, packages_dir=packages)
    assert run.uncatalogued == ["stranger"]
    assert run.ok


def test_durations_and_dates() -> None:
    assert parse_duration("2w") == timedelta(days=14)
    assert parse_duration("3") == timedelta(days=3)
    assert parse_moment("2026-11-01") == T0 - timedelta(hours=2)
    with pytest.raises(ConfigError, match="7d"):
        parse_duration("a week")
    with pytest.raises(ConfigError, match="2026-11-01"):
        parse_moment("yesterday")


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.urls: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append(tag)
        self.urls.extend(v for k, v in attrs if k in ("src", "href") and v)

    def handle_data(self, data) -> None:
        self.text.append(data)


def test_the_html_report_is_offline_and_escapes_names(
    store: Catalog, packages: Path, three
) -> None:
    audit_packages(store, now=T0)
    (three["c"] / "data" / "<img src=x onerror=alert(1)>.txt").write_text("x", encoding="utf-8")
    flip_byte(three["a"] / "data" / "letter.txt")
    shutil.rmtree(three["b"])
    run = audit_packages(store, now=T0 + timedelta(days=1))
    page = render_audit_report(run)
    parsed = _Collect()
    parsed.feed(page)
    assert "script" not in parsed.tags and "link" not in parsed.tags and "img" not in parsed.tags
    assert parsed.urls == []
    assert "http://" not in page and "https://" not in page
    text = "".join(parsed.text)
    assert "<img src=x onerror=alert(1)>.txt" in text  # shown as text, not markup
    for expected in (
        "newly failing",
        "package-missing",
        "catalog-file-corrupted",
        "data/letter.txt",
    ):
        assert expected in text
    assert f"Fixity audit {run.id}" in text


def test_a_crashing_validator_is_reported_not_raised(store: Catalog, three) -> None:
    def broken(path: Path, processes: int):
        raise RuntimeError("boom")

    run = audit_packages(store, now=T0, validator=broken)
    assert run.failed == 3
    assert all("validator-crashed" in {p.code for p in a.check.problems} for a in run.audits)


def test_an_empty_catalog_audits_nothing(store: Catalog) -> None:
    run = audit_packages(store, now=T0)
    assert run.audited == 0 and run.ok
    assert "no package was due" in render_audit_report(run)


def test_a_folder_replaced_by_a_symlink_is_not_read_through(
    tmp_path: Path, store: Catalog, three
) -> None:
    outside = tmp_path / "outside"
    shutil.copytree(three["a"] / "data" / "scans", outside)
    shutil.rmtree(three["a"] / "data" / "scans")
    (three["a"] / "data" / "scans").symlink_to(outside, target_is_directory=True)
    corrupted, missing, extra, problems = compare_with_catalog(
        three["a"], store.files(store.package("a").id)
    )
    assert corrupted == ["data/scans/page-1.txt"] and not missing
    assert extra == ["data/scans"]
    assert "symbolic link" in problems[0].message


def test_an_unsafe_catalogued_path_is_never_read(store: Catalog, packages: Path, three) -> None:
    from preserve.catalog import NewFile

    (packages / "secret.txt").write_text("x", encoding="utf-8")
    store.add_package(
        name="evil",
        path=three["a"],
        item_name="evil",
        source="/raw/evil",
        content_key="e" * 64,
        payload_oxum="1.1",
        files=[NewFile("../secret.txt", None, 1, "original", {"sha256": "0"})],
    )
    run = audit_packages(store, now=T0)
    evil = by_name(run)["evil"].check
    assert "catalog-path-unsafe" in {p.code for p in evil.errors}


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_one_flipped_byte_names_exactly_that_file(store: Catalog, three, data) -> None:
    files = store.files(store.package("a").id)
    record = data.draw(st.sampled_from(files))
    path = three["a"] / record.bag_path
    original = path.read_bytes()
    offset = data.draw(st.integers(0, len(original) - 1))
    bit = data.draw(st.integers(0, 7))
    changed = bytearray(original)
    changed[offset] ^= 1 << bit
    path.write_bytes(bytes(changed))
    try:
        corrupted, missing, extra, problems = compare_with_catalog(three["a"], files)
    finally:
        path.write_bytes(original)
    assert (corrupted, missing, extra) == ([record.bag_path], [], [])
    assert {p.path for p in problems} == {record.bag_path}


def test_the_audit_reads_each_file_once(
    store: Catalog, three, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The validator's digests serve the catalog comparison: no second read (issue 11).
    The catalog still catches what the manifests no longer do."""
    import preserve.audit

    second_reads: list[Path] = []
    real = preserve.audit.digest_file

    def counted(path: Path, *args: Any, **kwargs: Any) -> Any:  # the real one, counted
        second_reads.append(path)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(preserve.audit, "digest_file", counted)
    flip_byte(three["a"] / "data" / "letter.txt")
    bagit.Bag(str(three["a"])).save(manifests=True)
    run = audit_packages(store, now=T0)
    assert second_reads == []
    assert by_name(run)["a"].check.corrupted == ("data/letter.txt",)
    assert by_name(run)["b"].check.status == "pass"
