"""Property tests: no input crashes the tag-file and manifest parsers; a written bag
validates; flipping one payload byte yields exactly one checksum error per algorithm."""

from __future__ import annotations

import hashlib
import io
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from preserve.validation import validate_bag
from preserve.validation.paths import check_path, decode_path, encode_path, shown
from preserve.validation.tagfiles import (
    TextLines,
    parse_bag_info,
    parse_bagit_txt,
    parse_fetch_line,
    parse_manifest_line,
)

from .conftest import codes, write_tag_manifests

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ENCODINGS = ["UTF-8", "UTF-16", "utf-16-le", "ISO-8859-1", "shift_jis", "cp1252"]
TAG_TEXT = st.text(
    alphabet=st.sampled_from(list("abc:%25 \t\r\n0aAdD./~\\-_é\u0301\ufeff\x00\udc80"))
    | st.characters(),
    max_size=200,
)


@FAST
@given(st.binary(max_size=300))
def test_bagit_txt_parser_never_raises(data: bytes) -> None:
    declaration = parse_bagit_txt(data)
    assert declaration.version is None or isinstance(declaration.version, tuple)


@FAST
@given(TAG_TEXT)
def test_line_parsers_never_raise(text: str) -> None:
    parsed = parse_manifest_line(text)
    if parsed is not None:
        checksum, path = parsed
        assert checksum and path
    parse_fetch_line(text)
    checked = check_path(decode_path(text))
    if checked.unsafe is None:
        assert ".." not in checked.path.replace("\\", "/").split("/")
        assert not checked.path.startswith(("/", "~"))
    shown(text)


@FAST
@given(TAG_TEXT, st.booleans())
def test_bag_info_parser_never_raises(text: str, strict: bool) -> None:
    info = parse_bag_info(text, strict=strict)
    for label, _value in info.elements:
        assert ":" not in label


@FAST
@given(st.text(max_size=100))
def test_percent_encoding_round_trips(name: str) -> None:
    assert decode_path(encode_path(name)) == name


@FAST
@given(st.binary(max_size=2000), st.sampled_from(ENCODINGS), st.integers(1, 64))
def test_tag_file_reader_never_raises(data: bytes, encoding: str, max_chars: int) -> None:
    reader = TextLines("manifest-sha256.txt", encoding, strict_bom=True, max_chars=max_chars)
    for number, text in reader.read(io.BufferedReader(io.BytesIO(data))):  # type: ignore[arg-type]
        assert number >= 1
        assert "\n" not in text or reader.problems


def _write_bag(root: Path, files: dict[str, bytes], version: str = "1.0") -> Path:
    (root / "data").mkdir(parents=True)
    for relative, content in files.items():
        (root / relative).write_bytes(content)
    (root / "bagit.txt").write_text(
        f"BagIt-Version: {version}\nTag-File-Character-Encoding: UTF-8\n", encoding="utf-8"
    )
    total = sum(len(c) for c in files.values())
    (root / "bag-info.txt").write_text(f"Payload-Oxum: {total}.{len(files)}\n")
    for algorithm in ("sha256", "sha512"):
        (root / f"manifest-{algorithm}.txt").write_bytes(
            "".join(
                f"{hashlib.new(algorithm, c).hexdigest()}  {encode_path(p)}\n"
                for p, c in sorted(files.items())
            ).encode("utf-8", "surrogateescape")
        )
    write_tag_manifests(root)
    return root


NAMES = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs",), blacklist_characters="/\x00", min_codepoint=1
    ),
    min_size=1,
    max_size=20,
).filter(lambda n: n not in (".", "..") and len(n.encode()) < 200)
PAYLOADS = st.dictionaries(NAMES, st.binary(max_size=300), min_size=1, max_size=5)


@settings(max_examples=60, deadline=None)
@given(PAYLOADS)
def test_a_bag_written_then_validated_is_valid(payload: dict[str, bytes]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        bag = _write_bag(Path(folder) / "bag", {f"data/{n}": c for n, c in payload.items()})
        report = validate_bag(bag)
        assert report.valid, [str(p) for p in report.errors]


@settings(max_examples=60, deadline=None)
@given(PAYLOADS.filter(lambda p: any(p.values())), st.data())
def test_flipping_one_byte_gives_one_checksum_error_per_algorithm(
    payload: dict[str, bytes], data: st.DataObject
) -> None:
    victim = data.draw(st.sampled_from(sorted(n for n, c in payload.items() if c)))
    position = data.draw(st.integers(0, len(payload[victim]) - 1))
    with tempfile.TemporaryDirectory() as folder:
        bag = _write_bag(Path(folder) / "bag", {f"data/{n}": c for n, c in payload.items()})
        corrupted = bytearray(payload[victim])
        corrupted[position] ^= 0x01
        (bag / "data" / victim).write_bytes(bytes(corrupted))
        report = validate_bag(bag)
        assert [(p.code, p.path, p.facts["algorithm"]) for p in report.errors] == [
            ("checksum-mismatch", shown(f"data/{victim}"), "sha256"),
            ("checksum-mismatch", shown(f"data/{victim}"), "sha512"),
        ]


TAG_FILES = [
    "bagit.txt",
    "bag-info.txt",
    "manifest-sha256.txt",
    "tagmanifest-sha256.txt",
    "fetch.txt",
]


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(TAG_FILES),
    st.binary(max_size=400) | TAG_TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")),
)
def test_no_tag_file_content_crashes_the_validator(name: str, content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        bag = _write_bag(Path(folder) / "bag", {"data/a.txt": b"a", "data/b c.txt": b"b"})
        (bag / name).write_bytes(content)
        for processes in (1,):
            report = validate_bag(bag, processes=processes)
            assert "internal-error" not in codes(report), [str(p) for p in report.problems]
        shutil.rmtree(bag)


DECLARED = [
    "UTF-8",
    "UTF-16",
    "UTF-16LE",
    "UTF-32",
    "ISO-8859-1",
    "cp1252",
    "shift_jis",
    "utf-7",
    "idna",
    "punycode",
    "utf-8-sig",
    "undefined",
    "iso2022_jp",
    "rot13",
]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(DECLARED), st.binary(max_size=300), st.binary(max_size=200))
def test_any_declared_encoding_and_bytes_do_not_crash(
    encoding: str, manifest: bytes, info: bytes
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        bag = _write_bag(Path(folder) / "bag", {"data/a": b"a"})
        (bag / "bagit.txt").write_text(
            f"BagIt-Version: 0.97\nTag-File-Character-Encoding: {encoding}\n"
        )
        (bag / "manifest-sha256.txt").write_bytes(manifest)
        (bag / "bag-info.txt").write_bytes(info)
        (bag / "fetch.txt").write_bytes(manifest[::-1])
        report = validate_bag(bag)
        assert "internal-error" not in codes(report), [str(p) for p in report.problems]
