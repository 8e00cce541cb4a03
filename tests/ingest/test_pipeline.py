"""The ingest pipeline end to end through the library: packages, PREMIS, catalog, reruns."""

from __future__ import annotations

import filecmp
import json
import shutil
from pathlib import Path

from ingest_helpers import RAW, assert_bagit_python_valid, packages_in, run_ingest
from lxml import etree

from preserve.catalog import Catalog
from preserve.config import Bagging, Config
from preserve.premis import validate_premis
from preserve.validation import validate_bag

PREMIS = "{http://www.loc.gov/premis/v3}"


def test_sample_collection_gives_two_valid_packages(raw_copy: Path, out: Path) -> None:
    outcomes = run_ingest(raw_copy, out)
    assert [o.status for o in outcomes] == ["ingested", "ingested"]
    assert all(not o.reasons for o in outcomes)
    bags = packages_in(out)
    assert len(bags) == 2
    for bag in bags:
        assert_bagit_python_valid(bag)
        assert validate_bag(bag).valid
        [original] = list((bag / "data" / "original").iterdir())
        assert original.read_bytes() == (RAW / original.name).read_bytes()
        info = (bag / "bag-info.txt").read_text(encoding="utf-8")
        for tag in (
            "Source-Organization",
            "Contact-Name",
            "Contact-Email",
            "External-Identifier",
            "Bagging-Date: 2026-11-23",
            "Payload-Oxum",
            "Bag-Software-Agent",
            f"Internal-Sender-Identifier: {raw_copy / original.name}",
            "BagIt-Profile-Identifier",
        ):
            assert tag in info
        for algorithm in ("sha256", "sha512"):
            assert (bag / f"manifest-{algorithm}.txt").is_file()
            assert (bag / f"tagmanifest-{algorithm}.txt").is_file()
        derived = {p.name.split(".txt.", 1)[1] for p in (bag / "data" / "derived").iterdir()}
        assert derived == {"repaired.txt", "edits.json", "debris.json", "review.html"}
    assert not (out / ".staging").exists() or not any((out / ".staging").iterdir())


def test_premis_is_schema_valid_and_complete(raw_copy: Path, out: Path) -> None:
    run_ingest(raw_copy, out)
    for bag in packages_in(out):
        xml = (bag / "data" / "metadata" / "premis.xml").read_bytes()
        assert validate_premis(xml) == []
        tree = etree.fromstring(xml)
        events = {e.text for e in tree.iter(f"{PREMIS}eventType")}
        assert {
            "ingestion",
            "message digest calculation",
            "format identification",
            "validation",
            "normalization",
        } <= events
        agent_names = {a.text for a in tree.iter(f"{PREMIS}agentName")}
        assert "preserve demonstration archive" in agent_names
        assert any("siegfried" in name for name in agent_names)
        puids = {k.text for k in tree.iter(f"{PREMIS}formatRegistryKey")}
        assert "x-fmt/111" in puids
        digests = {d.text for d in tree.iter(f"{PREMIS}messageDigest")}
        manifest = (bag / "manifest-sha512.txt").read_text().split()
        assert manifest[0] in digests


def test_second_run_creates_nothing(raw_copy: Path, out: Path) -> None:
    run_ingest(raw_copy, out)
    with Catalog.open(out / ".catalog.sqlite") as catalog:
        before = catalog.counts()
    outcomes = run_ingest(raw_copy, out)
    assert [o.status for o in outcomes] == ["already-preserved"] * 2
    with Catalog.open(out / ".catalog.sqlite") as catalog:
        assert catalog.counts() == before
    assert len(packages_in(out)) == 2


def test_changed_item_is_a_new_package_linked_to_the_earlier(raw_copy: Path, out: Path) -> None:
    [first, _] = run_ingest(raw_copy, out)
    item = raw_copy / first.name
    item.write_bytes(item.read_bytes() + b"\nA late correction by the publisher.\n")
    outcomes = run_ingest(raw_copy, out)
    changed = next(o for o in outcomes if o.name == first.name)
    assert changed.status == "ingested"
    assert changed.previous == first.package
    assert changed.package != first.package
    assert len(packages_in(out)) == 3
    description = json.loads(
        (out / changed.package / "data" / "metadata" / "item.json").read_text(encoding="utf-8")
    )
    assert description["previous_package"] == first.package


