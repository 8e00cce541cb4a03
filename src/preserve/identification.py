"""What a file is: size, media type, PRONOM format (siegfried) and, for text, its encoding.

Format comes from siegfried (embedded through pygfried, offline). Encoding is decided
in a fixed order, most certain first, and the reason is always recorded:

1. a byte-order mark (UTF-8, UTF-16 or UTF-32) — ``"bom"``;
2. NUL bytes, or more than 1 byte in 100 a control character — ``"binary"`` (not text);
3. strict UTF-8 validity over the *whole* file — ``"ascii"`` or ``"valid utf-8"``;
4. only then charset-normalizer, on a bounded sample, recorded as a guess.

Pure ASCII is reported as ``"ascii"`` (the narrowest true claim; it is also valid
UTF-8). Encodings are Python codec names, usable with :func:`decode_text`.

>>> detect_encoding(b"plain words")
('ascii', 'ascii')
>>> detect_encoding("Grüße".encode())
('utf-8', 'valid utf-8')
>>> detect_encoding(b"\\xef\\xbb\\xbfhello")
('utf-8-sig', 'bom')
>>> detect_encoding(b"\\x89PNG\\r\\n\\x1a\\n\\x00\\x00")
(None, 'binary')
>>> detect_encoding(b"")
(None, 'empty')
>>> decode_text(b"\\xff\\xfeh\\x00i\\x00", "utf-16-le")
'hi'
"""

from __future__ import annotations

import codecs
import os
import stat
import tempfile
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

from preserve.errors import IntakeError

SAMPLE_SIZE = 1 << 20
"""Bytes read for sniffing (BOM, binary, charset guess); also the streaming chunk size."""

HEAD_SIZE = 64 << 10
"""Read first: a NUL byte here without a byte-order mark makes a file binary, and then no
more of it is read for identification (siegfried reads only what its signatures need)."""

CONTROL_LIMIT = 0.01
"""Share of control bytes (other than tab, newlines, form feed) above which data is binary."""

OCTET_STREAM = "application/octet-stream"

# Longest first: the UTF-32-LE mark begins with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_BOM_OF = {name: bom for bom, name in _BOMS if name != "utf-8-sig"}

# Bytes that are not text: C0 controls except tab, LF, VT, FF, CR, plus DEL.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F])
_CONTROL_CHARS = {chr(b) for b in _CONTROL_BYTES}

# When charset-normalizer ties, prefer the legacy encoding most often met in the wild.
_TIE_PREFERENCE = ("cp1252", "latin_1")


@dataclass(frozen=True)
class Identification:
    """Everything identification found about one file, with the reasons."""

    size: int
    media_type: str
    """IANA media type from siegfried, e.g. ``text/plain``; ``application/octet-stream`` if none."""
    puid: str | None
    """PRONOM identifier, e.g. ``x-fmt/111``; None when siegfried found no match."""
    format_name: str | None
    format_version: str | None
    basis: str
    """Why siegfried said so, in its own words (``extension match txt; text match ASCII``)."""
    encoding: str | None
    """Python codec name (``utf-8``, ``utf-8-sig``, ``utf-16-le``, ``ascii``, ``cp1252`` …)."""
    encoding_basis: str
    is_text: bool
    warnings: tuple[str, ...] = ()

    @property
    def encoding_is_guess(self) -> bool:
        """True when the encoding is charset-normalizer's guess, not a certainty."""
        return self.encoding_basis.startswith("charset-normalizer")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["warnings"] = list(self.warnings)
        return data


@cache
def siegfried_version() -> str:
    """The embedded siegfried's version, e.g. ``1.11.9`` (for the PREMIS software agent)."""
    import pygfried

    return str(pygfried.version())


@cache
def siegfried_signature() -> str:
    """The signature files siegfried identifies with (``DROID_SignatureFile_V125.xml; …``)."""
    import pygfried

    result = pygfried.identify(os.devnull, detailed=True)
    return "; ".join(
        f"{item.get('name', '')}: {item.get('details', '')}"
        for item in result.get("identifiers", ())
    )


