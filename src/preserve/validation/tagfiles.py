"""Reading BagIt tag files: bagit.txt (strict), manifests and fetch.txt (streamed), bag-info.

The parsers take text or bytes and return values plus :class:`~preserve.report.Problem`
findings; they never raise on any input (hypothesis fuzzes them). Reading a file streams
it line by line through the declared encoding, with a cap on line length, so a
100,000-line manifest or a binary blob costs bounded memory.

>>> declaration = parse_bagit_txt(b"BagIt-Version: 1.0\\nTag-File-Character-Encoding: UTF-8\\n")
>>> declaration.version, declaration.encoding, declaration.problems
((1, 0), 'UTF-8', [])
>>> bad = b"BagIt-Version : 1.0\\nTag-File-Character-Encoding: UTF-8\\n"
>>> [p.code for p in parse_bagit_txt(bad).problems]
['bagit-txt-malformed']
>>> parse_manifest_line("abc123  data/with trailing space ")
('abc123', 'data/with trailing space ')
>>> parse_fetch_line("https://example.org/a - data/a b.txt")
('https://example.org/a', '-', 'data/a b.txt')
"""

from __future__ import annotations

import codecs
import io
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from preserve.report import Problem, Severity
from preserve.validation.paths import has_undecodable, shown

MAX_LINE_CHARS = 1 << 20
"""Longest tag-file line read (1 Mi characters); a longer one is reported and skipped."""
MAX_BAGIT_TXT_BYTES = 64 * 1024
MAX_BAG_INFO_BYTES = 16 * 1024 * 1024
"""bag-info.txt is held in memory to keep its element order; a larger one is refused."""

_VERSION_LINE = re.compile(r"BagIt-Version: ([0-9]+)\.([0-9]+)")
_ENCODING_LINE = re.compile(r"Tag-File-Character-Encoding: ([^\s]+)")
_MANIFEST_LINE = re.compile(r"([^ \t]+)[ \t]+(.+)", re.DOTALL)
_FETCH_LINE = re.compile(r"([^ \t]+)[ \t]+([^ \t]+)[ \t]+(.+)", re.DOTALL)
_URI_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_STRICT_ELEMENT = re.compile(r"([^:\s](?:[^:\r\n]*[^:\s])?):[ \t](.*)", re.DOTALL)
_LOOSE_ELEMENT = re.compile(r"[ \t]*([^:]*?)[ \t]*:[ \t]*(.*)", re.DOTALL)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

KNOWN_VERSIONS = frozenset({(0, 93), (0, 94), (0, 95), (0, 96), (0, 97), (1, 0)})


def _problem(severity: Severity, code: str, path: str, message: str, **facts: object) -> Problem:
    return Problem(severity, code, path, message, dict(facts))


@dataclass
class BagDeclaration:
    """What bagit.txt says, and everything wrong with it."""

    version: tuple[int, int] | None = None
    encoding: str | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def version_text(self) -> str | None:
        return None if self.version is None else f"{self.version[0]}.{self.version[1]}"


def text_encoding(name: str) -> str | None:
    """Python's codec name for a declared tag-file encoding, or None if it cannot decode text.

    >>> text_encoding("UTF-8"), text_encoding("ISO-8859-1"), text_encoding("rot13")
    ('utf-8', 'iso8859-1', None)
    """
    try:
        info = codecs.lookup(name)
        # Rejects transforms such as rot13 or base64, which are not text encodings.
        io.TextIOWrapper(io.BytesIO(b""), encoding=name).read()
    except (LookupError, ValueError, TypeError):
        return None
    return info.name


