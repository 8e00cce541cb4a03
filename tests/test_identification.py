"""Format identification (real siegfried via pygfried) and encoding detection."""

from __future__ import annotations

import codecs
import json
import os
import shutil
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from preserve.errors import IntakeError
from preserve.identification import (
    SAMPLE_SIZE,
    decode_text,
    detect_encoding,
    identify,
    siegfried_signature,
    siegfried_version,
)
from preserve_testdata import BORN_DIGITAL, MAGAZINE_OCR, RAW

# A 1x1 transparent PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000a49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)
LATIN1 = "Les élèves de l'école reçoivent à Noël des crêpes et du café.\n" * 3


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def test_plain_utf8_sample_from_raw(tmp_path: Path) -> None:
    path = tmp_path / BORN_DIGITAL
    shutil.copyfile(RAW / BORN_DIGITAL, path)
    found = identify(path)
    assert found.size == path.stat().st_size
    assert found.media_type == "text/plain"
    assert found.puid == "x-fmt/111"
    assert found.format_name == "Plain Text File"
    assert "text match" in found.basis
    assert (found.encoding, found.encoding_basis, found.is_text) == ("utf-8", "valid utf-8", True)
    assert found.warnings == ()
    assert decode_text(path.read_bytes(), found.encoding) == path.read_text(encoding="utf-8")


def test_magazine_sample_is_text(raw_copy: Path) -> None:
    found = identify(raw_copy / MAGAZINE_OCR)
    assert found.is_text and found.encoding in ("ascii", "utf-8")
    assert not found.encoding_is_guess


def test_ascii(tmp_path: Path) -> None:
    found = identify(write(tmp_path, "a.txt", b"just ASCII\r\nlines\tand tabs\f\n"))
    assert (found.encoding, found.encoding_basis) == ("ascii", "ascii")


def test_utf8_with_bom(tmp_path: Path) -> None:
    data = codecs.BOM_UTF8 + "Grüße\n".encode()
    found = identify(write(tmp_path, "bom.txt", data))
    assert (found.encoding, found.encoding_basis, found.is_text) == ("utf-8-sig", "bom", True)
    assert decode_text(data, found.encoding) == "Grüße\n"


@pytest.mark.parametrize(
    ("codec", "bom", "expected"),
    [
        ("utf-16-le", codecs.BOM_UTF16_LE, "utf-16-le"),
        ("utf-16-be", codecs.BOM_UTF16_BE, "utf-16-be"),
        ("utf-32-le", codecs.BOM_UTF32_LE, "utf-32-le"),
        ("utf-32-be", codecs.BOM_UTF32_BE, "utf-32-be"),
    ],
)
def test_utf16_and_utf32_with_bom(tmp_path: Path, codec: str, bom: bytes, expected: str) -> None:
    text = "Grüße aus Köln, naïve café\n"
    data = bom + text.encode(codec)
    found = identify(write(tmp_path, f"{codec}.txt", data))
    assert (found.encoding, found.encoding_basis, found.is_text) == (expected, "bom", True)
    assert decode_text(data, found.encoding) == text  # the BOM is not kept as U+FEFF


def test_latin1_is_a_recorded_guess(tmp_path: Path) -> None:
    data = LATIN1.encode("latin-1")
    found = identify(write(tmp_path, "latin.txt", data))
    assert found.is_text
    assert found.encoding == "cp1252"
    assert found.encoding_is_guess
    assert found.encoding_basis.startswith("charset-normalizer guess (confidence ")
    assert "whole file" in found.encoding_basis
    assert any("guess" in warning for warning in found.warnings)
    assert decode_text(data, found.encoding) == LATIN1


def test_cyrillic_legacy_encoding_is_guessed(tmp_path: Path) -> None:
    text = "Привет, как дела? Всё хорошо, спасибо. Мы поедем в Москву завтра.\n" * 3
    found = identify(write(tmp_path, "ru.txt", text.encode("cp1251")))
    assert found.encoding == "cp1251" and found.encoding_is_guess


def test_png_is_binary(tmp_path: Path) -> None:
    found = identify(write(tmp_path, "pixel.png", PNG))
    assert (found.puid, found.media_type, found.format_version) == ("fmt/11", "image/png", "1.0")
    assert (found.encoding, found.encoding_basis, found.is_text) == (None, "binary", False)


