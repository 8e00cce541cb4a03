"""Validate a BagIt bag (RFC 8493 and drafts 0.93-0.97): every problem, never a crash.

The order of work: walk the folder once (no symlink followed), read bagit.txt strictly,
stream every manifest and fetch.txt, match their paths to what is on disk, check
completeness and Payload-Oxum, then hash each listed file once for all its algorithms.

What comes from bagit-python: the list of checksum algorithms (hashlib's guaranteed
ones, as bagit-python's ``CHECKSUM_ALGOS``). What is ours, because
bagit-python 1.9.0 gets it wrong: bagit.txt parsing, percent-decoding, path safety,
Unicode normalization, fetch.txt rules, completeness across all manifests, and
collecting every problem instead of stopping at the first. One concession to
bagit-python's own bags: it writes ``%`` unencoded, so a name that exists on disk only as
written (``100%25.txt``) is matched and reported (``percent-not-encoded``).
"""

from __future__ import annotations

import codecs
import itertools
import os
import re
import sys
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from preserve.report import Problem, Report, Severity
from preserve.validation.hashing import HashJob, hash_files, hashlib_name, hex_length
from preserve.validation.paths import (
    check_path,
    decode_path,
    folded,
    has_undecodable,
    normalized,
    shown,
)
from preserve.validation.scan import BagTree, DiskFile, scan_bag
from preserve.validation.spool import SpooledReport
from preserve.validation.tagfiles import (
    MAX_BAG_INFO_BYTES,
    MAX_BAGIT_TXT_BYTES,
    BagDeclaration,
    BagInfo,
    TextLines,
    UnsafeFile,
    is_absolute_uri,
    open_regular,
    parse_bag_info,
    parse_bagit_txt,
    parse_fetch_line,
    parse_manifest_line,
    read_bounded,
)

_MANIFEST_NAME = re.compile(r"(tag)?manifest-(.+)\.txt")
_HEX = re.compile(r"[0-9a-fA-F]+")
_OXUM = re.compile(r"([0-9]{1,30})\.([0-9]{1,30})")
"""Thirty digits is more than any real count; Python refuses to parse very long ones."""
_BAG_COUNT = re.compile(r"[0-9]+ of ([0-9]+|\?)")
SINGLE_ELEMENTS = ("Bagging-Date", "Bag-Size", "Bag-Group-Identifier", "Bag-Count")
"""Reserved bag-info elements that SHOULD NOT be repeated (Payload-Oxum MUST NOT: an error)."""
SYSTEM_FILES = frozenset({".ds_store", "thumbs.db", "desktop.ini", "ehthumbs.db", ".directory"})
"""Operating-system clutter: legal payload, but rarely meant to be preserved."""


@dataclass
class _Manifest:
    """One manifest file: its algorithm and its entries by cleaned path."""

    name: str
    algorithm: str
    tag: bool
    supported: bool
    entries: dict[str, bytes] = field(default_factory=dict)
    """Checksums as bytes: half the memory of hex text, which matters at 100,000 entries."""
    literal: dict[str, str] = field(default_factory=dict)
    """Entries whose name changes when %25/%0A/%0D are decoded: the name as written."""


def _stored(checksum: str) -> bytes:
    """A hex checksum as bytes (an odd-length one, of an unknown algorithm, as its text)."""
    return bytes.fromhex(checksum) if len(checksum) % 2 == 0 else checksum.lower().encode()


def _hex(stored: bytes) -> str:
    return stored.hex()


def validate_bag(
    path: str | os.PathLike[str],
    *,
    fast: bool = False,
    completeness_only: bool = False,
    processes: int = 1,
    progress: Callable[[int], None] | None = None,
    on_digest: Callable[[str, dict[str, str]], None] | None = None,
) -> SpooledReport:
    """Check one bag folder and return a report of every problem found.

    ``fast``: completeness and Payload-Oxum only; ``completeness_only``: completeness,
    no hashing. ``processes > 1`` hashes files in a process pool. ``progress(n)`` is
    called with the number of bytes just hashed; ``on_digest(path, {algorithm: hex})``
    with each file's digests as computed from its bytes (hashlib names), so a caller
    that needs them (the audit) does not read the file again. Never raises for anything
    a bag contains: an unexpected failure is reported as ``internal-error`` (a bug).

    The report holds its first problems in ``problems`` and spools the rest (see
    :class:`~preserve.validation.spool.SpooledReport`): use ``iter_problems()`` for all.
    """
    report = SpooledReport(str(path))
    mode = "completeness" if completeness_only else "fast" if fast else "full"
    report.info.update(
        {
            "mode": mode,
            "bagit_version": None,
            "tag_file_encoding": None,
            "algorithms": [],
            "tag_algorithms": [],
            "payload_files": 0,
            "payload_bytes": 0,
            "tag_files": 0,
            "complete": False,
            # Whether checksums were compared: "verified", or "skipped" (--fast and
            # --completeness-only: a same-size change passes unseen).
            "checksums": "verified" if mode == "full" else "skipped",
            "processes": max(1, int(processes)),
        }
    )
    try:
        check = _BagCheck(Path(path), report, mode, max(1, int(processes)), progress)
        check.on_digest = on_digest
        check.run()
    except Exception as error:  # a crash is a bug, but the report must still come back
        report.add(
            "error",
            "internal-error",
            "",
            "The validator failed unexpectedly; this is a bug in preserve, please report it "
            "with this bag.",
            exception=f"{type(error).__name__}: {error}",
        )
    make_printable(report)
    return report


