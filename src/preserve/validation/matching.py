"""Matching manifest names to the files on disk: Unicode normalization, literal %,
legacy encodings, completeness across every manifest."""

from __future__ import annotations

import itertools
import os
import unicodedata
from collections.abc import Callable

from preserve.validation.paths import folded, normalized, shown
from preserve.validation.scan import DiskFile
from preserve.validation.state import MANIFEST_NAME, CheckState, Manifest


class Matching(CheckState):
    """Which disk file each manifest entry names, and which files no manifest lists."""

    def _match(
        self,
        number: int,
        files: dict[str, DiskFile],
        index: dict[str, list[str]],
        missing: Callable[[Manifest, str], None],
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
        manifest: Manifest,
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

        def missing(manifest: Manifest, path: str) -> None:
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
        manifest: Manifest,
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

    def _normalization_warning(self, manifest: Manifest, path: str, disk: str) -> None:
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

        def missing(manifest: Manifest, path: str) -> None:
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
                if path not in self.listed and not MANIFEST_NAME.fullmatch(path.split("/")[-1]):
                    self.add(
                        "notice",
                        "tag-file-not-in-tag-manifest",
                        path,
                        "This tag file is in no tag manifest, so its content is not protected.",
                    )


def _as_disk_name(path: str, encoding: str) -> str:
    """The name a Linux file system shows for ``path`` written in ``encoding`` bytes."""
    try:
        return os.fsdecode(path.encode(encoding, "surrogateescape"))
    except (UnicodeError, LookupError, ValueError):
        return path


def by_normal_form(files: dict[str, DiskFile]) -> dict[str, list[str]]:
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