def test_nul_bytes_in_a_txt_file_are_binary(tmp_path: Path) -> None:
    found = identify(write(tmp_path, "nul.txt", b"text\x00with\x00nuls\n"))
    assert (found.encoding, found.encoding_basis, found.is_text) == (None, "binary", False)
    assert found.media_type == "application/octet-stream"


def test_control_heavy_is_binary() -> None:
    assert detect_encoding(b"abc\x01\x02\x03def\x04\x05") == (None, "binary")
    # one stray control character in ordinary text is still text
    assert detect_encoding(b"a" * 200 + b"\x1b" + b"b" * 200) == ("ascii", "ascii")


def test_utf16_without_bom_is_not_claimed_as_text(tmp_path: Path) -> None:
    found = identify(write(tmp_path, "nobom.txt", "hello world".encode("utf-16-le")))
    assert found.encoding is None and not found.is_text


def test_empty(tmp_path: Path) -> None:
    found = identify(write(tmp_path, "empty.txt", b""))
    assert (found.size, found.encoding, found.encoding_basis) == (0, None, "empty")
    assert not found.is_text
    assert detect_encoding(b"") == (None, "empty")


def test_invalid_utf8(tmp_path: Path) -> None:
    data = b"valid start " + b"\xc3\x28 broken \xff\xfe end"
    path = write(tmp_path, "bad.txt", data)
    found = identify(path)
    assert found.encoding != "utf-8"
    with pytest.raises(IntakeError, match=r"byte 12 is not valid utf-8.*convert the file"):
        decode_text(data, "utf-8")


def test_decode_text_refuses_binary_with_a_reason() -> None:
    with pytest.raises(IntakeError, match="not text"):
        decode_text(PNG, None)
    with pytest.raises(IntakeError, match="not an encoding"):
        decode_text(b"x", "no-such-codec")
    assert decode_text(b"", None) == ""


def test_truncated_sample_is_not_an_error() -> None:
    data = "Grüß".encode() * 10
    assert detect_encoding(data[:-1], complete=False) == ("utf-8", "valid utf-8")
    assert detect_encoding(data[:-1], complete=True)[0] != "utf-8"


def test_names_with_spaces_and_non_ascii(tmp_path: Path) -> None:
    for name in ("with space.txt", "Grüße é ü.txt", "per%cent and\nnewline.txt", "日本語.txt"):
        found = identify(write(tmp_path, name, "Grüße\n".encode()))
        assert (found.puid, found.encoding) == ("x-fmt/111", "utf-8"), name


def test_missing_folder_and_symlink_are_refused(tmp_path: Path) -> None:
    with pytest.raises(IntakeError, match="cannot open"):
        identify(tmp_path / "missing.txt")
    with pytest.raises(IntakeError, match="not a regular file"):
        identify(tmp_path)
    target = write(tmp_path, "target.txt", b"x")
    (tmp_path / "link.txt").symlink_to(target)
    with pytest.raises(IntakeError, match="symbolic link"):
        identify(tmp_path / "link.txt")


def test_given_sample_is_used(tmp_path: Path) -> None:
    data = "Grüße\n".encode() * 100
    path = write(tmp_path, "s.txt", data)
    assert identify(path, sample=data[:50]).encoding == "utf-8"


def test_to_dict_is_json(tmp_path: Path) -> None:
    found = identify(write(tmp_path, "a.txt", b"x"))
    data = json.loads(json.dumps(found.to_dict()))
    assert data["puid"] == "x-fmt/111" and data["warnings"] == []


def test_siegfried_version_and_signature() -> None:
    assert siegfried_version()[0].isdigit()
    assert "DROID" in siegfried_signature()