def _bom_encoding(data: bytes) -> str | None:
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    return None


def _control_heavy(count: int, length: int) -> bool:
    return length > 0 and count / length > CONTROL_LIMIT


def _looks_binary(data: bytes) -> bool:
    """NUL bytes, or too many control bytes: not text in any byte-oriented encoding."""
    if b"\x00" in data:
        return True
    controls = len(data) - len(data.translate(None, _CONTROL_BYTES))
    return _control_heavy(controls, len(data))


def _decode_bom_text(data: bytes, encoding: str, complete: bool) -> str | None:
    """Text after a BOM, or None if it does not decode (a truncated tail is fine in a sample)."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        return str(decoder.decode(data, final=complete))
    except UnicodeDecodeError:
        return None


def _guess_with_charset_normalizer(data: bytes, note: str) -> tuple[str | None, str]:
    from charset_normalizer import from_bytes

    results = from_bytes(data[:SAMPLE_SIZE])
    best = results.best()
    if best is None:
        return None, "binary"
    chosen = best.encoding
    tied = [r for r in results if r.chaos == best.chaos and r.coherence == best.coherence]
    candidates = sorted({name for r in tied for name in r.could_be_from_charset})
    for preferred in _TIE_PREFERENCE:
        if preferred in candidates:
            chosen = preferred
            break
    name = codecs.lookup(chosen).name
    confidence = 1.0 - best.chaos
    details = [f"confidence {confidence:.2f}"]
    details.append(note)
    others = [codecs.lookup(c).name for c in candidates if codecs.lookup(c).name != name]
    if others:
        shown = ", ".join(others[:4]) + (", …" if len(others) > 4 else "")
        details.append(f"equally likely: {shown}")
    return name, f"charset-normalizer guess ({'; '.join(details)})"


def detect_encoding(data: bytes, *, complete: bool = True) -> tuple[str | None, str]:
    """The encoding of ``data`` and why: ``(encoding or None, basis)``.

    ``complete=False`` says ``data`` is only the start of a file: a multi-byte
    sequence cut at the end is then not an error, and a UTF-8 answer is only
    about this sample (:func:`identify` streams the rest). charset-normalizer
    never sees more than the first :data:`SAMPLE_SIZE` bytes.

    >>> detect_encoding("naïve".encode("utf-16-be"))
    (None, 'binary')
    >>> detect_encoding(codecs.BOM_UTF16_BE + "naïve".encode("utf-16-be"))
    ('utf-16-be', 'bom')
    >>> detect_encoding("é".encode()[:1] , complete=False)
    ('utf-8', 'valid utf-8')
    >>> encoding, basis = detect_encoding("Les élèves à l'école".encode("latin-1"))
    >>> encoding, basis.startswith("charset-normalizer guess")
    ('cp1252', True)
    """
    if not data:
        return None, "empty"
    bom = _bom_encoding(data)
    if bom is not None:
        text = _decode_bom_text(data[:SAMPLE_SIZE] if not complete else data, bom, complete)
        if text is None:
            return None, "binary"
        controls = sum(1 for char in text[:SAMPLE_SIZE] if char in _CONTROL_CHARS)
        if _control_heavy(controls, min(len(text), SAMPLE_SIZE)):
            return None, "binary"
        return bom, "bom"
    sample = data[:SAMPLE_SIZE]
    if _looks_binary(sample):
        return None, "binary"
    if data.isascii():
        return "ascii", "ascii"
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    try:
        decoder.decode(data, final=complete)
    except UnicodeDecodeError:
        if complete and len(data) <= SAMPLE_SIZE:
            note = "whole file"
        elif len(data) >= SAMPLE_SIZE:
            note = "first 1 MiB"
        else:
            note = f"first {len(data)} bytes"
        return _guess_with_charset_normalizer(data, note)
    return "utf-8", "valid utf-8"


def decode_text(data: bytes, encoding: str | None) -> str:
    """Decode strictly; a UTF-16/32 byte-order mark is dropped, never kept as U+FEFF.

    Raises :class:`IntakeError` with one sentence saying what to do.

    >>> decode_text(b"caf\\xe9", "cp1252")
    'café'
    >>> decode_text(b"caf\\xe9 au lait", "utf-8")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    preserve.errors.IntakeError: byte 3 is not valid utf-8 (invalid continuation byte); convert ...
    """
    if not data:
        return ""
    if encoding is None:
        raise IntakeError(
            "the file is not text (no encoding could be detected); "
            "preserve it as binary or convert it to UTF-8 text first"
        )
    try:
        bom = _BOM_OF.get(codecs.lookup(encoding).name)
        if bom is not None and data.startswith(bom):
            data = data[len(bom) :]
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise IntakeError(
            f"byte {error.start} is not valid {encoding} ({error.reason}); "
            "convert the file to UTF-8 or record its real encoding, then ingest it again"
        ) from None
    except LookupError:
        raise IntakeError(
            f"{encoding!r} is not an encoding Python knows; give a codec name such as utf-8"
        ) from None


def encode_text(text: str, encoding: str) -> bytes:
    """The bytes :func:`decode_text` read ``text`` from, for an encoding :func:`detect_encoding`
    found: a UTF-16/32 byte-order mark it dropped is put back (to rebuild an original exactly).

    >>> encode_text("hi", "utf-16-le")
    b'\\xff\\xfeh\\x00i\\x00'
    >>> decode_text(encode_text("naïve", "utf-8-sig"), "utf-8-sig")
    'naïve'
    """
    return _BOM_OF.get(codecs.lookup(encoding).name, b"") + text.encode(encoding)


def _siegfried(path: str) -> dict[str, Any]:
    """siegfried's first result for ``path``; a failure becomes an ``errors`` entry."""
    import pygfried

    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return _siegfried_via_link(path)
    try:
        result = pygfried.identify(path, detailed=True)
    except Exception as error:  # a siegfried failure must not stop identification
        return {"errors": f"siegfried failed ({error})"}
    files = result.get("files") or []
    return dict(files[0]) if files else {}


