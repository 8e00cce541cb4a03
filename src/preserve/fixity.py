"""Checksums: every algorithm of a file computed in one read.

>>> import io
>>> digests = digest_stream(io.BytesIO(b"abc"), ("sha256",))
>>> digests["sha256"][:16]
'ba7816bf8f01cfea'
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 20
"""Read size: 1 MiB keeps memory flat and the hash loop in C."""

PREMIS_NAMES = {"md5": "MD5", "sha1": "SHA-1", "sha256": "SHA-256", "sha512": "SHA-512"}


def digest_stream(
    stream: BinaryIO,
    algorithms: Iterable[str],
    progress: Callable[[int], None] | None = None,
) -> dict[str, str]:
    """Hex digests of everything left in ``stream``, one pass for all algorithms."""
    hashers = {name: hashlib.new(name) for name in algorithms}
    view = read_buffer()
    while True:
        count = stream.readinto(view)  # type: ignore[attr-defined]
        if not count:
            break
        chunk = view[:count]
        for hasher in hashers.values():
            hasher.update(chunk)
        if progress is not None:
            progress(count)
    return {name: hasher.hexdigest() for name, hasher in hashers.items()}


_local = threading.local()


def read_buffer() -> memoryview:
    """One read buffer per thread, reused: allocating 1 MiB per file cost more than hashing
    a small file."""
    view = getattr(_local, "view", None)
    if view is None:
        view = _local.view = memoryview(bytearray(CHUNK))
    return view


def digest_file(
    path: str | os.PathLike[str],
    algorithms: Iterable[str],
    progress: Callable[[int], None] | None = None,
) -> tuple[dict[str, str], int]:
    """Digests and size of a file, opened read-only and without following a final symlink."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    descriptor = os.open(path, flags)
    with os.fdopen(descriptor, "rb", buffering=0) as stream:
        size = os.fstat(stream.fileno()).st_size
        return digest_stream(stream, algorithms, progress), size


def digest_bytes(data: bytes, algorithms: Iterable[str]) -> dict[str, str]:
    """Digests of bytes already in memory (derived files we write ourselves)."""
    return {name: hashlib.new(name, data).hexdigest() for name in algorithms}


def file_matches(path: Path, expected: dict[str, str]) -> bool:
    """True when the file still has every expected digest."""
    found, _ = digest_file(path, expected)
    return found == expected
