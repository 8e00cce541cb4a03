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
def test_garbage_archives_are_reported(tmp_path: Path, content: bytes) -> None:
    unnamed = tmp_path / "garbage.bin"
    named = tmp_path / "garbage.zip"
    for path in (unnamed, named):
        path.write_bytes(content)
    assert codes(validate_path(unnamed), "error") == ["archive-unreadable"]
    assert codes(validate_path(named), "error") in (["archive-corrupt"], ["archive-truncated"])


def cut(archive: Path, target: Path, keep: int) -> Path:
    target.write_bytes(archive.read_bytes()[:keep])
    return target


def many_file_bag(make_bag: BagMaker) -> Path:
    return make_bag({f"data/{n:02d}.bin": os.urandom(3000) for n in range(12)})


@pytest.mark.parametrize("missing", [1, 4, 8, 9, 100, 1000, 5000, 20_000])
def test_a_truncated_tar_gz_is_invalid_and_named_so(
    make_bag: BagMaker, tmp_path: Path, missing: int
) -> None:
    # The last 8 bytes of a gzip file are its trailer (CRC-32 and length): without them,
    # or with more gone, every member may still unpack, but the archive is damaged.
    archive = tar_bag(many_file_bag(make_bag), tmp_path / "bag.tar.gz", "w:gz")
    assert validate_path(archive).valid
    damaged = cut(archive, tmp_path / "cut.tar.gz", archive.stat().st_size - missing)
    assert codes(validate_path(damaged), "error") == ["archive-truncated"]


def test_a_plain_tar_cut_at_a_member_boundary_is_truncated(
    make_bag: BagMaker, tmp_path: Path
) -> None:
    archive = tar_bag(many_file_bag(make_bag), tmp_path / "bag.tar")
    with tarfile.open(archive) as bundle:
        members = bundle.getmembers()
    offsets = [member.offset for member in members]
    payload = next(m for m in reversed(members) if m.size == 3000).offset
    # At a header, inside a header, inside a member's bytes, inside its padding.
    for keep in (offsets[len(offsets) // 2], payload + 100, payload + 700, payload + 3600):
        damaged = cut(archive, tmp_path / f"cut-{keep}.tar", keep)
        report = validate_path(damaged)
        assert codes(report, "error") == ["archive-truncated"], keep


def test_a_garbled_header_or_flipped_bytes_are_corrupt(make_bag: BagMaker, tmp_path: Path) -> None:
    bag = many_file_bag(make_bag)
    plain = tar_bag(bag, tmp_path / "bag.tar")
    with tarfile.open(plain) as bundle:
        middle = bundle.getmembers()[len(bundle.getmembers()) // 2].offset
    data = bytearray(plain.read_bytes())
    data[middle : middle + 512] = b"\xff" * 512
    garbled = tmp_path / "garbled.tar"
    garbled.write_bytes(bytes(data))
    assert codes(validate_path(garbled), "error") == ["archive-corrupt"]

    packed = tar_bag(bag, tmp_path / "bag.tar.gz", "w:gz")
    data = bytearray(packed.read_bytes())
    data[-6] ^= 0xFF  # the stored length no longer matches
    flipped = tmp_path / "flipped.tar.gz"
    flipped.write_bytes(bytes(data))
    assert codes(validate_path(flipped), "error") == ["archive-corrupt"]


def test_a_truncated_or_damaged_zip_is_named_so(make_bag: BagMaker, tmp_path: Path) -> None:
    archive = zip_bag(many_file_bag(make_bag), tmp_path / "bag.zip")
    damaged = cut(archive, tmp_path / "cut.zip", archive.stat().st_size - 30)
    assert codes(validate_path(damaged), "error") == ["archive-truncated"]
    with zipfile.ZipFile(archive) as bundle:
        info = bundle.getinfo("bag/data/05.bin")
    data = bytearray(archive.read_bytes())
    data[info.header_offset + 30 + len(info.filename) + 10] ^= 0xFF
    crc = tmp_path / "crc.zip"
    crc.write_bytes(bytes(data))
    assert codes(validate_path(crc), "error") == ["archive-corrupt"]


def test_the_damage_codes_are_documented() -> None:
    assert {"archive-truncated", "archive-corrupt"} <= set(CODES)


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