def test_packages_are_reproducible_with_a_pinned_clock(raw_copy: Path, tmp_path: Path) -> None:
    run_ingest(raw_copy, tmp_path / "one")
    run_ingest(raw_copy, tmp_path / "two")
    for bag in packages_in(tmp_path / "one"):
        twin = tmp_path / "two" / bag.name
        comparison = filecmp.dircmp(bag, twin)
        assert not comparison.diff_files and not comparison.left_only
        for name in ("manifest-sha256.txt", "tagmanifest-sha512.txt"):
            assert (bag / name).read_bytes() == (twin / name).read_bytes()


def test_a_lost_catalog_is_rebuilt_from_the_packages(raw_copy: Path, out: Path) -> None:
    """A run killed between publishing a package and recording it: the rerun adopts it."""
    run_ingest(raw_copy, out)
    for leftover in out.glob(".catalog.sqlite*"):
        leftover.unlink()
    outcomes = run_ingest(raw_copy, out)
    assert [o.status for o in outcomes] == ["already-preserved"] * 2
    with Catalog.open(out / ".catalog.sqlite") as catalog:
        assert catalog.counts()["packages"] == 2


def test_an_invalid_package_in_the_way_is_not_adopted(raw_copy: Path, out: Path) -> None:
    run_ingest(raw_copy, out)
    for leftover in out.glob(".catalog.sqlite*"):
        leftover.unlink()
    bag = packages_in(out)[0]
    original = next((bag / "data" / "original").iterdir())
    original.write_bytes(original.read_bytes().replace(b"a", b"o", 1))
    outcomes = run_ingest(raw_copy, out)
    failed = [o for o in outcomes if o.status == "failed"]
    assert len(failed) == 1
    assert "not valid" in failed[0].reasons[0] and "move it aside" in failed[0].reasons[0]


def test_folder_items_keep_their_structure(tmp_path: Path, out: Path) -> None:
    source = tmp_path / "raw"
    (source / "issue 7" / "pages").mkdir(parents=True)
    (source / "issue 7" / "pages" / "p1.txt").write_text("First page of the issue.\n")
    (source / "issue 7" / "notes.txt").write_text("Notes.\n")
    [outcome] = run_ingest(source, out)
    assert outcome.status == "ingested", outcome.reasons
    bag = out / outcome.package
    assert (bag / "data/original/issue 7/pages/p1.txt").read_text() == "First page of the issue.\n"
    assert (bag / "data/derived/issue 7/pages/p1.txt.repaired.txt").is_file()
    assert_bagit_python_valid(bag)
    shutil.rmtree(source)


def test_a_package_failing_its_profile_is_never_published(raw_copy: Path, out: Path) -> None:
    """Validate aside, then rename: a bag that fails its check leaves nothing behind."""
    config = Config(bagging=Bagging(profile_identifier="aptrust"))
    outcomes = run_ingest(raw_copy, out, config)
    assert [o.status for o in outcomes] == ["failed", "failed"]
    assert "does not meet its profile aptrust" in outcomes[0].reasons[0]
    assert packages_in(out) == []
    assert not any((out / ".staging").iterdir())
    with Catalog.open(out / ".catalog.sqlite") as catalog:
        assert catalog.counts()["packages"] == 0


def test_packages_meet_their_declared_profile_without_warnings(raw_copy: Path, out: Path) -> None:
    from preserve.config import Organization
    from preserve.validation.profile import load_profile, validate_profile

    config = Config(organization=Organization(address="1 Archive Street, Baku"))
    run_ingest(raw_copy, out, config)
    profile = load_profile(config.bagging.profile_identifier)
    for bag in packages_in(out):
        assert validate_profile(bag, profile) == []


def test_the_run_context_travels_to_a_worker_process(out: Path) -> None:
    """Process and Dask runners send each task its context pickled: the default clock too."""
    import pickle

    from preserve.pipeline import IngestContext

    context = IngestContext(config=Config(), packages=out, catalog=out / ".catalog.sqlite")
    copy = pickle.loads(pickle.dumps(context))
    assert copy.clock().tzinfo is not None and copy.packages == out