def parse_bagit_txt(data: bytes) -> BagDeclaration:
    """Parse the bag declaration strictly: exactly two lines, UTF-8, no BOM (RFC 8493 2.1.1)."""
    result = BagDeclaration()
    where = "bagit.txt"
    if data.startswith(codecs.BOM_UTF8):
        result.problems.append(
            _problem(
                "error",
                "bagit-txt-bom",
                where,
                "bagit.txt starts with a byte-order mark; save it as UTF-8 without a BOM.",
            )
        )
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        result.problems.append(
            _problem(
                "error",
                "bagit-txt-not-utf8",
                where,
                "bagit.txt is not valid UTF-8; rewrite it as UTF-8.",
                offset=error.start,
            )
        )
        text = data.decode("utf-8", "replace")
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()  # the final line break
    if len(lines) != 2:
        result.problems.append(
            _problem(
                "error",
                "bagit-txt-malformed",
                where,
                f"bagit.txt must have exactly two lines (BagIt-Version, then "
                f"Tag-File-Character-Encoding) but has {len(lines)}.",
                lines=len(lines),
            )
        )
    first = lines[0] if lines else ""
    second = lines[1] if len(lines) > 1 else ""
    version = _VERSION_LINE.fullmatch(first)
    if version:
        result.version = (int(version.group(1)), int(version.group(2)))
        if result.version not in KNOWN_VERSIONS:
            result.problems.append(
                _problem(
                    "error",
                    "bagit-version-unsupported",
                    where,
                    f"BagIt version {version.group(1)}.{version.group(2)} is not one this "
                    "validator knows (0.93 to 1.0); it cannot vouch for this bag.",
                    found=f"{version.group(1)}.{version.group(2)}",
                )
            )
    else:
        result.problems.append(
            _problem(
                "error",
                "bagit-txt-malformed",
                where,
                "The first line of bagit.txt must be exactly 'BagIt-Version: M.N'.",
                line=1,
                found=first[:200],
            )
        )
    encoding = _ENCODING_LINE.fullmatch(second)
    if encoding:
        declared = encoding.group(1)
        if text_encoding(declared) is None:
            result.problems.append(
                _problem(
                    "error",
                    "tag-file-encoding-unknown",
                    where,
                    f"Tag-File-Character-Encoding {declared!r} is not a text encoding this "
                    "validator can read; declare UTF-8.",
                    found=declared[:200],
                )
            )
        else:
            result.encoding = declared
    elif len(lines) >= 2:
        result.problems.append(
            _problem(
                "error",
                "bagit-txt-malformed",
                where,
                "The second line of bagit.txt must be exactly "
                "'Tag-File-Character-Encoding: ENCODING'.",
                line=2,
                found=second[:200],
            )
        )
    return result


def parse_manifest_line(text: str) -> tuple[str, str] | None:
    """Split ``checksum<whitespace>path``; the path keeps inner and trailing spaces.

    >>> parse_manifest_line("abc\\tdata/a.txt"), parse_manifest_line("lonely")
    (('abc', 'data/a.txt'), None)
    """
    match = _MANIFEST_LINE.fullmatch(text)
    if match is None:
        return None
    return match.group(1), match.group(2)


def parse_fetch_line(text: str) -> tuple[str, str, str] | None:
    """Split ``url<ws>length<ws>path``; None unless there are three fields."""
    match = _FETCH_LINE.fullmatch(text)
    if match is None:
        return None
    return match.group(1), match.group(2), match.group(3)


def is_absolute_uri(url: str) -> bool:
    """RFC 3986 absolute URI: a scheme, a colon and something after it.

    >>> is_absolute_uri("https://x.org/a"), is_absolute_uri("x.org/a"), is_absolute_uri("-")
    (True, False, False)
    """
    match = _URI_SCHEME.match(url)
    return match is not None and len(url) > match.end()


