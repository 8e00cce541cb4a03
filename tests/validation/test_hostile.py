"""Hostile and odd bags: every bagit-python 1.9.0 failure named in issue #4, path traversal
of every form, symlinks, special files, huge and broken tag files.

Each bag is built in tmp_path; none of these tests may see an ``internal-error``.
"""

from __future__ import annotations

import hashlib
import os
import time
import tracemalloc
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest

from preserve.validation import spool, validate_bag
from preserve.validation.codes import CODES

from .conftest import BagMaker, codes, write_tag_manifests


def sha(algorithm: str, data: bytes) -> str:
    return hashlib.new(algorithm, data).hexdigest()


def no_crash(report) -> None:
    assert "internal-error" not in codes(report), [str(p) for p in report.problems]
    assert set(codes(report)) <= set(CODES), set(codes(report)) - set(CODES)


@pytest.fixture
def opened_paths(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every path the validator opens, lists, stats or reads a link of (a spy, not a mock)."""
    seen: list[str] = []
    for name in ("open", "scandir", "stat", "lstat", "readlink", "listdir"):
        real = getattr(os, name)

        def spy(path, *args, _real=real, **kwargs):
            if isinstance(path, (str, bytes, os.PathLike)):
                seen.append(os.path.abspath(os.fsdecode(path)))
            return _real(path, *args, **kwargs)

        monkeypatch.setattr(os, name, spy)
    yield seen


def assert_stayed_inside(seen: list[str], bag: Path) -> None:
    root = os.path.abspath(bag)
    outside = [p for p in seen if p != root and not p.startswith(root + os.sep)]
    assert not outside, outside


# -- the failures of bagit-python listed at the top of issue #4 -----------------------------


def test_bagit_version_with_space_before_colon_is_refused(make_bag: BagMaker) -> None:
    bag = make_bag()
    (bag / "bagit.txt").write_bytes(b"BagIt-Version : 1.0\nTag-File-Character-Encoding: UTF-8\n")
    write_tag_manifests(bag)
    report = validate_bag(bag)
    assert codes(report, "error") == ["bagit-txt-malformed"]


@pytest.mark.parametrize(
    "content",
    [
        b"BagIt-Version: 1.0\n",
        b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\nExtra: line\n",
        b"BagIt-Version: 1.0 \nTag-File-Character-Encoding: UTF-8\n",
        b"BagIt-Version:1.0\nTag-File-Character-Encoding: UTF-8\n",
        b"Tag-File-Character-Encoding: UTF-8\nBagIt-Version: 1.0\n",
        b"BagIt-Version: 1\nTag-File-Character-Encoding: UTF-8\n",
        b"\n\nBagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
        b"BagIt-Version: 1.0\nTag-File-Character-Encoding: NOT-A-CHARSET\n",
        b"BagIt-Version: 1.0\nTag-File-Character-Encoding: rot13\n",
        b"\xef\xbb\xbfBagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
        b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\xff\n",
        b"BagIt-Version: 9.9\nTag-File-Character-Encoding: UTF-8\n",
        b"",
        b"\x00" * 100,
    ],
)
def test_bagit_txt_is_read_strictly(make_bag: BagMaker, content: bytes) -> None:
    bag = make_bag()
    (bag / "bagit.txt").write_bytes(content)
    write_tag_manifests(bag)
    report = validate_bag(bag)
    no_crash(report)
    assert not report.valid
    assert {p.path for p in report.errors} == {"bagit.txt"}


@pytest.mark.parametrize("ending", [b"\n", b"\r\n", b"\r", b""])
def test_bagit_txt_line_endings_are_all_accepted(make_bag: BagMaker, ending: bytes) -> None:
    bag = make_bag()
    content = b"BagIt-Version: 1.0" + (ending or b"\n")
    content += b"Tag-File-Character-Encoding: UTF-8" + ending
    (bag / "bagit.txt").write_bytes(content)
    write_tag_manifests(bag)
    assert validate_bag(bag).valid


def test_file_missing_from_one_of_two_manifests_fails_in_1_0(make_bag: BagMaker) -> None:
    bag = make_bag({"data/a.txt": b"a", "data/b.txt": b"b"})
    manifest = bag / "manifest-sha512.txt"
    lines = manifest.read_bytes().splitlines(keepends=True)
    manifest.write_bytes(b"".join(line for line in lines if b"data/b.txt" not in line))
    write_tag_manifests(bag)
    report = validate_bag(bag)
    assert codes(report, "error") == ["file-not-in-every-manifest"]
    problem = report.errors[0]
    assert problem.path == "data/b.txt"
    assert problem.facts["manifests"] == ["manifest-sha512.txt"]


def test_file_missing_from_one_manifest_is_only_a_notice_before_1_0(make_bag: BagMaker) -> None:
    bag = make_bag({"data/a.txt": b"a", "data/b.txt": b"b"}, version="0.97")
    manifest = bag / "manifest-sha512.txt"
    manifest.write_text(f"{sha('sha512', b'a')}  data/a.txt\n")
    write_tag_manifests(bag)
    report = validate_bag(bag)
    assert report.valid
    assert "file-not-in-every-manifest" in codes(report, "notice")


def test_sibling_prefix_folder_is_never_read(
    make_bag: BagMaker, tmp_path: Path, opened_paths: list[str]
) -> None:
    bag = make_bag()
    evil = tmp_path / "bag-evil"
    evil.mkdir()
    (evil / "x").write_bytes(b"secret")
    with (bag / "manifest-sha256.txt").open("a") as manifest:
        manifest.write(f"{sha('sha256', b'secret')}  ../bag-evil/x\n")
        manifest.write(f"{sha('sha256', b'secret')}  data/../../bag-evil/x\n")
    write_tag_manifests(bag)
    opened_paths.clear()
    report = validate_bag(bag)
    assert codes(report, "error") == ["unsafe-path", "unsafe-path"]
    assert_stayed_inside(opened_paths, bag)


def test_percent_25_is_decoded(make_bag: BagMaker) -> None:
    bag = make_bag({"data/100%.txt": b"x", "data/a%25b": b"y", "data/%7Etilde": b"z"})
    text = (bag / "manifest-sha256.txt").read_text()
    assert "data/100%25.txt" in text and "data/a%2525b" in text
    assert "data/%257Etilde" in text
    report = validate_bag(bag)
    assert report.valid, [str(p) for p in report.problems]
    assert not report.warnings


@pytest.mark.parametrize("escape", ["%0A", "%0a", "%0D", "%0d"])
def test_cr_and_lf_are_decoded_in_any_case_and_any_count(make_bag: BagMaker, escape: str) -> None:
    char = "\n" if escape.lower() == "%0a" else "\r"
    name = f"data/a{char}b{char}c{char}d{char}"
    bag = make_bag({name: b"lines"}, algorithms=("sha256",))
    encoded = f"data/a{escape}b{escape}c{escape}d{escape}"
    (bag / "manifest-sha256.txt").write_text(f"{sha('sha256', b'lines')}  {encoded}\n")
    write_tag_manifests(bag, ("sha256",))
    report = validate_bag(bag)
    assert report.valid, [str(p) for p in report.problems]


def test_trailing_spaces_belong_to_the_file_name(make_bag: BagMaker) -> None:
    bag = make_bag({"data/name": b"plain", "data/name ": b"one space", "data/name  ": b"two"})
    report = validate_bag(bag)
    assert report.valid, [str(p) for p in report.problems]
    (bag / "data" / "name  ").write_bytes(b"changed")
    report = validate_bag(bag)
    assert {p.path for p in report.errors if p.code == "checksum-mismatch"} == {"data/name  "}


@pytest.mark.parametrize(("disk_form", "manifest_form"), [("NFC", "NFD"), ("NFD", "NFC")])
def test_unicode_normalization_differences_match_with_a_warning(
    make_bag: BagMaker, disk_form: str, manifest_form: str
) -> None:
    name = "data/Núñez café.txt"
    on_disk = unicodedata.normalize(disk_form, name)
    bag = make_bag({on_disk: b"accent"})
    in_manifest = unicodedata.normalize(manifest_form, name)
    for algorithm in ("sha256", "sha512"):
        (bag / f"manifest-{algorithm}.txt").write_text(
            f"{sha(algorithm, b'accent')}  {in_manifest}\n", encoding="utf-8"
        )
    write_tag_manifests(bag)
    report = validate_bag(bag)
    assert report.valid, [str(p) for p in report.problems]
    assert set(codes(report, "warning")) == {"normalization-mismatch"}


def test_fetch_entries_are_checked_against_every_manifest(make_bag: BagMaker) -> None:
    bag = make_bag()
    (bag / "fetch.txt").write_text(
        "https://example.org/hello.txt 6 data/hello.txt\n"
        "https://example.org/other.txt - data/other.txt\n"
    )
    write_tag_manifests(bag)
    report = validate_bag(bag)
    assert [(p.code, p.path) for p in report.errors] == [
        ("fetch-entry-not-in-manifest", "data/other.txt"),
        ("fetch-entry-not-in-manifest", "data/other.txt"),
    ]


def test_fetch_listed_file_not_yet_fetched_is_a_notice(make_bag: BagMaker) -> None:
    bag = make_bag({"data/hello.txt": b"hello\n", "data/remote.bin": b"remote"})
    (bag / "data" / "remote.bin").unlink()
    (bag / "fetch.txt").write_text("https://example.org/remote.bin 6 data/remote.bin\n")
    write_tag_manifests(bag)
    report = validate_bag(bag)
    assert report.valid, [str(p) for p in report.errors]
    assert "fetch-file-not-present" in codes(report, "notice")
    assert report.info["complete"] is False
    assert report.info["fetch_pending"] == 1


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("https://example.org/a data/hello.txt", "fetch-line-malformed"),
        ("https://example.org/a", "fetch-line-malformed"),
        ("https://example.org/a 12kB data/hello.txt", "fetch-length-invalid"),
        ("https://example.org/a -5 data/hello.txt", "fetch-length-invalid"),
        ("example.org/a - data/hello.txt", "fetch-url-invalid"),
        ("https://example.org/a - bagit.txt", "fetch-lists-tag-file"),
        ("https://example.org/a - ../outside", "unsafe-path"),
        ("https://example.org/a - /etc/passwd", "unsafe-path"),
    ],
)
def test_bad_fetch_lines_are_reported(make_bag: BagMaker, line: str, code: str) -> None:
    bag = make_bag()
    (bag / "fetch.txt").write_text(line + "\n")
    write_tag_manifests(bag)
    report = validate_bag(bag)
    no_crash(report)
    assert code in codes(report, "error")


def test_fetch_is_never_fetched(make_bag: BagMaker, opened_paths: list[str]) -> None:
    bag = make_bag({"data/hello.txt": b"hello\n", "data/remote.bin": b"remote"})
    (bag / "data" / "remote.bin").unlink()
    (bag / "fetch.txt").write_text("http://127.0.0.1:9/remote.bin 6 data/remote.bin\n")
    write_tag_manifests(bag)
    opened_paths.clear()
    started = time.monotonic()
    report = validate_bag(bag)
    assert time.monotonic() - started < 5
    assert report.valid
    assert_stayed_inside(opened_paths, bag)


@pytest.mark.parametrize("value", ["abc", "12", "12.x", "-1.1", "1.2.3", "", "１２.１"])
def test_malformed_payload_oxum_is_an_error_not_a_crash(make_bag: BagMaker, value: str) -> None:
    bag = make_bag(bag_info=f"Payload-Oxum: {value}\n")
    write_tag_manifests(bag)
    report = validate_bag(bag)
    no_crash(report)
    assert codes(report, "error") == ["payload-oxum-malformed"]


def test_repeated_payload_oxum_is_an_error(make_bag: BagMaker) -> None:
    bag = make_bag(bag_info="Payload-Oxum: 6.1\nPayload-Oxum: 6.1\n")
    write_tag_manifests(bag)
    assert codes(validate_bag(bag), "error") == ["payload-oxum-repeated"]


def test_non_utf8_bytes_in_a_manifest_are_an_error(make_bag: BagMaker) -> None:
    # A Latin-1 name on disk, written as the same raw bytes in the manifest.
    bag = make_bag({"data/caf\udce9.txt": b"latin"})
    report = validate_bag(bag)
    no_crash(report)
    assert "tag-file-not-decodable" in codes(report, "error")
    # Matched to the same bytes on disk: no bogus missing / not-in-manifest errors.
    assert set(codes(report, "error")) == {"tag-file-not-decodable"}


def test_bag_under_a_folder_named_like_a_tag_manifest(make_bag: BagMaker, tmp_path: Path) -> None:
    parent = tmp_path / "tagmanifest-sha256.txt" / "manifest-md5.txt"
    parent.mkdir(parents=True)
    bag = make_bag(parent=parent)
    report = validate_bag(bag)
    assert report.valid, [str(p) for p in report.problems]


def test_every_problem_is_reported_not_just_the_first(make_bag: BagMaker) -> None:
    bag = make_bag({"data/a.txt": b"aaaa", "data/b.txt": b"bbbb", "data/c.txt": b"cccc"})
    (bag / "data" / "a.txt").write_bytes(b"aaaa-longer")  # changes Payload-Oxum
    (bag / "data" / "b.txt").write_bytes(b"BBBB")  # same size
    (bag / "data" / "c.txt").unlink()
    (bag / "data" / "extra.txt").write_bytes(b"extra")
    report = validate_bag(bag)
    found = sorted((p.code, p.path) for p in report.errors)
    assert found == sorted(
        [
            ("payload-oxum-mismatch", "bag-info.txt"),
            ("checksum-mismatch", "data/a.txt"),
            ("checksum-mismatch", "data/a.txt"),
            ("checksum-mismatch", "data/b.txt"),
            ("checksum-mismatch", "data/b.txt"),
            ("manifest-entry-missing-file", "data/c.txt"),
            ("manifest-entry-missing-file", "data/c.txt"),
            ("file-not-in-manifest", "data/extra.txt"),
        ]
    )
    mismatch = next(p for p in report.errors if p.code == "checksum-mismatch")
    assert set(mismatch.facts) >= {"algorithm", "expected", "found", "manifest"}


# -- path traversal of every form ------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "../outside.txt",
        "data/../../outside.txt",
        "data/sub/../../../outside.txt",
        "/etc/passwd",
        "//etc/passwd",
        "~/outside.txt",
        "~root/.bashrc",
        "data\\..\\..\\outside.txt",
        "C:\\Windows\\win.ini",
        "c:/Windows/win.ini",
        "\\\\server\\share\\x",
        "data/%2e%2e/%2e%2e/outside.txt",
        "data/a\x00b",
    ],
)
def test_traversal_in_payload_manifest_is_refused_unread(
    make_bag: BagMaker, tmp_path: Path, opened_paths: list[str], path: str
) -> None:
    bag = make_bag()
    (tmp_path / "outside.txt").write_bytes(b"outside")
    with (bag / "manifest-sha256.txt").open("a", encoding="utf-8") as manifest:
        manifest.write(f"{sha('sha256', b'outside')}  {path}\n")
    opened_paths.clear()
    report = validate_bag(bag)
    no_crash(report)
    assert not report.valid
    assert_stayed_inside(opened_paths, bag)


@pytest.mark.parametrize("path", ["../outside.txt", "/etc/hostname", "~/x", "../bag-evil/x"])
def test_traversal_in_tag_manifest_is_refused_unread(
    make_bag: BagMaker, opened_paths: list[str], path: str
) -> None:
    bag = make_bag()
    with (bag / "tagmanifest-sha256.txt").open("a") as manifest:
        manifest.write(f"{sha('sha256', b'x')}  {path}\n")
    opened_paths.clear()
    report = validate_bag(bag)
    assert codes(report, "error") == ["unsafe-path"]
    assert_stayed_inside(opened_paths, bag)


def test_symlinked_payload_folder_is_never_followed(
    make_bag: BagMaker, tmp_path: Path, opened_paths: list[str]
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(b"secret")
    bag = make_bag({"data/hello.txt": b"hello\n", "data/linked/secret.txt": b"secret"})
    for item in (bag / "data" / "linked").iterdir():
        item.unlink()
    (bag / "data" / "linked").rmdir()
    (bag / "data" / "linked").symlink_to(outside)
    opened_paths.clear()
    report = validate_bag(bag)
    # The link is reported once; the file listed under it is not reported again as missing.
    assert codes(report, "error") == ["symlink", "payload-oxum-mismatch"]
    assert_stayed_inside(opened_paths, bag)


def test_symlinked_file_is_never_followed(
    make_bag: BagMaker, tmp_path: Path, opened_paths: list[str]
) -> None:
    (tmp_path / "secret.txt").write_bytes(b"secret")
    bag = make_bag({"data/hello.txt": b"hello\n", "data/secret.txt": b"secret"})
    (bag / "data" / "secret.txt").unlink()
    (bag / "data" / "secret.txt").symlink_to(tmp_path / "secret.txt")
    opened_paths.clear()
    report = validate_bag(bag)
    # The link is not a payload file, so Payload-Oxum no longer adds up either.
    assert codes(report, "error") == ["symlink", "payload-oxum-mismatch"]
    assert report.errors[0].path == "data/secret.txt"
    assert_stayed_inside(opened_paths, bag)


def test_symlinked_tag_files_are_never_followed(
    make_bag: BagMaker, tmp_path: Path, opened_paths: list[str]
) -> None:
    bag = make_bag()
    real = tmp_path / "elsewhere-bagit.txt"
    real.write_bytes((bag / "bagit.txt").read_bytes())
    (bag / "bagit.txt").unlink()
    (bag / "bagit.txt").symlink_to(real)
    (bag / "data" / "loop").symlink_to(bag)
    opened_paths.clear()
    report = validate_bag(bag)
    assert sorted(p.path for p in report.errors if p.code == "symlink") == [
        "bagit.txt",
        "data/loop",
    ]
    assert_stayed_inside(opened_paths, bag)


def test_named_pipe_in_payload_is_reported_without_blocking(make_bag: BagMaker) -> None:
    bag = make_bag({"data/hello.txt": b"hello\n", "data/pipe": b""})
    (bag / "data" / "pipe").unlink()
    os.mkfifo(bag / "data" / "pipe")
    started = time.monotonic()
    report = validate_bag(bag)
    assert time.monotonic() - started < 5
    assert codes(report, "error") == ["special-file", "payload-oxum-mismatch"]


def test_unreadable_payload_file_is_reported(make_bag: BagMaker) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads files whatever their permissions")
    bag = make_bag({"data/hello.txt": b"hello\n", "data/locked.txt": b"locked"})
    (bag / "data" / "locked.txt").chmod(0)
    report = validate_bag(bag)
    assert "unreadable" in codes(report, "error")


def test_manifest_that_lists_a_folder(make_bag: BagMaker) -> None:
    bag = make_bag({"data/sub/a.txt": b"a"})
    with (bag / "manifest-sha256.txt").open("a") as manifest:
        manifest.write(f"{sha('sha256', b'')}  data/sub\n")
    write_tag_manifests(bag)
    assert "manifest-lists-folder" in codes(validate_bag(bag), "error")


# -- huge, truncated and binary tag files ------------------------------------------------------


def missing_entries_bag(make_bag: BagMaker, count: int, name: str) -> Path:
    bag = make_bag(algorithms=("sha256",), tag_manifests=False, name=name)
    digest = sha("sha256", b"hello\n")
    with (bag / "manifest-sha256.txt").open("a") as manifest:
        for number in range(count):
            manifest.write(f"{digest}  data/missing/{number:06d}.txt\n")
    return bag


def test_huge_manifest_is_streamed(make_bag: BagMaker, monkeypatch: pytest.MonkeyPatch) -> None:
    """Memory grows by well under 250 bytes per manifest entry (a million entries stay
    under ~250 MB; benchmarks/validate_bench.py measures that case), and the report's
    JSON is written without holding its problems."""
    monkeypatch.setattr(spool, "KEEP", 100)  # problems held in memory per report
    peaks = []
    for count in (4_000, 8_000):
        bag = missing_entries_bag(make_bag, count, f"bag-{count}")
        tracemalloc.start()
        try:
            report = validate_bag(bag)
            _, validated = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
            held = tracemalloc.get_traced_memory()[0]
            with open(os.devnull, "w", encoding="utf-8") as sink:
                spool.write_report_json(report, sink)
            _, written = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        peaks.append(validated)
        assert written - held < 1 << 20, (written, held)
        assert report.counts["error"] == count
        assert sum(p.code == "manifest-entry-missing-file" for p in report.iter_problems()) == count
    per_entry = (peaks[1] - peaks[0]) / 4_000
    assert per_entry < 200, per_entry


def test_one_enormous_line_costs_bounded_memory(make_bag: BagMaker) -> None:
    bag = make_bag(algorithms=("sha256",), tag_manifests=False)
    with (bag / "manifest-sha256.txt").open("ab") as manifest:
        manifest.write(b"a" * (40 << 20))  # 40 MiB without a line break
        manifest.write(b"\n")
    tracemalloc.start()
    try:
        report = validate_bag(bag)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "tag-file-line-too-long" in codes(report, "error")
    assert peak < 24 << 20, peak


@pytest.mark.parametrize(
    "name", ["manifest-sha256.txt", "tagmanifest-sha256.txt", "bag-info.txt", "fetch.txt"]
)
@pytest.mark.parametrize(
    "content",
    [
        b"\x00\xff\xfe\x01" * 64,
        os.urandom(4096),
        b"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8",  # truncated
        b"\xef\xbb\xbf",
        b"\r\r\r\n\n",
        b"deadbeef",
    ],
)
def test_binary_or_truncated_tag_files_do_not_crash(
    make_bag: BagMaker, name: str, content: bytes
) -> None:
    bag = make_bag()
    (bag / name).write_bytes(content)
    report = validate_bag(bag)
    no_crash(report)
    blank_lines_only = content.strip() == b""
    assert not report.valid or name == "bag-info.txt" or blank_lines_only


def test_utf16_tag_files_with_an_odd_byte_do_not_crash(make_bag: BagMaker) -> None:
    bag = make_bag(algorithms=("sha256",), tag_manifests=False)
    (bag / "bagit.txt").write_bytes(b"BagIt-Version: 0.97\nTag-File-Character-Encoding: UTF-16\n")
    line = f"{sha('sha256', b'hello' + bytes([10]))}  data/hello.txt\n"
    (bag / "manifest-sha256.txt").write_bytes(line.encode("utf-16") + b"\x00")
    (bag / "bag-info.txt").write_bytes("Payload-Oxum: 6.1\n".encode("utf-16"))
    report = validate_bag(bag)
    no_crash(report)
    assert codes(report, "error") == ["tag-file-not-decodable"]


def test_utf8_bom_in_a_1_0_manifest_is_an_error(make_bag: BagMaker) -> None:
    bag = make_bag()
    path = bag / "manifest-sha256.txt"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    write_tag_manifests(bag)
    assert codes(validate_bag(bag), "error") == ["tag-file-bom"]


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("nothex  data/hello.txt", "checksum-malformed"),
        ("abcd  data/hello.txt", "checksum-malformed"),
        ("just-one-field", "manifest-line-malformed"),
        ("  leading  data/hello.txt", "manifest-line-malformed"),
    ],
)
def test_malformed_manifest_lines(make_bag: BagMaker, line: str, code: str) -> None:
    bag = make_bag()
    with (bag / "manifest-sha256.txt").open("a") as manifest:
        manifest.write(line + "\n")
    write_tag_manifests(bag)
    assert code in codes(validate_bag(bag), "error")


def test_uppercase_checksums_are_accepted(make_bag: BagMaker) -> None:
    bag = make_bag()
    path = bag / "manifest-sha256.txt"
    checksum, rest = path.read_text().split("  ", 1)
    path.write_text(f"{checksum.upper()}  {rest}")
    write_tag_manifests(bag)
    assert validate_bag(bag).valid


def test_unknown_algorithm_is_a_warning(make_bag: BagMaker) -> None:
    bag = make_bag()
    (bag / "manifest-crc32.txt").write_text("0badf00d  data/hello.txt\n")
    write_tag_manifests(bag)
    report = validate_bag(bag)
    assert report.valid, [str(p) for p in report.errors]
    assert "unknown-algorithm" in codes(report, "warning")


def test_only_unknown_algorithms_cannot_be_valid(make_bag: BagMaker) -> None:
    bag = make_bag(algorithms=(), tag_manifests=False)
    (bag / "manifest-crc32.txt").write_text("0badf00d  data/hello.txt\n")
    report = validate_bag(bag)
    assert codes(report, "error") == ["no-supported-manifest"]
    assert validate_bag(bag, completeness_only=True).valid


def test_missing_payload_manifest_and_data_folder(tmp_path: Path) -> None:
    bag = tmp_path / "empty"
    bag.mkdir()
    (bag / "bagit.txt").write_text("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
    assert codes(validate_bag(bag), "error") == [
        "payload-folder-missing",
        "payload-manifest-missing",
    ]


def test_not_a_bag_at_all(tmp_path: Path) -> None:
    assert codes(validate_bag(tmp_path / "nothing")) == ["bag-not-found"]
    (tmp_path / "file").write_bytes(b"x")
    assert codes(validate_bag(tmp_path / "file")) == ["bag-not-a-folder"]


def test_tag_manifest_must_list_payload_manifests_and_no_tag_manifest(make_bag: BagMaker) -> None:
    bag = make_bag()
    path = bag / "tagmanifest-sha256.txt"
    kept = [line for line in path.read_text().splitlines() if "manifest-sha512" not in line]
    kept.append(
        f"{sha('sha256', (bag / 'tagmanifest-sha512.txt').read_bytes())}  tagmanifest-sha512.txt"
    )
    path.write_text("\n".join(kept) + "\n")
    report = validate_bag(bag)
    assert sorted(codes(report, "error")) == [
        "tag-manifest-incomplete",
        "tag-manifest-lists-tag-manifest",
    ]


def test_tag_manifest_must_not_list_payload(make_bag: BagMaker) -> None:
    bag = make_bag()
    with (bag / "tagmanifest-sha256.txt").open("a") as manifest:
        manifest.write(f"{sha('sha256', b'hello' + bytes([10]))}  data/hello.txt\n")
    assert codes(validate_bag(bag), "error") == ["tag-manifest-lists-payload"]


def test_case_collision_on_disk_is_a_warning(make_bag: BagMaker) -> None:
    bag = make_bag({"data/readme.txt": b"a", "data/README.txt": b"b"})
    report = validate_bag(bag)
    assert report.valid
    assert "case-collision" in codes(report, "warning")


def test_bag_info_whitespace_rules_depend_on_the_version(make_bag: BagMaker) -> None:
    info = "Payload-Oxum: 6.1\nTest-Tag   :   5\n"
    old = make_bag(version="0.97", bag_info=info, name="old")
    assert validate_bag(old).valid
    new = make_bag(version="1.0", bag_info=info, name="new")
    assert codes(validate_bag(new), "error") == ["bag-info-line-malformed"]


def test_tag_file_encoding_latin1(make_bag: BagMaker) -> None:
    bag = make_bag({"data/café.txt": b"x"}, algorithms=("sha256",), tag_manifests=False)
    (bag / "bagit.txt").write_text("BagIt-Version: 1.0\nTag-File-Character-Encoding: ISO-8859-1\n")
    (bag / "manifest-sha256.txt").write_bytes(
        f"{sha('sha256', b'x')}  data/café.txt\n".encode("latin-1")
    )
    report = validate_bag(bag)
    assert report.valid, [str(p) for p in report.problems]


def test_two_files_differing_only_in_normalization_are_valid_with_warnings(
    make_bag: BagMaker,
) -> None:
    nfc = unicodedata.normalize("NFC", "data/é.txt")
    nfd = unicodedata.normalize("NFD", "data/é.txt")
    bag = make_bag({nfc: b"composed", nfd: b"decomposed"})
    report = validate_bag(bag)
    assert report.valid, [str(p) for p in report.errors]
    assert {"normalization-collision", "case-collision"} <= set(codes(report, "warning"))


def test_one_file_listed_under_two_normalizations_fails_in_1_0(make_bag: BagMaker) -> None:
    nfc = unicodedata.normalize("NFC", "data/é.txt")
    nfd = unicodedata.normalize("NFD", "data/é.txt")
    bag = make_bag({nfc: b"x"})
    for algorithm in ("sha256", "sha512"):
        digest = sha(algorithm, b"x")
        (bag / f"manifest-{algorithm}.txt").write_text(f"{digest}  {nfc}\n{digest}  {nfd}\n")
    write_tag_manifests(bag)
    report = validate_bag(bag)
    assert set(codes(report, "error")) == {"manifest-duplicate-entry"}


@pytest.mark.parametrize(
    "bag_info",
    ["Payload-Oxum: " + "9" * 5000 + ".1\n", "Payload-Oxum: 6.1\nPayload-Oxum: caf\udce9\n"],
)
def test_absurd_payload_oxum_values(make_bag: BagMaker, bag_info: str) -> None:
    bag = make_bag(bag_info="x")
    (bag / "bag-info.txt").write_bytes(bag_info.encode("utf-8", "surrogateescape"))
    write_tag_manifests(bag)
    report = validate_bag(bag)
    no_crash(report)
    assert not report.valid
    import json

    json.dumps(report.to_dict(), ensure_ascii=False).encode("utf-8")


def test_absurd_fetch_length(make_bag: BagMaker) -> None:
    bag = make_bag()
    (bag / "fetch.txt").write_text(f"https://example.org/a {'9' * 5000} data/hello.txt\n")
    write_tag_manifests(bag)
    report = validate_bag(bag)
    no_crash(report)
    assert "fetch-length-invalid" in codes(report, "error")


def test_nul_in_the_bag_path_is_reported(tmp_path: Path) -> None:
    report = validate_bag(str(tmp_path / "a\x00b"))
    assert codes(report) == ["bag-not-found"]


def test_literal_percent_25_is_an_error_in_1_0_when_only_that_file_exists(
    make_bag: BagMaker,
) -> None:
    bag = make_bag({"data/a%25b.txt": b"x"}, algorithms=("sha256",))
    (bag / "manifest-sha256.txt").write_text(f"{sha('sha256', b'x')}  data/a%25b.txt\n")
    write_tag_manifests(bag, ("sha256",))
    report = validate_bag(bag)
    assert codes(report, "error") == ["percent-not-encoded"]
    # Both spellings on disk: the RFC's reading wins, the other file is extra.
    (bag / "data" / "a%b.txt").write_bytes(b"x")
    report = validate_bag(bag)
    assert sorted(codes(report, "error")) == ["file-not-in-manifest", "payload-oxum-mismatch"]


def test_bag_info_single_elements_and_bag_count(make_bag: BagMaker) -> None:
    info = "Payload-Oxum: 6.1\nBagging-Date: 2026-01-01\nBagging-Date: 2026-01-02\nBag-Count: one\n"
    bag = make_bag(bag_info=info)
    report = validate_bag(bag)
    assert report.valid
    assert sorted(codes(report, "warning")) == ["bag-count-malformed", "bag-info-repeated"]
    assert validate_bag(make_bag(bag_info="Bag-Count: 3 of ?\n", name="b2")).warnings == []


def test_latin1_names_on_disk_and_in_a_latin1_manifest(make_bag: BagMaker) -> None:
    on_disk = b"data/caf\xe9.txt".decode("utf-8", "surrogateescape")
    bag = make_bag({on_disk: b"x"}, algorithms=("sha256",), tag_manifests=False)
    (bag / "bagit.txt").write_text("BagIt-Version: 0.97\nTag-File-Character-Encoding: ISO-8859-1\n")
    (bag / "manifest-sha256.txt").write_bytes(
        sha("sha256", b"x").encode() + b"  data/caf\xe9.txt\n"
    )
    report = validate_bag(bag)
    assert report.valid, [str(p) for p in report.problems]
    assert set(codes(report, "warning")) == {"file-name-encoding", "file-name-not-utf8"}
    assert report.warnings[0].path == "data/caf\\xe9.txt"


def test_unencodable_name_in_a_latin1_bag_is_just_missing(make_bag: BagMaker) -> None:
    bag = make_bag(algorithms=("sha256",), tag_manifests=False)
    (bag / "bagit.txt").write_text("BagIt-Version: 0.97\nTag-File-Character-Encoding: cp1252\n")
    (bag / "manifest-sha256.txt").write_bytes(
        f"{sha('sha256', b'hello' + bytes([10]))}  data/hello.txt\n".encode()
        + b"0" * 64
        + b"  data/\x81\x8d.txt\n"
    )
    report = validate_bag(bag)
    no_crash(report)
