"""fetch.txt: its lines, and its entries against the payload manifests and the disk."""

from __future__ import annotations

from preserve.validation.paths import check_path, decode_path, normalized, shown
from preserve.validation.state import CheckState
from preserve.validation.tagfiles import is_absolute_uri, parse_fetch_line


class FetchReading(CheckState):
    """Read fetch.txt (never fetching anything) and check its entries."""

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