@dataclass
class BagInfo:
    """bag-info.txt as ordered (label, value) pairs, and the problems in it."""

    elements: list[tuple[str, str]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def values(self, label: str) -> list[str]:
        """Every value of a label, compared case-insensitively (reserved names are)."""
        wanted = label.casefold()
        return [value for name, value in self.elements if name.casefold() == wanted]


def parse_bag_info(text: str, *, strict: bool, where: str = "bag-info.txt") -> BagInfo:
    """Parse metadata elements with continuation lines.

    ``strict`` (BagIt 1.0): ``Label: value`` with exactly one space or tab after the
    colon and no whitespace around the label. Before 1.0, RFC 8493 says a reader MUST
    accept extra whitespace around the colon.

    >>> info = parse_bag_info("A: 1\\nLong: x\\n  y\\nTest-Tag   :  5\\n", strict=False)
    >>> info.elements
    [('A', '1'), ('Long', 'x y'), ('Test-Tag', '5')]
    >>> [p.code for p in parse_bag_info("Test-Tag : 5\\n", strict=True).problems]
    ['bag-info-line-malformed']
    """
    result = BagInfo()
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    for number, line in enumerate(lines, start=1):
        if line.strip() == "":
            result.problems.append(
                _problem(
                    "warning" if strict else "notice",
                    "bag-info-blank-line",
                    where,
                    f"Line {number} of {where} is blank.",
                    line=number,
                )
            )
            continue
        if line[0] in " \t":
            if not result.elements:
                result.problems.append(
                    _problem(
                        "error",
                        "bag-info-line-malformed",
                        where,
                        f"Line {number} of {where} is indented but continues no element.",
                        line=number,
                    )
                )
                continue
            label, value = result.elements[-1]
            result.elements[-1] = (label, f"{value} {line.strip()}")
            continue
        match = _STRICT_ELEMENT.fullmatch(line)
        if match is None:
            loose = _LOOSE_ELEMENT.fullmatch(line)
            if loose is None or not loose.group(1):
                result.problems.append(
                    _problem(
                        "error",
                        "bag-info-line-malformed",
                        where,
                        f"Line {number} of {where} is not 'Label: value'.",
                        line=number,
                        found=shown(line[:200]),
                    )
                )
                continue
            if strict:
                result.problems.append(
                    _problem(
                        "error",
                        "bag-info-line-malformed",
                        where,
                        f"Line {number} of {where} has whitespace around its colon; BagIt 1.0 "
                        "requires 'Label: value' with one space.",
                        line=number,
                        found=shown(line[:200]),
                    )
                )
            result.elements.append((loose.group(1), loose.group(2).strip()))
            continue
        result.elements.append((match.group(1), match.group(2).strip()))
    return result


class UnsafeFile(Exception):
    """A tag file that is not a regular file any more (replaced since the scan)."""


def open_regular(
    path: str | os.PathLike[str], identity: tuple[int, int] | None = None, *, buffered: bool = True
) -> BinaryIO:
    """Open a file read-only without following a symlink or blocking on a FIFO.

    ``identity`` is (device, inode) seen when the bag was scanned: a file swapped since
    (for a symlink, or through a symlinked folder) is refused before a byte is read.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    flags |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    descriptor = os.open(path, flags)
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise UnsafeFile(f"{os.fspath(path)} is not a regular file")
        if identity is not None and (status.st_dev, status.st_ino) != identity:
            raise UnsafeFile(f"{os.fspath(path)} changed while the bag was being checked")
    except BaseException:
        os.close(descriptor)
        raise
    return os.fdopen(descriptor, "rb", buffering=(1 << 16) if buffered else 0)


def read_bounded(stream: BinaryIO, limit: int) -> tuple[bytes, bool]:
    """At most ``limit`` bytes, and whether the stream had more."""
    data = stream.read(limit + 1)
    return data[:limit], len(data) > limit


@dataclass
class TextLines:
    """Lines of one tag file decoded with the declared encoding, problems collected.

    Undecodable bytes are kept as surrogate escapes (so a name can still be matched to
    the same bytes on disk) and reported once per line. A BOM is removed and reported
    where the encoding does not need one.
    """

    name: str
    encoding: str
    strict_bom: bool
    problems: list[Problem] = field(default_factory=list)
    max_chars: int = MAX_LINE_CHARS

    def read(self, stream: BinaryIO) -> Iterator[tuple[int, str]]:
        """Yield (line number, text without its line break) from a binary stream."""
        try:
            reader = io.TextIOWrapper(
                stream, encoding=self.encoding, errors="surrogateescape", newline=""
            )
        except (LookupError, ValueError, TypeError):
            self._add("error", "tag-file-encoding-unknown", f"cannot decode with {self.encoding!r}")
            return
        number = 0
        try:
            while True:
                line = reader.readline(self.max_chars + 1)
                if not line:
                    return
                number += 1
                if len(line) > self.max_chars and not line.endswith(("\n", "\r")):
                    self._skip_rest(reader)
                    self._add(
                        "error",
                        "tag-file-line-too-long",
                        f"line {number} is longer than {self.max_chars} characters; skipped",
                        line=number,
                    )
                    continue
                text = _strip_break(line)
                if number == 1 and text.startswith("\ufeff"):
                    text = text[1:]
                    self._report_bom()
                if has_undecodable(text):
                    self._add(
                        "error",
                        "tag-file-not-decodable",
                        f"line {number} has bytes that are not valid {self.encoding}",
                        line=number,
                        encoding=self.encoding,
                    )
                yield number, text
        except (UnicodeError, ValueError, LookupError) as error:
            self._add(
                "error",
                "tag-file-not-decodable",
                f"cannot be decoded as {self.encoding} after line {number} ({error})",
                line=number + 1,
                encoding=self.encoding,
            )
        finally:
            reader.detach()

    def _skip_rest(self, reader: io.TextIOWrapper) -> None:
        while True:
            chunk = reader.readline(self.max_chars)
            if not chunk or chunk.endswith(("\n", "\r")):
                return

    def _report_bom(self) -> None:
        utf8 = codecs.lookup(self.encoding).name == "utf-8"
        if utf8:
            self._add(
                "error" if self.strict_bom else "warning",
                "tag-file-bom",
                "starts with a byte-order mark, which UTF-8 tag files must not have",
            )
        else:
            self._add("warning", "tag-file-bom", f"starts with a byte-order mark ({self.encoding})")

    def _add(self, severity: Severity, code: str, what: str, **facts: object) -> None:
        self.problems.append(_problem(severity, code, self.name, f"{self.name} {what}.", **facts))


def _strip_break(line: str) -> str:
    if line.endswith("\r\n"):
        return line[:-2]
    if line.endswith(("\n", "\r")):
        return line[:-1]
    return line
