"""Paths named inside a bag: percent-decoding, and refusing any path that could leave it.

Manifests and fetch.txt name files relative to the bag. RFC 8493 percent-encodes exactly
three characters in those names (``%``, CR and LF) and nothing else, in any hex case:

>>> decode_path("data/100%25 done%0a%0D.txt")
'data/100% done\\n\\r.txt'
>>> decode_path("data/%7Etilde and %2525")
'data/%7Etilde and %25'

A path is checked before anything on disk is looked up: a path that could point outside
the bag is never touched, only reported.

>>> check_path("../../etc/passwd").unsafe
'it climbs out of the bag with ..'
>>> check_path("./data/a.txt").path, check_path("./data/a.txt").notes[0][0]
('data/a.txt', 'path-leading-dot-slash')
>>> check_path("data/trailing space ").path
'data/trailing space '
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

_ESCAPE = re.compile(r"%(25|0[aAdD])")
_DECODED = {"25": "%", "0a": "\n", "0d": "\r"}
_DRIVE = re.compile(r"^[A-Za-z]:")
_SURROGATE = re.compile("[\udc80-\udcff]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def decode_path(raw: str) -> str:
    """Undo the percent-encoding BagIt allows in file paths (``%25``, ``%0A``, ``%0D`` only)."""
    return _ESCAPE.sub(lambda match: _DECODED[match.group(1).lower()], raw)


def encode_path(path: str) -> str:
    """Percent-encode a path for a manifest line: ``%``, CR and LF, nothing else.

    >>> encode_path("data/50%\\n.txt")
    'data/50%25%0A.txt'
    >>> decode_path(encode_path("data/a%0A\\r")) == "data/a%0A\\r"
    True
    """
    return path.replace("%", "%25").replace("\n", "%0A").replace("\r", "%0D")


class PathCheck(NamedTuple):
    """What a manifest or fetch path means: the cleaned path, or why it must not be used."""

    path: str
    unsafe: str | None = None
    notes: tuple[tuple[str, str], ...] = ()


_SUSPECT = re.compile(r"\A[./~\\]|\A[A-Za-z]:|//|/\.{1,2}(?:/|\Z)|/\Z|[\\\x00]")
"""Anything that needs a closer look; most paths (``data/...``) have none of it."""


def check_path(path: str) -> PathCheck:
    """Clean a decoded relative path, or say why it could reach outside the bag.

    Unsafe: empty, NUL, absolute (``/``), a Windows drive or UNC/root prefix, any ``..``
    component (split on ``/`` and ``\\``, so it is refused on every system), a leading
    ``~`` (home directory). Cleaned with a note: a leading ``./``, ``.`` or empty
    components inside. A backslash is kept (it is a legal name character here) with a
    note, since RFC 8493 requires ``/`` as the separator.

    >>> check_path("/tmp/foo").unsafe
    'it is an absolute path'
    >>> check_path("~root/foo").unsafe
    'it starts with ~, a home-directory reference'
    >>> check_path("C:\\\\Windows").unsafe
    'it starts with a Windows drive letter'
    >>> check_path("data\\\\..\\\\..\\\\x").unsafe
    'it climbs out of the bag with ..'
    >>> check_path("data//a/./b.txt").path
    'data/a/b.txt'
    """
    if path and _SUSPECT.search(path) is None:
        return PathCheck(path)
    if not path:
        return PathCheck(path, "it is empty")
    if "\x00" in path:
        return PathCheck(path, "it contains a NUL character")
    if path.startswith("/"):
        return PathCheck(path, "it is an absolute path")
    if path.startswith("\\"):
        return PathCheck(path, "it starts with a backslash (a Windows root or UNC path)")
    if _DRIVE.match(path):
        return PathCheck(path, "it starts with a Windows drive letter")
    if any(part == ".." for part in re.split(r"[/\\]", path)):
        return PathCheck(path, "it climbs out of the bag with ..")
    notes: list[tuple[str, str]] = []
    cleaned = path
    if cleaned.startswith("./"):
        while cleaned.startswith("./"):
            cleaned = cleaned[2:]
        notes.append(("path-leading-dot-slash", "the path starts with ./"))
    parts = cleaned.split("/")
    kept = [part for part in parts if part not in ("", ".")]
    if len(kept) != len(parts):
        notes.append(("path-not-normalized", "the path has empty or . components"))
        cleaned = "/".join(kept)
    if not cleaned:
        return PathCheck(path, "it names the bag folder itself")
    if cleaned.startswith("~"):
        return PathCheck(path, "it starts with ~, a home-directory reference")
    if "\\" in cleaned:
        notes.append(("path-backslash", "the path contains a backslash; BagIt requires /"))
    return PathCheck(cleaned, None, tuple(notes))


def normalized(path: str) -> str:
    """The NFC form used to match names written on macOS (NFD) with names on Linux.

    >>> normalized("Nu\\u0301n\\u0303ez") == "N\\u00fa\\u00f1ez"
    True
    """
    return path if path.isascii() else unicodedata.normalize("NFC", path)


def folded(path: str) -> str:
    """Case- and normalization-insensitive key: names that collide on macOS or Windows.

    >>> folded("data/HELLO.txt") == folded("data/hello.txt")
    True
    """
    return path.lower() if path.isascii() else unicodedata.normalize("NFC", path).casefold()


def shown(path: str) -> str:
    """A path safe to print and serialise: undecodable bytes and control characters escaped.

    >>> shown("data/caf\\udce9\\n.txt")
    'data/caf\\\\xe9\\\\n.txt'
    """
    if _SURROGATE.search(path):
        path = path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    if _CONTROL.search(path):
        path = _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), path)
    return path


def has_undecodable(text: str) -> bool:
    """True when decoding met bytes the declared encoding cannot read (kept as surrogates).

    >>> has_undecodable(b"caf\\xe9".decode("utf-8", "surrogateescape"))
    True
    """
    return _SURROGATE.search(text) is not None
