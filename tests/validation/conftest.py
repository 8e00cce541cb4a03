"""Fixtures for the validator tests: private copies of bags, and small bags built on demand."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

CONFORMANCE = Path(__file__).resolve().parent.parent / "data" / "bagit-conformance"


def copy_bag(source: Path, target_parent: Path) -> Path:
    """Copy a bag byte for byte into ``target_parent`` (tests never touch tests/data)."""
    target = target_parent / source.name
    shutil.copytree(source, target, symlinks=True)
    for path in target.rglob("*"):
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | 0o200)
    return target


BagMaker = Callable[..., Path]


@pytest.fixture
def make_bag(tmp_path: Path) -> BagMaker:
    """Write a small, valid BagIt 1.0 bag by hand (no bagit-python), then let tests break it.

    ``files`` maps payload paths (under data/) to bytes; ``algorithms`` picks manifests.
    """

    def build(
        files: dict[str, bytes] | None = None,
        *,
        name: str = "bag",
        algorithms: tuple[str, ...] = ("sha256", "sha512"),
        version: str = "1.0",
        bag_info: str | None = None,
        tag_manifests: bool = True,
        parent: Path | None = None,
    ) -> Path:
        files = {"data/hello.txt": b"hello\n"} if files is None else files
        root = (parent or tmp_path) / name
        root.mkdir(parents=True)
        (root / "data").mkdir()
        for relative, content in files.items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        (root / "bagit.txt").write_bytes(
            f"BagIt-Version: {version}\nTag-File-Character-Encoding: UTF-8\n".encode()
        )
        if bag_info is None:
            total = sum(len(c) for c in files.values())
            bag_info = f"Source-Organization: Test\nPayload-Oxum: {total}.{len(files)}\n"
        (root / "bag-info.txt").write_bytes(bag_info.encode())
        for algorithm in algorithms:
            lines = "".join(
                f"{hashlib.new(algorithm, content).hexdigest()}  {encode(relative)}\n"
                for relative, content in sorted(files.items())
            )
            (root / f"manifest-{algorithm}.txt").write_bytes(
                lines.encode("utf-8", "surrogateescape")
            )
        if tag_manifests:
            write_tag_manifests(root, algorithms)
        return root

    return build


def encode(path: str) -> str:
    return path.replace("%", "%25").replace("\n", "%0A").replace("\r", "%0D")


def write_tag_manifests(root: Path, algorithms: tuple[str, ...] = ("sha256", "sha512")) -> None:
    """(Re)write tag manifests over every tag file except tag manifests."""
    for old in root.glob("tagmanifest-*.txt"):
        old.unlink()
    tags = sorted(
        p
        for p in root.iterdir()
        if p.is_file() and not p.is_symlink() and not p.name.startswith("tagmanifest-")
    )
    for algorithm in algorithms:
        lines = "".join(
            f"{hashlib.new(algorithm, p.read_bytes()).hexdigest()}  {p.name}\n" for p in tags
        )
        (root / f"tagmanifest-{algorithm}.txt").write_bytes(lines.encode())


def codes(report, severity: str | None = None) -> list[str]:
    return [p.code for p in report.problems if severity is None or p.severity == severity]
