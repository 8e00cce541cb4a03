"""Page images beside their OCR, and any identified non-text format, are preserved normally:
only unidentified content, undecodable text or a real problem needs attention (issue 12.9)."""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

import pytest
from ingest_helpers import packages_in, run_ingest
from typer.testing import CliRunner

import preserve.cli

OCR = "The first page of the parish register,\nas the scanner read it.\n"


def tiff_page() -> bytes:
    """A real baseline TIFF: one 8-bit grey pixel, uncompressed (siegfried: fmt/353)."""
    tags = [(256, 3, 1), (257, 3, 1), (258, 3, 8), (259, 3, 1), (262, 3, 1), (273, 4, 0)]
    tags += [(277, 3, 1), (278, 3, 1), (279, 4, 1)]
    pixels_at = 8 + 2 + len(tags) * 12 + 4
    ifd = struct.pack("<H", len(tags))
    for tag, kind, value in tags:
        value = pixels_at if tag == 273 else value
        layout = "<HHIHH" if kind == 3 else "<HHII"
        ifd += (
            struct.pack(layout, tag, kind, 1, value, 0)
            if kind == 3
            else struct.pack(layout, tag, kind, 1, value)
        )
    return b"II*\x00" + struct.pack("<I", 8) + ifd + struct.pack("<I", 0) + b"\x80"


def png_page() -> bytes:
    """A real PNG: one grey pixel (siegfried: fmt/11)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x80"))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def scans(tmp_path: Path) -> Path:
    source = tmp_path / "raw"
    page_folder = source / "register-1851"
    page_folder.mkdir(parents=True)
    (page_folder / "page-1.tif").write_bytes(tiff_page())
    (page_folder / "page-1.txt").write_text(OCR)
    (source / "cover.png").write_bytes(png_page())
    return source


def test_page_images_beside_their_ocr_are_preserved_normally(scans: Path, out: Path) -> None:
    outcomes = {o.name: o for o in run_ingest(scans, out)}
    for name in ("register-1851", "cover.png"):
        assert outcomes[name].status == "ingested"
        assert outcomes[name].reasons == [], outcomes[name].reasons
        assert not outcomes[name].needs_attention
    bag = out / (outcomes["register-1851"].package or "")
    description = json.loads((bag / "data" / "metadata" / "item.json").read_text("utf-8"))
    formats = {f["original_name"]: f["identification"]["puid"] for f in description["files"]}
    assert formats == {
        "register-1851/page-1.tif": "fmt/353",
        "register-1851/page-1.txt": "x-fmt/111",
    }
    assert (bag / "data" / "derived" / "register-1851" / "page-1.txt.repaired.txt").is_file()
    assert not list((bag / "data" / "derived").rglob("page-1.tif*"))


@pytest.mark.slow
def test_a_scan_project_ingest_exits_0(scans: Path, tmp_path: Path) -> None:
    """A nightly ingest of a scan project must not always "fail"."""
    result = CliRunner().invoke(
        preserve.cli.app, ["ingest", str(scans), "--out", str(tmp_path / "out"), "--json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["counts"]["attention"] == 0 and summary["ok"]
    assert len(packages_in(tmp_path / "out")) == 2