def _one_line(path: Path, size: int, unit: bytes, tail: bytes = b"") -> Path:
    """About ``size`` bytes of ``unit`` repeated, no newline, then ``tail``; 1 MiB writes."""
    block = unit * (SAMPLE_SIZE // len(unit))
    body = size - len(tail)
    with path.open("wb") as out:
        for _ in range(body // len(block)):
            out.write(block)
        out.write(unit * ((body % len(block)) // len(unit)))
        out.write(tail)
    return path


def test_100_mb_one_line_is_streamed_in_flat_memory(tmp_path: Path) -> None:
    path = _one_line(tmp_path / "big.txt", 100_000_000, "é".encode())
    tracemalloc.start()
    found = identify(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert (found.encoding, found.encoding_basis) == ("utf-8", "valid utf-8")
    assert found.size == path.stat().st_size
    assert peak < 16 * SAMPLE_SIZE, peak  # a few 1 MiB buffers, never the whole file


def test_invalid_byte_after_the_first_mebibyte(tmp_path: Path) -> None:
    path = _one_line(tmp_path / "mixed.txt", 3 * SAMPLE_SIZE, b"a", tail=b" caf\xe9 au lait")
    found = identify(path)
    assert found.encoding != "utf-8"
    assert found.encoding_is_guess
    assert any("not valid UTF-8 from byte" in warning for warning in found.warnings)


def test_nul_after_the_first_mebibyte_is_binary(tmp_path: Path) -> None:
    path = _one_line(tmp_path / "late-nul.txt", 2 * SAMPLE_SIZE + 10, b"a", tail=b"\x00\x00")
    found = identify(path)
    assert (found.encoding, found.is_text) == (None, False)
    assert any("NUL" in warning for warning in found.warnings)


def test_non_ascii_after_the_first_mebibyte_is_utf8(tmp_path: Path) -> None:
    path = _one_line(tmp_path / "late.txt", 2 * SAMPLE_SIZE, b"a", tail="→ fin".encode())
    assert identify(path).encoding == "utf-8"


def test_name_that_is_not_utf8(tmp_path: Path) -> None:
    raw_name = os.fsencode(tmp_path) + b"/caf\xe9 menu.txt"
    with open(raw_name, "wb") as out:
        out.write("Grüße\n".encode())
    found = identify(os.fsdecode(raw_name))
    assert (found.puid, found.encoding) == ("x-fmt/111", "utf-8")
    assert "extension match txt" in found.basis


def test_guess_on_a_large_file_says_it_saw_only_the_first_mebibyte(tmp_path: Path) -> None:
    path = _one_line(tmp_path / "big-latin.txt", 3 * SAMPLE_SIZE, LATIN1.encode("latin-1"))
    found = identify(path)
    assert found.encoding == "cp1252"
    assert "first 1 MiB" in found.encoding_basis


@pytest.mark.parametrize(
    "text",
    [
        "Les élèves de l'école reçoivent à Noël des crêpes.\n",
        "café crème brûlée\n",
        "Grüße aus München, schöne Äpfel.\n" * 5,
    ],
)
def test_western_legacy_text_prefers_cp1252(text: str) -> None:
    assert detect_encoding(text.encode("latin-1"))[0] == "cp1252"


_TEXT = st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=200).filter(
    lambda text: not text.startswith("\ufeff")
)


@given(_TEXT)
def test_utf8_is_always_recognised_and_round_trips(text: str) -> None:
    data = text.encode("utf-8")
    encoding, basis = detect_encoding(data)
    if not data:
        assert (encoding, basis) == (None, "empty")
        return
    assert (encoding, basis) in (("ascii", "ascii"), ("utf-8", "valid utf-8"))
    assert decode_text(data, encoding) == text


@given(_TEXT, st.sampled_from(["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"]))
def test_bom_text_round_trips(text: str, codec: str) -> None:
    bom = {
        "utf-16-le": codecs.BOM_UTF16_LE,
        "utf-16-be": codecs.BOM_UTF16_BE,
        "utf-32-le": codecs.BOM_UTF32_LE,
        "utf-32-be": codecs.BOM_UTF32_BE,
    }[codec]
    data = bom + text.encode(codec)
    encoding, basis = detect_encoding(data)
    assert basis == "bom"
    assert decode_text(data, encoding) == text


def _bytes_read() -> int:
    with open("/proc/self/io") as io:
        return next(int(line.split()[1]) for line in io if line.startswith("rchar"))


def test_a_binary_file_is_identified_from_its_first_bytes_not_all_of_them(tmp_path) -> None:
    """A NUL byte near the start (no byte-order mark) makes a file binary: identification
    reads no further than siegfried's signatures need, not a 1 MiB sample of every file."""
    from preserve.identification import identify

    picture = tmp_path / "scan.bin"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + os.urandom(8 << 20))
    identify(picture)  # siegfried loads its signatures once
    before = _bytes_read()
    found = identify(picture)
    read = _bytes_read() - before
    assert (found.encoding, found.encoding_basis, found.is_text) == (None, "binary", False)
    assert read < 512 << 10, f"read {read:,} bytes of an 8 MiB file"
