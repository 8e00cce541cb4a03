"""Hand-off to a folder, end to end through the command: check, send, prove, receipt."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import handoff_helpers
from handoff_helpers import make_bag, tiny_disk, tree, writes_denied
from typer.testing import CliRunner

import preserve.cli  # noqa: F401 - registers the commands
from preserve.catalog import Catalog
from preserve.cli.app import app

runner = CliRunner()
packages_template = handoff_helpers.packages_template
preserved = handoff_helpers.preserved


def handoff(*arguments: str):
    return runner.invoke(app, ["handoff", *arguments], catch_exceptions=False)


def test_packages_arrive_whole_with_receipts_and_premis_events(
    preserved: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    catalog, packages = preserved
    dest = tmp_path / "transfer"
    result = handoff(*map(str, packages), "--to", str(dest), "--catalog", str(catalog), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["summary"]["delivered"] == len(packages) == 2
    for package in packages:
        assert tree(dest / package.name) == tree(package)
    assert sorted(os.listdir(dest)) == sorted(p.name for p in packages)
    with Catalog.open(catalog) as store:
        receipts = store.deliveries(destination=str(dest))
        assert [r.outcome for r in receipts] == ["delivered", "delivered"]
        sent = {entry["path"]: entry["sha256"] for entry in receipts[0].sent}
        assert "data/original/letter.txt" in sent or any(p.startswith("data/") for p in sent)
        assert "bagit.txt" in sent and "tagmanifest-sha256.txt" in sent
        events = store.events(event_type="replication")
        assert len(events) == 2 and {e.outcome for e in events} == {"success"}
        assert events[0].detail.startswith(f"handed off to {dest}")
        assert {r.event_identifier for r in receipts} == {e.identifier for e in events}

    again = handoff(*map(str, packages), "--to", str(dest), "--catalog", str(catalog), "--json")
    assert again.exit_code == 0
    assert json.loads(again.output)["summary"]["already_delivered"] == 2
    with Catalog.open(catalog) as store:
        assert len(store.deliveries()) == 2  # nothing new to say
        assert len(store.events(event_type="replication")) == 2


def test_an_invalid_package_is_refused_and_nothing_of_it_arrives(
    preserved: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    catalog, packages = preserved
    damaged = next(
        p for p in sorted(packages[0].rglob("*")) if "data/original" in p.as_posix() and p.is_file()
    )
    damaged.write_bytes(damaged.read_bytes().replace(b"e", b"E", 1))
    dest = tmp_path / "transfer"
    result = handoff(*map(str, packages), "--to", str(dest), "--catalog", str(catalog))
    assert result.exit_code == 1
    assert "refused" in result.output and "checksum" in result.output
    assert sorted(os.listdir(dest)) == [packages[1].name]
    with Catalog.open(catalog) as store:
        refused = store.deliveries(package_name=packages[0].name)
        assert [r.outcome for r in refused] == ["refused"]
        assert any("checksum" in reason for reason in refused[0].reasons)
        events = store.events(event_type="replication")
        assert sorted(e.outcome for e in events) == ["fail", "success"]


def test_other_content_under_the_same_name_is_refused_never_overwritten(
    preserved: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    catalog, packages = preserved
    dest = tmp_path / "transfer"
    assert handoff(str(packages[0]), "--to", str(dest), "--catalog", str(catalog)).exit_code == 0
    there = dest / packages[0].name / "bag-info.txt"
    there.write_bytes(there.read_bytes() + b"Note: edited at the destination\n")
    before = tree(dest)
    result = handoff(str(packages[0]), "--to", str(dest), "--catalog", str(catalog), "--json")
    assert result.exit_code == 1
    delivery = json.loads(result.output)["deliveries"][0]
    assert delivery["outcome"] == "refused"
    assert "other content under the name" in delivery["reasons"][0]
    assert "bag-info.txt" in delivery["reasons"][0]
    assert tree(dest) == before


def test_serialized_bags_are_reproducible_and_validate(
    preserved: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    import tarfile
    import zipfile

    catalog, packages = preserved
    package = packages[1]
    for kind in ("tar", "tar.gz", "zip"):
        outputs = []
        for copy in ("one", "two"):
            dest = tmp_path / f"{copy}-{kind}"
            result = handoff(
                str(package), "--to", str(dest), "--serialize", kind, "--catalog", str(catalog)
            )
            assert result.exit_code == 0, result.output
            outputs.append(dest / f"{package.name}.{kind}")
        assert outputs[0].read_bytes() == outputs[1].read_bytes()
        validated = runner.invoke(app, ["validate", str(outputs[0]), "--profile", "btr"])
        assert validated.exit_code == 0, validated.output
        if kind == "zip":
            with zipfile.ZipFile(outputs[0]) as archive:
                names = archive.namelist()
                assert {i.date_time[:3] for i in archive.infolist()} == {(2026, 11, 23)}
        else:
            with tarfile.open(outputs[0]) as archive:
                members = archive.getmembers()
                names = [m.name for m in members]
                assert {(m.uid, m.gid, m.uname, m.gname) for m in members} == {(0, 0, "", "")}
                assert {m.mode for m in members if m.isfile()} == {0o644}
                assert {m.mtime for m in members} == {1795392000}  # 2026-11-23, Bagging-Date
        assert names == sorted(names)
        assert {n.split("/")[0] for n in names} == {package.name}


def test_an_unwritable_destination_fails_in_one_line_and_leaves_nothing(
    preserved: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    catalog, packages = preserved
    dest = tmp_path / "locked"
    dest.mkdir()
    with writes_denied(dest):
        result = handoff(str(packages[0]), "--to", str(dest), "--catalog", str(catalog), "--json")
    assert result.exit_code == 1
    delivery = json.loads(result.output)["deliveries"][0]
    assert delivery["outcome"] == "failed"
    assert delivery["reasons"][0].startswith("permission denied at the destination")
    assert os.listdir(dest) == []


def test_a_full_disk_fails_in_one_line_and_leaves_nothing(
    preserved: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    catalog, _packages = preserved
    big = make_bag(tmp_path / "big-bag", {"scan.bin": os.urandom(1 << 20)})
    with tiny_disk(tmp_path / "small") as dest:
        result = handoff(
            str(big), "--to", str(dest), "--profile", "none", "--catalog", str(catalog), "--json"
        )
        assert result.exit_code == 1
        delivery = json.loads(result.output)["deliveries"][0]
        assert delivery["reasons"][0].startswith("the destination is full"), delivery
        assert os.listdir(dest) == []


def test_a_hand_off_killed_mid_transfer_leaves_no_partial_and_finishes_next_time(
    preserved: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    catalog, _packages = preserved
    big = make_bag(
        tmp_path / "big-bag",
        {f"part-{n:02}.bin": bytes([n]) * (8 << 20) for n in range(24)},
    )
    dest = tmp_path / "transfer"
    command = [
        sys.executable,
        "-c",
        "from preserve.cli import main; main()",
        "handoff",
        str(big),
        "--to",
        str(dest),
        "--profile",
        "none",
        "--catalog",
        str(catalog),
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    partial = dest / f".{big.name}.preserve-partial"
    while process.poll() is None and not (partial / "data").is_dir():
        time.sleep(0.001)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert not (dest / big.name).exists(), "killed before the end, it must not be published"
    assert [p.name for p in dest.iterdir() if not p.name.startswith(".")] == []

    result = handoff(str(big), "--to", str(dest), "--profile", "none", "--catalog", str(catalog))
    assert result.exit_code == 0, result.output
    assert sorted(os.listdir(dest)) == [big.name]
    assert tree(dest / big.name) == tree(big)


def test_a_tag_file_no_manifest_lists_travels_too(
    preserved: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    catalog, _packages = preserved
    bag = make_bag(tmp_path / "bag", {"letter.txt": b"Dear archivist\n"})
    (bag / "notes.txt").write_text("a tag file the tag manifest does not list\n")
    dest = tmp_path / "transfer"
    result = handoff(str(bag), "--to", str(dest), "--profile", "none", "--catalog", str(catalog))
    assert result.exit_code == 0, result.output
    assert tree(dest / bag.name) == tree(bag)


def test_an_old_catalog_gains_the_receipts_table(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.sqlite"
    with Catalog.open(path):
        pass
    with sqlite3.connect(path) as old:  # what schema 1 left: no deliveries table
        old.execute("DROP TABLE deliveries")
        old.execute("PRAGMA user_version=1")
    with Catalog.open(path) as store:
        assert store.connection.execute("PRAGMA user_version").fetchone()[0] >= 2
        assert store.deliveries() == []


def test_the_replication_event_is_valid_premis(
    preserved: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    from preserve.handoff.core import Delivery
    from preserve.handoff.receipts import replication_event
    from preserve.premis import Agent, append_events, parse_events, validate_premis

    _catalog, packages = preserved
    premis = (packages[0] / "data" / "metadata" / "premis.xml").read_bytes()
    delivery = Delivery(packages[0].name, "sftp://archive@host/srv", "tar", "delivered", "x.tar")
    event = replication_event(
        delivery, ["preserve-demo", "preserve"], objects=["data/original/letter.txt"]
    )
    xml = append_events(premis, [event], [Agent("preserve-demo", "Demo", "organization")])
    assert validate_premis(xml) == []
    added = [e for e in parse_events(xml) if e.type == "replication"]
    assert added[0].outcome == "success" and "sftp://archive@host/srv" in added[0].detail


def test_another_archive_under_the_same_name_is_refused(
    preserved: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    catalog, packages = preserved
    dest = tmp_path / "transfer"
    common = ["--to", str(dest), "--serialize", "zip", "--catalog", str(catalog), "--json"]
    assert handoff(str(packages[0]), *common).exit_code == 0
    archive = dest / f"{packages[0].name}.zip"
    archive.write_bytes(archive.read_bytes() + b"\0")
    result = handoff(str(packages[0]), *common)
    assert result.exit_code == 1
    assert (
        "other content under the name" in json.loads(result.output)["deliveries"][0]["reasons"][0]
    )
    assert archive.read_bytes().endswith(b"\0")


def test_a_second_hand_off_of_the_same_package_waits_its_turn(
    preserved: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    import fcntl

    from preserve.handoff import LOCKS
    from preserve.handoff.core import lock_path

    catalog, packages = preserved
    dest = tmp_path / "transfer"
    lock = lock_path(catalog.parent / LOCKS, str(dest), packages[0].name)
    lock.parent.mkdir()
    with lock.open("a") as held:  # another run, busy with this package
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        result = handoff(
            *map(str, packages), "--to", str(dest), "--catalog", str(catalog), "--json"
        )
    assert result.exit_code == 1
    first, second = json.loads(result.output)["deliveries"]
    assert first["outcome"] == "failed" and "is running" in first["reasons"][0]
    assert second["outcome"] == "delivered"
    assert os.listdir(dest) == [packages[1].name]