def _has_raw(value: object) -> bool:
    if isinstance(value, str):
        return has_undecodable(value)
    if isinstance(value, dict):
        return any(_has_raw(k) or _has_raw(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_has_raw(v) for v in value)
    return False


def _printable(value: object) -> object:
    if isinstance(value, str):
        return shown(value) if has_undecodable(value) else value
    if isinstance(value, dict):
        return {_printable(k): _printable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_printable(v) for v in value]
    return value


def make_printable(report: Report) -> None:
    """Undecodable bytes (kept as surrogates to match names on disk) must not reach a report:
    JSON output and terminals need valid UTF-8. Escaped as \\xNN where any slipped through."""
    for index, problem in enumerate(report.problems):
        if _has_raw([problem.path, problem.message, problem.facts]):
            report.problems[index] = Problem(
                problem.severity,
                problem.code,
                shown(problem.path),
                shown(problem.message),
                _printable(problem.facts),  # type: ignore[arg-type]
            )
    if _has_raw(report.info):
        report.info = _printable(report.info)  # type: ignore[assignment]
    if has_undecodable(report.subject):
        report.subject = shown(report.subject)


class _BagCheck:
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
        self.manifests: list[_Manifest] = []
        self.fetch: dict[str, tuple[str, str]] = {}
        self.listed: dict[str, int] = {}
        """Disk path -> bit mask of the manifests (index in self.manifests) listing it."""
        self.extra_checks: dict[str, list[tuple[int, str, bytes]]] = {}
        """Checks not found by the disk path itself: repeated entries, other normalizations."""
        self.duplicates: list[tuple[_Manifest, str, bytes]] = []
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

    # -- the steps -----------------------------------------------------------------

    def run(self) -> None:
        if not self._check_root():
            return
        self.tree = scan_bag(self.root)
        self.payload = self.tree.payload()
        self.tags = self.tree.tag_files()
        self.nfc_payload = _by_normal_form(self.payload)
        self.nfc_tags = _by_normal_form(self.tags)
        self._report_tree()
        self._read_declaration()
        self._check_payload_folder()
        self._find_manifests()
        for manifest in self.manifests:
            self._read_manifest(manifest)
        bag_info = self._read_bag_info()
        self._read_fetch()
        self._match_payload()
        self._match_tags()
        self._check_fetch_entries()
        self._check_oxum(bag_info)
        self._check_bag_info(bag_info)
        self._report_names()
        self._fill_info(bag_info)
        if self.mode == "full":
            self._verify_checksums()

    def _check_root(self) -> bool:
        try:
            if not self.root.exists():
                self.add(
                    "error",
                    "bag-not-found",
                    "",
                    f"{self.root} does not exist; give the path of a bag folder.",
                )
                return False
            if not self.root.is_dir():
                self.add(
                    "error",
                    "bag-not-a-folder",
                    "",
                    f"{self.root} is not a folder; give a bag folder or use validate_path "
                    "for an archive.",
                )
                return False
        except (OSError, ValueError) as error:
            self.add(
                "error",
                "bag-unreadable",
                "",
                f"{shown(str(self.root))} cannot be read ({error}); check the path.",
            )
            return False
        return True

    def _report_tree(self) -> None:
        for relative, target in sorted(self.tree.symlinks.items()):
            self.add(
                "error",
                "symlink",
                relative,
                "This is a symbolic link; a bag must hold real files and the validator never "
                "follows links. Replace it with the file it points to.",
                target=shown(target),
            )
        for relative, kind in sorted(self.tree.special.items()):
            self.add(
                "error",
                "special-file",
                relative,
                f"This is a {kind}, not a regular file; it was not read.",
                kind=kind,
            )
        for relative, reason in sorted(self.tree.unreadable.items()):
            self.add(
                "error",
                "unreadable",
                relative,
                f"This could not be read ({reason}); check its permissions.",
                reason=reason,
            )

    def _read_declaration(self) -> None:
        where = "bagit.txt"
        if where not in self.tags:
            if where not in self.tree.symlinks:
                self.add(
                    "error",
                    "bagit-txt-missing",
                    where,
                    "The bag has no bagit.txt; it is not a bag (or not its top folder).",
                )
            return
        data, truncated = self._read_small(where, MAX_BAGIT_TXT_BYTES)
        if data is None:
            return
        declaration = parse_bagit_txt(data)
        if truncated:
            declaration.problems.append(
                Problem(
                    "error",
                    "bagit-txt-malformed",
                    where,
                    "bagit.txt is far too large to be a bag declaration.",
                )
            )
        self.declaration = declaration
        self.report.extend(declaration.problems)
        if declaration.version is not None:
            self.version = declaration.version
            self.report.info["bagit_version"] = declaration.version_text
        if declaration.encoding is not None:
            self.encoding = declaration.encoding
            self.report.info["tag_file_encoding"] = declaration.encoding

    def _read_small(self, relative: str, limit: int) -> tuple[bytes | None, bool]:
        disk = self.tags.get(relative) or self.payload.get(relative)
        try:
            identity = disk.identity if disk else None
            with open_regular(self.root / relative, identity) as stream:
                return read_bounded(stream, limit)
        except (OSError, UnsafeFile) as error:
            self.add("error", "unreadable", relative, f"{relative} could not be read: {error}.")
            return None, False

    def _check_payload_folder(self) -> None:
        if "data" not in self.tree.folders and "data" not in self.tree.symlinks:
            self.add(
                "error",
                "payload-folder-missing",
                "data",
                "The bag has no data/ folder for its payload.",
            )

    def _find_manifests(self) -> None:
        for name in sorted(self.tags):
            match = _MANIFEST_NAME.fullmatch(name)
            if match is None:
                continue
            tag = match.group(1) is not None
            algorithm = match.group(2)
            if not re.fullmatch(r"[a-z0-9]+", algorithm):
                self.add(
                    "warning",
                    "manifest-name-not-normalized",
                    name,
                    "The algorithm in a manifest name should be lowercase letters and digits "
                    "only (e.g. manifest-sha512.txt).",
                    algorithm=algorithm,
                )
            supported = hashlib_name(algorithm) is not None
            if not supported:
                self.add(
                    "warning",
                    "unknown-algorithm",
                    name,
                    f"The checksum algorithm {algorithm!r} is unknown; its checksums cannot be "
                    "verified (completeness still is).",
                    algorithm=algorithm,
                )
            self.manifests.append(_Manifest(name, algorithm, tag, supported))
        payload = [m for m in self.manifests if not m.tag]
        self.report.info["algorithms"] = [m.algorithm for m in payload]
        self.report.info["tag_algorithms"] = [m.algorithm for m in self.manifests if m.tag]
        if not payload:
            self.add(
                "error",
                "payload-manifest-missing",
                "",
                "The bag has no payload manifest (manifest-<algorithm>.txt).",
            )
        elif self.mode == "full" and not any(m.supported for m in payload):
            self.add(
                "error",
                "no-supported-manifest",
                "",
                "No payload manifest uses an algorithm this validator knows, so no checksum "
                "can be verified; add a manifest-sha512.txt.",
            )
        if not self.legacy:
            tag_algorithms = {m.algorithm for m in self.manifests if m.tag}
            payload_algorithms = {m.algorithm for m in payload}
            for algorithm in sorted(tag_algorithms - payload_algorithms):
                self.add(
                    "notice",
                    "tag-manifest-algorithm-unmatched",
                    f"tagmanifest-{algorithm}.txt",
                    "Tag manifests should use the same algorithms as the payload manifests.",
                    algorithm=algorithm,
                )

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

    def _read_manifest(self, manifest: _Manifest) -> None:
        opened = self._lines(manifest.name)
        if opened is None:
            return
        reader, stream = opened
        length = hex_length(manifest.algorithm)
        seen_normal: dict[str, str] = {}
        seen_folded: dict[str, str] = {}
        with stream:
            for number, text in reader.read(stream):
                self._manifest_line(manifest, number, text, length, seen_normal, seen_folded)
        self.report.extend(reader.problems)

    def _manifest_line(
        self,
        manifest: _Manifest,
        number: int,
        text: str,
        length: int | None,
        seen_normal: dict[str, str],
        seen_folded: dict[str, str],
    ) -> None:
        name = manifest.name
        if text.strip() == "":
            self.add("notice", "manifest-blank-line", name, f"Line {number} is blank.", line=number)
            return
        parsed = parse_manifest_line(text)
        if parsed is None:
            self.add(
                "error",
                "manifest-line-malformed",
                name,
                f"Line {number} is not 'checksum path'.",
                line=number,
                found=shown(text[:200]),
            )
            return
        checksum, raw = parsed
        if not _HEX.fullmatch(checksum) or (length is not None and len(checksum) != length):
            self.add(
                "error",
                "checksum-malformed",
                name,
                f"Line {number}: {checksum[:140]!r} is not a {manifest.algorithm} checksum "
                "(hex digits of the right length).",
                line=number,
                algorithm=manifest.algorithm,
                found=shown(checksum[:200]),
            )
            return
        path = decode_path(raw)
        literal = raw if path != raw else None
        if path.startswith("*") and self._binary_marker(path, manifest):
            path = path[1:]
            literal = literal[1:] if literal and literal.startswith("*") else literal
            self.add(
                "warning",
                "manifest-binary-marker",
                name,
                f"Line {number} starts its path with '*' (md5sum's binary-mode marker); it was "
                "read as the path after it.",
                line=number,
            )
        checked = check_path(path)
        if checked.unsafe is not None:
            self.add(
                "error",
                "unsafe-path",
                path,
                f"{name} line {number} names a path outside the bag ({checked.unsafe}); it was "
                "not looked at.",
                manifest=name,
                line=number,
                reason=checked.unsafe,
            )
            return
        for code, message in checked.notes:
            self.add(
                "warning",
                code,
                path,
                f"{name} line {number}: {message}.",
                manifest=name,
                line=number,
            )
        path = checked.path
        in_payload = path.startswith("data/")
        if not manifest.tag and not in_payload:
            self.add(
                "error",
                "manifest-path-outside-payload",
                path,
                f"{name} line {number} names a file outside data/; payload manifests list "
                "payload files only.",
                manifest=name,
                line=number,
            )
            return
        if manifest.tag and in_payload:
            self.add(
                "error",
                "tag-manifest-lists-payload",
                path,
                f"{name} line {number} names a payload file; tag manifests list tag files only.",
                manifest=name,
                line=number,
            )
            return
        if manifest.tag and _MANIFEST_NAME.fullmatch(path) and path.startswith("tagmanifest-"):
            self.add(
                self.strictness(),
                "tag-manifest-lists-tag-manifest",
                path,
                f"{name} line {number} lists a tag manifest, which BagIt forbids.",
                manifest=name,
                line=number,
            )
        if path in self.tree.files:
            # The scan interned its names: this returns its string, and the entry adds no
            # copy. A name not on disk is not interned (the table would keep it too).
            path = sys.intern(path)
        stored = _stored(checksum)
        previous = manifest.entries.get(path)
        if previous is not None:
            if previous != stored:
                self.add(
                    "error",
                    "manifest-duplicate-entry-conflict",
                    path,
                    f"{name} lists this file more than once with different checksums.",
                    manifest=name,
                    line=number,
                    algorithm=manifest.algorithm,
                    first=_hex(previous),
                    again=_hex(stored),
                )
            else:
                self.add(
                    self.strictness(),
                    "manifest-duplicate-entry",
                    path,
                    f"{name} lists this file more than once.",
                    manifest=name,
                    line=number,
                )
            # Both checksums must hold: the second is checked like any entry.
            self.duplicates.append((manifest, path, stored))
            return
        other = _twin(manifest.entries, seen_normal, path, normalized(path))
        if other is not None:
            self.add(
                "warning",
                "normalization-collision",
                path,
                f"{name} lists this name and {shown(other)!r}, which differ only in Unicode "
                "normalization (NFC/NFD): the same file on macOS, two names elsewhere.",
                manifest=name,
                line=number,
                other=shown(other),
            )
        else:
            other = _twin(manifest.entries, seen_folded, path, folded(path))
            if other is not None:
                self.add(
                    "warning",
                    "case-collision",
                    path,
                    f"{name} lists this name and {shown(other)!r}, which differ only in case: "
                    "one file on a case-insensitive file system (macOS, Windows).",
                    manifest=name,
                    line=number,
                    other=shown(other),
                )
        manifest.entries[path] = stored
        if literal is not None:
            as_written = check_path(literal)
            if as_written.unsafe is None and as_written.path != path:
                manifest.literal[path] = as_written.path

    def _binary_marker(self, path: str, manifest: _Manifest) -> bool:
        """md5sum writes ``*name`` in binary mode; strip the star if only that makes sense."""
        rest = path[1:]
        if manifest.tag:
            return rest in self.tags or (rest.startswith("./") and rest[2:] in self.tags)
        return rest.startswith(("data/", "./data/"))

    def _read_bag_info(self) -> BagInfo | None:
        name = "bag-info.txt"
        if name not in self.tags and self.version <= (0, 95) and "package-info.txt" in self.tags:
            name = "package-info.txt"  # drafts 0.93-0.95 named it so
        if name not in self.tags:
            return None
        disk = self.tags[name]
        if disk.size > MAX_BAG_INFO_BYTES:
            self.add(
                "error",
                "bag-info-too-large",
                name,
                f"{name} is larger than {MAX_BAG_INFO_BYTES} bytes and was not read.",
                size=disk.size,
            )
            return None
        opened = self._lines(name)
        if opened is None:
            return None
        reader, stream = opened
        with stream:
            lines = [text for _, text in reader.read(stream)]
        self.report.extend(reader.problems)
        info = parse_bag_info("\n".join(lines), strict=not self.legacy, where=name)
        self.report.extend(info.problems)
        return info

    def _read_fetch(self) -> None:
        name = "fetch.txt"
        opened = self._lines(name)
        if opened is None:
            return
        reader, stream = opened
        with stream:
            for number, text in reader.read(stream):
                self._fetch_line(number, text)
        self.report.extend(reader.problems)

    def _fetch_line(self, number: int, text: str) -> None:
        name = "fetch.txt"
        if text.strip() == "":
            self.add("notice", "fetch-blank-line", name, f"Line {number} is blank.", line=number)
            return
        parsed = parse_fetch_line(text)
        if parsed is None:
            self.add(
                "error",
                "fetch-line-malformed",
                name,
                f"Line {number} of fetch.txt is not 'url length path' (three fields).",
                line=number,
                found=shown(text[:200]),
            )
            return
        url, length, raw = parsed
        if not is_absolute_uri(url):
            self.add(
                "error",
                "fetch-url-invalid",
                name,
                f"Line {number} of fetch.txt: {shown(url[:200])!r} is not an absolute URL.",
                line=number,
                url=shown(url[:500]),
            )
        if length != "-" and not (length.isascii() and length.isdigit() and len(length) <= 30):
            self.add(
                "error",
                "fetch-length-invalid",
                name,
                f"Line {number} of fetch.txt: the length must be a number of bytes or '-'.",
                line=number,
                found=shown(length[:200]),
            )
            length = "-"
        checked = check_path(decode_path(raw))
        if checked.unsafe is not None:
            self.add(
                "error",
                "unsafe-path",
                decode_path(raw),
                f"fetch.txt line {number} names a path outside the bag ({checked.unsafe}); it "
                "was not looked at.",
                manifest=name,
                line=number,
                reason=checked.unsafe,
            )
            return
        for code, message in checked.notes:
            self.add(
                "warning", code, checked.path, f"fetch.txt line {number}: {message}.", line=number
            )
        path = checked.path
        if not path.startswith("data/"):
            self.add(
                "error",
                "fetch-lists-tag-file",
                path,
                f"fetch.txt line {number} names a file outside data/; fetch.txt may list "
                "payload files only.",
                line=number,
            )
            return
        if path in self.fetch:
            self.add(
                "warning",
                "fetch-duplicate-entry",
                path,
                f"fetch.txt lists this file more than once (line {number}).",
                line=number,
            )
            return
        self.fetch[path] = (url, length)

    # -- matching names to disk --------------------------------------------------------

    def _candidates(
        self, path: str, files: dict[str, DiskFile], index: dict[str, list[str]]
    ) -> list[str]:
        """Disk files a manifest name can mean: itself, else its other normalizations."""
        if path in files:
            return [path]
        key = normalized(path)
        found = [key] if key != path and key in files else []
        return found + [p for p in index.get(key, ()) if p not in found]

    def _match(
        self,
        number: int,
        files: dict[str, DiskFile],
        index: dict[str, list[str]],
        missing: Callable[[_Manifest, str], None],
    ) -> None:
        """Record which disk file each entry of manifest ``number`` names."""
        manifest = self.manifests[number]
        bit = 1 << number
        repeats = [(p, c) for m, p, c in self.duplicates if m is manifest]
        primary = len(manifest.entries)
        entries = itertools.chain(manifest.entries.items(), repeats)
        for count, (path, checksum) in enumerate(entries):
            candidates = self._candidates(path, files, index)
            spelled = path
            if not candidates and path in manifest.literal:
                candidates = self._literal_match(manifest, path, files, index)
                spelled = manifest.literal[path]
            if not candidates and self.legacy_names:
                spelled = _as_disk_name(path, self.encoding)
                candidates = [spelled] if spelled in files else []
                if candidates:
                    self.add(
                        "warning",
                        "file-name-encoding",
                        spelled,
                        f"{manifest.name} names this file in {self.encoding}, and the name on "
                        "disk has the same bytes (not UTF-8); matched by its bytes.",
                        manifest=manifest.name,
                    )
            if len(candidates) != 1:
                missing(manifest, path)
                continue
            disk = candidates[0]
            if disk != spelled:
                self._normalization_warning(manifest, spelled, disk)
            mask = self.listed.get(disk, 0)
            if mask & bit and count < primary:
                # Two names of one manifest that differ only in normalization, one file.
                self.add(
                    self.strictness(),
                    "manifest-duplicate-entry",
                    path,
                    f"{manifest.name} lists the file {shown(disk)!r} twice, under names that "
                    "differ only in Unicode normalization.",
                    manifest=manifest.name,
                )
            self.listed[disk] = mask | bit
            if disk != path or count >= primary:
                self.extra_checks.setdefault(disk, []).append((number, path, checksum))

    def _literal_match(
        self,
        manifest: _Manifest,
        path: str,
        files: dict[str, DiskFile],
        index: dict[str, list[str]],
    ) -> list[str]:
        """A name written with a literal %25, %0A or %0D (bagit-python does not encode %):
        matched as written when only that spelling exists, and reported."""
        as_written = manifest.literal[path]
        candidates = self._candidates(as_written, files, index)
        if len(candidates) == 1:
            self.add(
                self.strictness(),
                "percent-not-encoded",
                as_written,
                f"{manifest.name} writes this name with a literal '%' sequence; BagIt requires "
                "'%' written as %25. Matched as written, since only that file exists.",
                manifest=manifest.name,
                decoded=shown(path),
            )
        return candidates

    def _match_payload(self) -> None:
        payload = [i for i, m in enumerate(self.manifests) if not m.tag]
        fetch_pending: set[str] = set()
        normal_fetch = {normalized(p): p for p in self.fetch}

        def missing(manifest: _Manifest, path: str) -> None:
            self._missing(manifest, path, fetch_pending, normal_fetch)

        for number in payload:
            self._match(number, self.payload, self.nfc_payload, missing)
        every = sum(1 << number for number in payload)
        for disk in sorted(self.payload):
            mask = self.listed.get(disk, 0) & every
            if mask == 0 and payload:
                self.add(
                    "error",
                    "file-not-in-manifest",
                    disk,
                    "This payload file is in no payload manifest.",
                    size=self.payload[disk].size,
                )
            elif mask != every:
                missing_from = [self.manifests[n].name for n in payload if not mask & (1 << n)]
                self.add(
                    "notice" if self.legacy else "error",
                    "file-not-in-every-manifest",
                    disk,
                    f"This payload file is missing from {', '.join(missing_from)}; BagIt 1.0 "
                    "requires every payload file in every payload manifest.",
                    manifests=missing_from,
                )
        self.report.info["fetch_pending"] = len(fetch_pending)

    def _missing(
        self,
        manifest: _Manifest,
        path: str,
        fetch_pending: set[str],
        normal_fetch: dict[str, str],
    ) -> None:
        if path in self.fetch or normalized(path) in normal_fetch:
            if path not in fetch_pending:
                fetch_pending.add(path)
                url, _ = self.fetch.get(path) or self.fetch[normal_fetch[normalized(path)]]
                self.add(
                    "notice",
                    "fetch-file-not-present",
                    path,
                    "This file is listed in fetch.txt and not fetched yet: the bag is "
                    "incomplete until it is (preserve never fetches).",
                    url=shown(url[:500]),
                )
            return
        if self._reported_already(path):
            return
        if path in self.tree.folders:
            self.add(
                "error",
                "manifest-lists-folder",
                path,
                f"{manifest.name} lists a folder; manifests list files only.",
                manifest=manifest.name,
            )
            return
        facts: dict[str, object] = {"manifest": manifest.name}
        if self.folded_payload is None:
            self.folded_payload = {}
            for disk in self.payload:
                self.folded_payload.setdefault(folded(disk), []).append(disk)
        similar = [p for p in self.folded_payload.get(folded(path), []) if p != path]
        if similar:
            facts["differs_only_in_case_from"] = [shown(p) for p in similar]
        elif len(candidates := self._candidates(path, self.payload, self.nfc_payload)) > 1:
            facts["ambiguous"] = [shown(p) for p in candidates]
        self.add(
            "error",
            "manifest-entry-missing-file",
            path,
            f"{manifest.name} lists this file but it is not in the bag.",
            **facts,
        )

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

    def _normalization_warning(self, manifest: _Manifest, path: str, disk: str) -> None:
        self.add(
            "warning",
            "normalization-mismatch",
            path,
            f"{manifest.name} names this file in a different Unicode normalization than the "
            f"file system ({_form(path)} in the manifest, {_form(disk)} on disk); matched.",
            manifest=manifest.name,
            on_disk=shown(disk),
        )

    def _match_tags(self) -> None:
        tag_manifests = [i for i, m in enumerate(self.manifests) if m.tag]
        payload_names = [m.name for m in self.manifests if not m.tag]

        def missing(manifest: _Manifest, path: str) -> None:
            if self._reported_already(path):
                return
            self.add(
                "error",
                "manifest-entry-missing-file",
                path,
                f"{manifest.name} lists this tag file but it is not in the bag.",
                manifest=manifest.name,
            )

        for number in tag_manifests:
            manifest = self.manifests[number]
            self._match(number, self.tags, self.nfc_tags, missing)
            for payload_manifest in payload_names:
                if payload_manifest not in manifest.entries:
                    self.add(
                        self.strictness(),
                        "tag-manifest-incomplete",
                        manifest.name,
                        f"{manifest.name} does not list the payload manifest {payload_manifest}.",
                        missing=payload_manifest,
                    )
        if tag_manifests:
            for path in sorted(self.tags):
                if path not in self.listed and not _MANIFEST_NAME.fullmatch(path.split("/")[-1]):
                    self.add(
                        "notice",
                        "tag-file-not-in-tag-manifest",
                        path,
                        "This tag file is in no tag manifest, so its content is not protected.",
                    )

    def _check_fetch_entries(self) -> None:
        if not self.fetch:
            return
        payload_manifests = [m for m in self.manifests if not m.tag]
        normal_entries = [{normalized(p) for p in m.entries} for m in payload_manifests]
        for path, (_url, length) in sorted(self.fetch.items()):
            for manifest, normal in zip(payload_manifests, normal_entries, strict=True):
                if path not in manifest.entries and normalized(path) not in normal:
                    self.add(
                        "error",
                        "fetch-entry-not-in-manifest",
                        path,
                        f"fetch.txt lists this file but {manifest.name} does not; every "
                        "fetched file must be in every payload manifest.",
                        manifest=manifest.name,
                    )
            candidates = self._candidates(path, self.payload, self.nfc_payload)
            disk = candidates[0] if len(candidates) == 1 else None
            if disk is not None and length != "-" and int(length) != self.payload[disk].size:
                self.add(
                    "warning",
                    "fetch-length-mismatch",
                    path,
                    "fetch.txt gives a length that differs from the file present in the bag.",
                    expected=int(length),
                    found=self.payload[disk].size,
                )

    def _check_bag_info(self, bag_info: BagInfo | None) -> None:
        """Reserved elements RFC 8493 says should appear once, and Bag-Count's form."""
        if bag_info is None:
            return
        where = "bag-info.txt" if self.version > (0, 95) else "package-info.txt"
        for label in SINGLE_ELEMENTS:
            values = bag_info.values(label)
            if len(values) > 1:
                self.add(
                    "warning",
                    "bag-info-repeated",
                    where,
                    f"{label} appears {len(values)} times; it should appear once.",
                    label=label,
                )
        for value in bag_info.values("Bag-Count"):
            if not _BAG_COUNT.fullmatch(value):
                self.add(
                    "warning",
                    "bag-count-malformed",
                    where,
                    f"Bag-Count {value[:50]!r} is not 'N of T' (T may be '?').",
                    found=shown(value[:100]),
                )

    def _check_oxum(self, bag_info: BagInfo | None) -> None:
        payload_bytes = sum(f.size for f in self.payload.values())
        payload_count = len(self.payload)
        self.report.info["payload_files"] = payload_count
        self.report.info["payload_bytes"] = payload_bytes
        where = "bag-info.txt" if self.version > (0, 95) else "package-info.txt"
        values = bag_info.values("Payload-Oxum") if bag_info else []
        if not values:
            if self.mode == "fast":
                self.add(
                    "warning",
                    "payload-oxum-missing",
                    where,
                    "There is no Payload-Oxum, so the fast check could only test completeness.",
                )
            return
        if len(values) > 1:
            self.add(
                "error",
                "payload-oxum-repeated",
                where,
                "Payload-Oxum appears more than once; it must appear at most once.",
                values=[shown(v[:100]) for v in values[:10]],
            )
        value = values[0]
        match = _OXUM.fullmatch(value)
        if match is None:
            self.add(
                "error",
                "payload-oxum-malformed",
                where,
                f"Payload-Oxum {value[:100]!r} is not 'OctetCount.StreamCount'.",
                found=shown(value[:200]),
            )
            return
        expected_bytes, expected_files = int(match.group(1)), int(match.group(2))
        if (expected_bytes, expected_files) != (payload_bytes, payload_count):
            pending = self.report.info.get("fetch_pending", 0)
            self.add(
                "notice" if pending else "error",
                "payload-oxum-mismatch",
                where,
                f"Payload-Oxum says {expected_bytes} bytes in {expected_files} files; the "
                f"payload has {payload_bytes} bytes in {payload_count} files"
                + (" (files listed in fetch.txt are not here yet)." if pending else "."),
                expected_bytes=expected_bytes,
                expected_files=expected_files,
                found_bytes=payload_bytes,
                found_files=payload_count,
            )

    def _report_names(self) -> None:
        for path in sorted(p for p in self.tree.files if has_undecodable(p)):
            self.add(
                "warning",
                "file-name-not-utf8",
                path,
                "This file name is not valid UTF-8 (its bytes are shown as \\xNN); it may not "
                "survive a copy to another system.",
            )
        by_fold: dict[str, list[str]] = {}
        for path in self.tree.files:
            by_fold.setdefault(folded(path), []).append(path)
        for group in by_fold.values():
            if len(group) > 1:
                group.sort()
                self.add(
                    "warning",
                    "case-collision",
                    group[0],
                    f"These files differ only in case or Unicode normalization: "
                    f"{', '.join(shown(p) for p in group)}; they collide on macOS and Windows.",
                    paths=[shown(p) for p in group],
                )
        for path in sorted(self.payload):
            name = path.rsplit("/", 1)[-1]
            if name.lower() in SYSTEM_FILES or name.startswith("._"):
                self.add(
                    "warning",
                    "system-file",
                    path,
                    "This looks like operating-system clutter (e.g. .DS_Store, Thumbs.db), "
                    "not content; check it belongs in the payload.",
                )
            if name != name.strip() and name.strip():
                self.add(
                    "notice",
                    "file-name-whitespace",
                    path,
                    "This file name starts or ends with whitespace (kept as is).",
                )

    def _fill_info(self, bag_info: BagInfo | None) -> None:
        self.report.info["tag_files"] = len(self.tags)
        self.report.info["fetch_entries"] = len(self.fetch)
        self.report.info["complete"] = not any(
            p.severity == "error" for p in self.report.problems
        ) and not self.report.info.get("fetch_pending")
        if bag_info is not None:
            self.report.info["bag_info"] = [
                [shown(k), shown(v)] for k, v in bag_info.elements[:1000]
            ]

    def _verify_checksums(self) -> None:
        supported = [(n, m) for n, m in enumerate(self.manifests) if m.supported]
        by_mask: dict[int, tuple[str, ...]] = {}

        def algorithms(mask: int) -> tuple[str, ...]:
            if mask not in by_mask:
                by_mask[mask] = tuple(sorted({m.algorithm for n, m in supported if mask >> n & 1}))
            return by_mask[mask]

        def jobs() -> Iterator[HashJob]:
            for path in sorted(self.listed):
                wanted = algorithms(self.listed[path])
                disk = self.tree.files.get(path)
                if wanted and disk is not None:
                    yield HashJob(path, wanted, disk.identity, disk.size)

        failures: list[tuple[str, int, str, bytes, str]] = []
        unreadable: list[tuple[str, str]] = []
        for result in hash_files(
            str(self.root), jobs(), processes=self.processes, progress=self.progress
        ):
            if result.digests is None:
                unreadable.append((result.path, result.error or "unknown error"))
                continue
            if self.on_digest is not None:
                self.on_digest(
                    result.path, {hashlib_name(a) or a: d for a, d in result.digests.items()}
                )
            mask = self.listed[result.path]
            checks = [
                (n, result.path, m.entries[result.path])
                for n, m in supported
                if mask >> n & 1 and result.path in m.entries
            ]
            checks += self.extra_checks.get(result.path, [])
            for number, entry, expected in checks:
                manifest = self.manifests[number]
                found = result.digests.get(manifest.algorithm)
                if found is not None and bytes.fromhex(found) != expected:
                    failures.append((result.path, number, entry, expected, found))
        for path, reason in sorted(unreadable):
            self.add(
                "error",
                "unreadable",
                path,
                f"This file could not be read for checksums: {reason}.",
                reason=reason,
            )
        for path, number, entry, expected, found in sorted(failures, key=lambda f: f[:2]):
            manifest = self.manifests[number]
            facts = {} if entry == path else {"entry": shown(entry)}
            self.add(
                "error",
                "checksum-mismatch",
                path,
                f"The {manifest.algorithm} checksum differs from {manifest.name}: the file has "
                "changed.",
                algorithm=manifest.algorithm,
                expected=_hex(expected),
                found=found,
                manifest=manifest.name,
                **facts,
            )


def _twin(entries: dict[str, bytes], seen: dict[str, str], path: str, key: str) -> str | None:
    """An earlier name of the manifest with the same ``key`` (its NFC or case-folded form).

    Only names that differ from their key are remembered in ``seen``; a name equal to its
    key is found among the entries themselves. Most names (ASCII, lowercase) cost nothing
    more than their entry: a million-line manifest must fit in memory.
    """
    if key != path:
        if key in entries:
            return key
        other = seen.get(key)
        if other is None:
            seen[key] = path
        return other
    return seen.get(key)


def _as_disk_name(path: str, encoding: str) -> str:
    """The name a Linux file system shows for ``path`` written in ``encoding`` bytes."""
    try:
        return os.fsdecode(path.encode(encoding, "surrogateescape"))
    except (UnicodeError, LookupError, ValueError):
        return path


def _by_normal_form(files: dict[str, DiskFile]) -> dict[str, list[str]]:
    """Disk names that are not NFC, by their NFC form (few: ASCII names never are)."""
    index: dict[str, list[str]] = {}
    for path in files:
        if not path.isascii():
            key = normalized(path)
            if key != path:
                index.setdefault(key, []).append(path)
    return index


def _form(path: str) -> str:
    if unicodedata.is_normalized("NFC", path):
        return "NFC"
    if unicodedata.is_normalized("NFD", path):
        return "NFD"
    return "mixed"