def _siegfried_via_link(path: str) -> dict[str, Any]:
    """siegfried takes UTF-8 names only: show it the file through a temporary link that
    keeps the extension (its evidence), never touching the original."""
    suffix = os.path.splitext(path)[1]
    safe_suffix = suffix if suffix.isascii() and suffix.isprintable() else ""
    with tempfile.TemporaryDirectory(prefix="preserve-identify-") as folder:
        link = os.path.join(folder, "file" + safe_suffix)
        os.symlink(os.path.abspath(path), link)
        found = _siegfried(link)
    found["filename"] = path
    return found


def _open_regular(path: str) -> tuple[int, os.stat_result]:
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        reason = error.strerror or str(error)
        raise IntakeError(
            f"cannot open {path!r} for reading ({reason}); check that it exists, "
            "is a regular file and not a symbolic link, and is readable"
        ) from None
    info = os.fstat(descriptor)
    if not stat.S_ISREG(info.st_mode):
        os.close(descriptor)
        raise IntakeError(f"{path!r} is not a regular file; give a file, not a folder or device")
    return descriptor, info


@dataclass(frozen=True)
class _StreamCheck:
    problem: str | None  # None, "invalid" or "nul"
    offset: int  # of the problem
    is_ascii: bool


def _stream_check(stream: Any, encoding: str) -> _StreamCheck:
    """Read the whole stream (1 MiB at a time) and decode it strictly as ``encoding``.

    A problem is ``"invalid"`` (does not decode) or, for byte-oriented encodings,
    ``"nul"`` (a NUL byte: binary), with the byte offset where it starts.
    """
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    byte_oriented = encoding not in _BOM_OF
    offset = 0
    is_ascii = True
    while True:
        chunk = stream.read(SAMPLE_SIZE)
        pending = len(decoder.getstate()[0])
        try:
            decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as error:
            return _StreamCheck("invalid", max(0, offset - pending + error.start), False)
        if not chunk:
            return _StreamCheck(None, offset, is_ascii)
        if byte_oriented:
            nul = chunk.find(b"\x00")
            if nul >= 0:
                return _StreamCheck("nul", offset + nul, False)
        is_ascii = is_ascii and chunk.isascii()
        offset += len(chunk)


