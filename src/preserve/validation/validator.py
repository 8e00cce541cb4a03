"""Validate a BagIt bag (RFC 8493 and drafts 0.93-0.97): every problem, never a crash.

The order of work: walk the folder once (no symlink followed), read bagit.txt strictly,
stream every manifest and fetch.txt, match their paths to what is on disk, check
completeness and Payload-Oxum, then hash each listed file once for all its algorithms.

What follows bagit-python: the list of checksum algorithms (hashlib's guaranteed
ones, as its ``CHECKSUM_ALGOS``; bagit itself is needed only by the tests). What is ours, because
bagit-python 1.9.0 gets it wrong: bagit.txt parsing, percent-decoding, path safety,
Unicode normalization, fetch.txt rules, completeness across all manifests, and
collecting every problem instead of stopping at the first. One concession to
bagit-python's own bags: it writes ``%`` unencoded, so a name that exists on disk only as
written (``100%25.txt``) is matched and reported (``percent-not-encoded``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from preserve.report import Problem, Report
from preserve.validation.fetch import FetchReading
from preserve.validation.hashing import HashJob, hash_files, hashlib_name
from preserve.validation.manifests import ManifestReading
from preserve.validation.matching import Matching, by_normal_form
from preserve.validation.paths import (
    folded,
    has_undecodable,
    shown,
)
from preserve.validation.scan import scan_bag
from preserve.validation.spool import SpooledReport
from preserve.validation.state import checksum_hex
from preserve.validation.tagfiles import (
    MAX_BAG_INFO_BYTES,
    MAX_BAGIT_TXT_BYTES,
    BagInfo,
    UnsafeFile,
    open_regular,
    parse_bag_info,
    parse_bagit_txt,
    read_bounded,
)

_OXUM = re.compile(r"([0-9]{1,30})\.([0-9]{1,30})")
"""Thirty digits is more than any real count; Python refuses to parse very long ones."""
_BAG_COUNT = re.compile(r"[0-9]+ of ([0-9]+|\?)")
SINGLE_ELEMENTS = ("Bagging-Date", "Bag-Size", "Bag-Group-Identifier", "Bag-Count")
"""Reserved bag-info elements that SHOULD NOT be repeated (Payload-Oxum MUST NOT: an error)."""
SYSTEM_FILES = frozenset({".ds_store", "thumbs.db", "desktop.ini", "ehthumbs.db", ".directory"})
"""Operating-system clutter: legal payload, but rarely meant to be preserved."""


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


class _BagCheck(ManifestReading, FetchReading, Matching):
    """One bag's check: the steps in :meth:`run`, each seam's steps in its own module."""

    def run(self) -> None:
        if not self._check_root():
            return
        self.tree = scan_bag(self.root)
        self.payload = self.tree.payload()
        self.tags = self.tree.tag_files()
        self.nfc_payload = by_normal_form(self.payload)
        self.nfc_tags = by_normal_form(self.tags)
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
                expected=checksum_hex(expected),
                found=found,
                manifest=manifest.name,
                **facts,
            )
