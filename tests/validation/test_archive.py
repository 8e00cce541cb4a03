"""Serialized bags: validated like folders, unpacked without anything landing outside."""

from __future__ import annotations

import io
import os
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from preserve.errors import PackageError, UnsafePathError
from preserve.validation import open_bag, validate_path
from preserve.validation.codes import CODES

from .conftest import BagMaker, codes


def tar_bag(bag: Path, target: Path, mode: str = "w") -> Path:
    with tarfile.open(target, mode) as bundle:
        bundle.add(bag, arcname=bag.name)
    return target


def zip_bag(bag: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path in sorted(bag.rglob("*")):
            bundle.write(path, f"{bag.name}/{path.relative_to(bag).as_posix()}")
    return target


def add_tar_member(archive: Path, info: tarfile.TarInfo, content: bytes = b"") -> None:
    with tarfile.open(archive, "a") as bundle:
        bundle.addfile(info, io.BytesIO(content) if info.isreg() else None)


@pytest.mark.parametrize(
    ("suffix", "mode"), [(".tar", "w"), (".tar.gz", "w:gz"), (".tgz", "w:gz"), (".zip", None)]
)
def test_serialized_bags_validate(
    make_bag: BagMaker, tmp_path: Path, suffix: str, mode: str | None
) -> None:
    bag = make_bag({"data/a.txt": b"a", "data/sub/b c.txt": b"b"})
    archive = tmp_path / f"bag{suffix}"
    zip_bag(bag, archive) if mode is None else tar_bag(bag, archive, mode)
    report = validate_path(archive)
    assert report.valid, [str(p) for p in report.problems]
    assert report.subject == str(archive)
    assert report.info["serialization"] in ("tar", "zip")
    assert report.info["payload_files"] == 2


def test_a_corrupt_file_inside_an_archive_is_named(make_bag: BagMaker, tmp_path: Path) -> None:
    bag = make_bag({"data/a.txt": b"aaaa"})
    (bag / "data" / "a.txt").write_bytes(b"aaab")
    report = validate_path(tar_bag(bag, tmp_path / "bag.tar.gz", "w:gz"))
    assert {(p.code, p.path) for p in report.errors} == {("checksum-mismatch", "data/a.txt")}


@pytest.mark.parametrize(
    ("name", "kind", "code"),
    [
        ("../escaped.txt", tarfile.REGTYPE, "archive-unsafe-member"),
        ("bag/../../escaped.txt", tarfile.REGTYPE, "archive-unsafe-member"),
        ("/tmp/escaped-absolute.txt", tarfile.REGTYPE, "archive-unsafe-member"),
        ("bag/data/link", tarfile.SYMTYPE, "archive-link-member"),
        ("bag/data/hard", tarfile.LNKTYPE, "archive-link-member"),
        ("bag/data/device", tarfile.CHRTYPE, "archive-special-member"),
        ("bag/data/fifo", tarfile.FIFOTYPE, "archive-special-member"),
        ("bag/data/hello.txt", tarfile.REGTYPE, "archive-duplicate-member"),
    ],
)
def test_unsafe_tar_members_are_refused(
    make_bag: BagMaker, tmp_path: Path, name: str, kind: bytes, code: str
) -> None:
    bag = make_bag()
    archive = tar_bag(bag, tmp_path / "bag.tar")
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = "/etc/passwd" if kind in (tarfile.SYMTYPE, tarfile.LNKTYPE) else ""
    info.size = 7 if kind == tarfile.REGTYPE else 0
    add_tar_member(archive, info, b"escaped")
    report = validate_path(archive)
    assert code in codes(report, "error")
    assert "internal-error" not in codes(report)
    assert set(codes(report)) <= set(CODES)
    assert not (tmp_path / "escaped.txt").exists()
    assert not Path("/tmp/escaped-absolute.txt").exists()


def test_unsafe_zip_members_are_refused(make_bag: BagMaker, tmp_path: Path) -> None:
    bag = make_bag()
    archive = zip_bag(bag, tmp_path / "bag.zip")
    with zipfile.ZipFile(archive, "a") as bundle:
        bundle.writestr("../escaped.txt", b"x")
        bundle.writestr("/abs-escaped.txt", b"x")
        bundle.writestr("C:/Windows/escaped.txt", b"x")
        link = zipfile.ZipInfo("bag/data/link")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        bundle.writestr(link, "/etc/passwd")
    report = validate_path(archive)
    assert sorted(p.code for p in report.errors if p.code.startswith("archive-")) == [
        "archive-link-member",
        "archive-unsafe-member",
        "archive-unsafe-member",
        "archive-unsafe-member",
    ]
    assert not (tmp_path / "escaped.txt").exists()


def test_open_bag_raises_on_the_first_unsafe_member(make_bag: BagMaker, tmp_path: Path) -> None:
    archive = tar_bag(make_bag(), tmp_path / "bag.tar")
    info = tarfile.TarInfo("../escaped.txt")
    info.size = 1
    add_tar_member(archive, info, b"x")
    with pytest.raises(UnsafePathError), open_bag(archive):
        pass


def test_scratch_folder_is_removed(make_bag: BagMaker, tmp_path: Path) -> None:
    archive = tar_bag(make_bag(), tmp_path / "bag.tar")
    scratch_parent = tmp_path / "scratch"
    scratch_parent.mkdir()
    with open_bag(archive, scratch_parent=scratch_parent) as root:
        assert (root / "bagit.txt").is_file()
        assert root.name == "bag"
    assert list(scratch_parent.iterdir()) == []


def test_folder_is_opened_in_place(make_bag: BagMaker) -> None:
    bag = make_bag()
    with open_bag(bag) as root:
        assert root == bag


def test_size_bound_stops_a_bomb(make_bag: BagMaker, tmp_path: Path) -> None:
    bag = make_bag({"data/zeros.bin": bytes(4 << 20)})
    archive = zip_bag(bag, tmp_path / "bag.zip")
    assert archive.stat().st_size < 100_000
    report = validate_path(archive, max_bytes=1 << 20)
    assert codes(report, "error") == ["archive-unreadable"]
    with pytest.raises(PackageError), open_bag(archive, max_bytes=1 << 20):
        pass


@pytest.mark.parametrize("content", [b"", b"not an archive", os.urandom(3000)])
def test_garbage_and_truncated_archives_are_reported(
    make_bag: BagMaker, tmp_path: Path, content: bytes
) -> None:
    archive = tar_bag(make_bag(), tmp_path / "bag.tar.gz", "w:gz")
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: len(archive.read_bytes()) // 2])
    for path in (truncated, tmp_path / "garbage.zip", tmp_path / "garbage.bin"):
        if path != truncated:
            path.write_bytes(content)
        report = validate_path(path)
        assert codes(report, "error") == ["archive-unreadable"], [str(p) for p in report.problems]


def test_archive_without_a_top_folder(make_bag: BagMaker, tmp_path: Path) -> None:
    bag = make_bag()
    archive = tmp_path / "flat.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for path in sorted(bag.rglob("*")):
            if path.is_file():
                bundle.write(path, path.relative_to(bag).as_posix())
    report = validate_path(archive)
    assert report.valid
    assert "archive-layout" in codes(report, "warning")


def test_tar_made_from_inside_the_bag(make_bag: BagMaker, tmp_path: Path) -> None:
    bag = make_bag()
    archive = tmp_path / "dot.tar"
    with tarfile.open(archive, "w") as bundle:
        bundle.add(bag, arcname=".")
    with tarfile.open(archive) as bundle:
        names = bundle.getnames()
    assert "." in names and "./bagit.txt" in names
    report = validate_path(archive)
    assert report.valid, [str(p) for p in report.problems]
    assert set(codes(report, "warning")) == {"archive-layout"}
