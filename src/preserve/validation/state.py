"""What a bag check knows as it goes, shared by its parts (manifests, fetch.txt, matching).

:class:`CheckState` holds the scan of the bag, the manifests read so far and what they
list; :mod:`~preserve.validation.manifests`, :mod:`~preserve.validation.fetch` and
:mod:`~preserve.validation.matching` each add the steps of one seam, and
:mod:`~preserve.validation.validator` runs them in order.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from preserve.report import Report, Severity
from preserve.validation.paths import normalized, shown
from preserve.validation.scan import BagTree, DiskFile
from preserve.validation.tagfiles import BagDeclaration, TextLines, UnsafeFile, open_regular

MANIFEST_NAME = re.compile(r"(tag)?manifest-(.+)\.txt")


@dataclass
class Manifest:
    """One manifest file: its algorithm and its entries by cleaned path."""

    name: str
    algorithm: str
    tag: bool
    supported: bool
    entries: dict[str, bytes] = field(default_factory=dict)
    """Checksums as bytes: half the memory of hex text, which matters at 100,000 entries."""
    literal: dict[str, str] = field(default_factory=dict)
    """Entries whose name changes when %25/%0A/%0D are decoded: the name as written."""


def stored_checksum(checksum: str) -> bytes:
    """A hex checksum as bytes (an odd-length one, of an unknown algorithm, as its text)."""
    return bytes.fromhex(checksum) if len(checksum) % 2 == 0 else checksum.lower().encode()


def checksum_hex(stored: bytes) -> str:
    """A stored checksum as the hex a report shows."""
    return stored.hex()


class CheckState:
    """The bag being checked, what was found so far, and the helpers every step uses."""

    def __init__(
        self,
        root: Path,
        report: Report,
        mode: str,
        processes: int,
        progress: Callable[[int], None] | None,
    ) -> None:
        self.root = root
        self.report = report
        self.mode = mode
        self.processes = processes
        self.progress = progress
        self.declaration = BagDeclaration()
        self.version: tuple[int, int] = (1, 0)
        self.encoding = "utf-8"
        self.tree = BagTree()
        self.payload: dict[str, DiskFile] = {}
        self.tags: dict[str, DiskFile] = {}
        self.nfc_payload: dict[str, list[str]] = {}
        self.nfc_tags: dict[str, list[str]] = {}
        self.manifests: list[Manifest] = []
        self.fetch: dict[str, tuple[str, str]] = {}
        self.listed: dict[str, int] = {}
        """Disk path -> bit mask of the manifests (index in self.manifests) listing it."""
        self.extra_checks: dict[str, list[tuple[int, str, bytes]]] = {}
        """Checks not found by the disk path itself: repeated entries, other normalizations."""
        self.duplicates: list[tuple[Manifest, str, bytes]] = []
        self.folded_payload: dict[str, list[str]] | None = None
        self.on_digest: Callable[[str, dict[str, str]], None] | None = None

    # -- helpers ---------------------------------------------------------------------

    def add(self, severity: Severity, code: str, path: str, message: str, **facts: object) -> None:
        self.report.add(severity, code, shown(path), message, **facts)

    @property
    def legacy_names(self) -> bool:
        """Tag files in another encoding than UTF-8: names on disk may be in it too."""
        try:
            return codecs.lookup(self.encoding).name != "utf-8"
        except LookupError:
            return False

    @property
    def legacy(self) -> bool:
        """Drafts before 1.0 allowed some things 1.0 forbids (reported as warnings)."""
        return self.version < (1, 0)

    def strictness(self) -> Severity:
        return "warning" if self.legacy else "error"

    def _lines(self, relative: str) -> tuple[TextLines, BinaryIO] | None:
        disk = self.tags.get(relative)
        if disk is None:
            return None
        reader = TextLines(relative, self.encoding, strict_bom=not self.legacy)
        try:
            stream = open_regular(self.root / relative, disk.identity)
        except (OSError, UnsafeFile) as error:
            self.add("error", "unreadable", relative, f"{relative} could not be read: {error}.")
            return None
        return reader, stream

    def _candidates(
        self, path: str, files: dict[str, DiskFile], index: dict[str, list[str]]
    ) -> list[str]:
        """Disk files a manifest name can mean: itself, else its other normalizations."""
        if path in files:
            return [path]
        key = normalized(path)
        found = [key] if key != path and key in files else []
        return found + [p for p in index.get(key, ()) if p not in found]

    def _reported_already(self, path: str) -> bool:
        """A link, special file or unreadable entry (or a file under one) was reported as such."""
        tree = self.tree
        if not (tree.symlinks or tree.special or tree.unreadable):
            return False
        parts = path.split("/")
        for end in range(len(parts), 0, -1):
            prefix = "/".join(parts[:end])
            if prefix in tree.symlinks or prefix in tree.special or prefix in tree.unreadable:
                return True
        return False
