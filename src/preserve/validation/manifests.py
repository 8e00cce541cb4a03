"""Reading manifests: finding them, and each line's checksum and path, checked."""

from __future__ import annotations

import re
import sys

from preserve.validation.hashing import hashlib_name, hex_length
from preserve.validation.paths import check_path, decode_path, folded, normalized, shown
from preserve.validation.state import (
    MANIFEST_NAME,
    CheckState,
    Manifest,
    checksum_hex,
    stored_checksum,
)
from preserve.validation.tagfiles import parse_manifest_line

_HEX = re.compile(r"[0-9a-fA-F]+")


class ManifestReading(CheckState):
    """Find the manifests and read every line of each (streamed)."""

    def _find_manifests(self) -> None:
        for name in sorted(self.tags):
            match = MANIFEST_NAME.fullmatch(name)
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
            self.manifests.append(Manifest(name, algorithm, tag, supported))
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

    def _read_manifest(self, manifest: Manifest) -> None:
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
        manifest: Manifest,
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
        if manifest.tag and MANIFEST_NAME.fullmatch(path) and path.startswith("tagmanifest-"):
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
        stored = stored_checksum(checksum)
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
                    first=checksum_hex(previous),
                    again=checksum_hex(stored),
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

    def _binary_marker(self, path: str, manifest: Manifest) -> bool:
        """md5sum writes ``*name`` in binary mode; strip the star if only that makes sense."""
        rest = path[1:]
        if manifest.tag:
            return rest in self.tags or (rest.startswith("./") and rest[2:] in self.tags)
        return rest.startswith(("data/", "./data/"))


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