def identify(path: str | os.PathLike[str], *, sample: bytes | None = None) -> Identification:
    """Identify one file: siegfried for the format, then the encoding rules above.

    The file is opened read-only without following a final symlink. ``sample`` is
    the file's first bytes if the caller already read them (at most :data:`SAMPLE_SIZE`
    are used); proving UTF-8 still streams the whole file, 1 MiB at a time, so a
    100 MB file costs one read and flat memory. Raises :class:`IntakeError` when the
    file cannot be read.
    """
    name = os.fspath(path)
    descriptor, info = _open_regular(name)
    size = info.st_size
    warnings: list[str] = []
    with os.fdopen(descriptor, "rb") as stream:
        binary_head = False
        if sample is None:
            sample = stream.read(HEAD_SIZE)
            # Binary whatever follows: the rest of the sample is not read.
            binary_head = _bom_encoding(sample) is None and b"\x00" in sample
            if not binary_head:
                sample += stream.read(SAMPLE_SIZE - len(sample))
        sample = sample[:SAMPLE_SIZE]
        complete = binary_head or len(sample) >= size
        if binary_head:
            encoding, encoding_basis = None, "binary"
        else:
            encoding, encoding_basis = detect_encoding(sample, complete=complete)
        guessed = encoding_basis.startswith("charset-normalizer")
        if not complete and encoding is not None and not guessed:
            # The sample looked like text; prove it over the whole file.
            stream.seek(0)
            codec = "utf-8" if encoding == "ascii" else encoding
            check = _stream_check(stream, codec)
            if check.problem is None:
                if encoding == "ascii" and not check.is_ascii:
                    encoding, encoding_basis = "utf-8", "valid utf-8"
            elif encoding_basis == "bom" or check.problem == "nul":
                what = "a NUL byte" if check.problem == "nul" else f"bytes that are not {codec}"
                warnings.append(f"{what} at byte {check.offset}, after text: treated as binary")
                encoding, encoding_basis = None, "binary"
            else:
                offset = check.offset
                stream.seek(offset - offset % SAMPLE_SIZE)
                window = stream.read(SAMPLE_SIZE)
                warnings.append(
                    f"not valid UTF-8 from byte {offset} although the first 1 MiB is; "
                    "the file may mix encodings"
                )
                if _looks_binary(window):
                    encoding, encoding_basis = None, "binary"
                else:
                    encoding, encoding_basis = _guess_with_charset_normalizer(
                        window, f"1 MiB around byte {offset}"
                    )
    if encoding_basis.startswith("charset-normalizer"):
        warnings.append(f"encoding {encoding} is a guess: the file is not valid UTF-8")

    found = _siegfried(name)
    if found.get("errors") and size > 0:
        warnings.append(f"siegfried: {found['errors']}")
    matches = found.get("matches") or []
    match = matches[0] if matches else {}
    puid = match.get("id") or None
    if puid == "UNKNOWN":
        puid = None
    if match.get("warning"):
        warnings.append(f"siegfried: {match['warning']}")
    is_text = encoding is not None
    media_type = match.get("mime") or ("text/plain" if is_text else OCTET_STREAM)
    if media_type.startswith("text/") and not is_text and size > 0:
        warnings.append(
            f"siegfried says {media_type} but the bytes are not text ({encoding_basis})"
        )
    return Identification(
        size=size,
        media_type=media_type,
        puid=puid,
        format_name=(match.get("format") or None) if puid else None,
        format_version=(match.get("version") or None) if puid else None,
        basis=match.get("basis") or "no match",
        encoding=encoding,
        encoding_basis=encoding_basis,
        is_text=is_text,
        warnings=tuple(warnings),
    )
