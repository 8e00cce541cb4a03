"""Write BagIt 1.0 packages (RFC 8493) aside, then publish them with one atomic rename.

We write bags ourselves instead of calling bagit-python's ``make_bag``: it writes BagIt
0.97, converts a folder *in place* (it would move the originals) and calls ``os.chdir``
while it runs, which is unsafe beside other threads. What we write is checked by our
validator and, in the tests, by bagit-python itself.

A package is built under ``<packages>/.staging/`` on the same file system, every file
and folder is flushed to disk, the bag is validated, and only then renamed to its final
name. A crash at any moment leaves either no package or a whole one; the next run removes
the leftovers of a dead run and finishes the job.

>>> encode_manifest_path("data/100% of\\nthis.txt")
'data/100%25 of%0Athis.txt'
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import re
import secrets
import shutil
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from preserve.errors import PackageError
from preserve.fixity import digest_bytes, read_buffer

STAGING = ".staging"
BAGIT_TXT = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"


@dataclass(frozen=True)
class PayloadFile:
    """A file now in the bag's payload, with its digests."""

    bag_path: str
    """As written in the manifest, before percent-encoding: ``data/original/a.txt``."""
    size: int
    digests: dict[str, str]


def encode_manifest_path(path: str) -> str:
    """Percent-encode what RFC 8493 §2.1.3 requires in manifest paths: %, CR and LF."""
    return path.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def decode_manifest_path(path: str) -> str:
    """The inverse of :func:`encode_manifest_path`.

    >>> decode_manifest_path("data/100%25 of%0Athis.txt")
    'data/100% of\\nthis.txt'
    """
    return path.replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%")


_MANIFEST_LINE = re.compile(r"(?P<digest>\S+)[ \t]+(?P<path>.*)", re.DOTALL)


def read_payload_manifests(root: Path) -> dict[str, dict[str, str]]:
    """Every payload path of a (validated) bag with its digests, from all its manifests."""
    found: dict[str, dict[str, str]] = {}
    for manifest in sorted(root.glob("manifest-*.txt")):
        algorithm = manifest.name[len("manifest-") : -len(".txt")]
        # split on LF only: a name may hold other line separators (U+2028, form feed).
        for line in manifest.read_bytes().decode("utf-8").split("\n"):
            match = _MANIFEST_LINE.fullmatch(line)
            if match:
                path = decode_manifest_path(match["path"])
                found.setdefault(path, {})[algorithm] = match["digest"]
    return found


def encode_tag_value(value: str) -> str:
    """bag-info values are single lines here; encode CR/LF (and %) where a name has them."""
    if "\n" in value or "\r" in value:
        return encode_manifest_path(value)
    return value


def _fsync_file(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def fsync_tree(root: Path) -> None:
    """Flush every file and folder under ``root`` (folders too: their entries are data)."""
    for folder, _dirs, files in os.walk(root):
        for name in files:
            _fsync_file(Path(folder) / name)
        _fsync_file(Path(folder))


def _syncfs() -> Callable[[int], int] | None:
    """Linux's ``syncfs(2)`` (no Python binding), or None where the C library has none."""
    try:
        function = ctypes.CDLL(None, use_errno=True).syncfs
    except (AttributeError, OSError):
        return None
    function.argtypes = [ctypes.c_int]
    function.restype = ctypes.c_int
    return cast("Callable[[int], int]", function)


_SYNCFS = _syncfs()


def flush_trees(roots: Sequence[Path]) -> None:
    """Flush every file and folder under each of ``roots`` to disk, durably.

    Where the system has ``syncfs`` (Linux), one call per file system: it writes back every
    dirty file of that file system and commits its journal once, where an ``fsync`` per file
    commits it once per file (20 files make a small text's package: 20 journal commits).
    Since Linux 5.8 it reports a write-back error as fsync does. Elsewhere, :func:`fsync_tree`
    on each root.
    """
    if _SYNCFS is None:
        for root in roots:
            fsync_tree(root)
        return
    devices: dict[int, Path] = {}
    for root in roots:
        devices.setdefault(root.stat().st_dev, root)
    for root in devices.values():
        descriptor = os.open(root, os.O_RDONLY)
        try:
            if _SYNCFS(descriptor) != 0:
                number = ctypes.get_errno()
                raise OSError(number, os.strerror(number), str(root))
        finally:
            os.close(descriptor)


def copy_and_hash(
    source: Path,
    target: Path,
    algorithms: Sequence[str],
    progress: Callable[[int], None] | None = None,
) -> tuple[dict[str, str], int]:
    """Copy a file byte for byte while computing its digests: one read of the original.

    The original is opened read-only without following a symlink; its times are not set on
    the copy (a package records when it was made, not when the file was).
    """
    import hashlib

    hashers = {name: hashlib.new(name) for name in algorithms}
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    target.parent.mkdir(parents=True, exist_ok=True)
    size = 0
    descriptor = os.open(source, flags)
    with os.fdopen(descriptor, "rb", buffering=0) as reader, open(target, "xb") as writer:
        view = read_buffer()
        while count := reader.readinto(view):
            chunk = view[:count]
            for hasher in hashers.values():
                hasher.update(chunk)
            writer.write(chunk)
            size += count
            if progress is not None:
                progress(count)
    return {name: hasher.hexdigest() for name, hasher in hashers.items()}, size


def write_payload_bytes(
    root: Path, bag_path: str, data: bytes, algorithms: Sequence[str]
) -> PayloadFile:
    """A derived or metadata file we produce ourselves, written into the payload."""
    target = root / bag_path
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "xb") as writer:
        writer.write(data)
    return PayloadFile(bag_path, len(data), digest_bytes(data, algorithms))


def _manifest(entries: Iterable[tuple[str, str]]) -> bytes:
    lines = [
        f"{digest}  {encode_manifest_path(path)}\n"
        for path, digest in sorted(entries, key=lambda e: e[0])
    ]
    return "".join(lines).encode("utf-8")


def finish_bag(
    root: Path,
    payload: Sequence[PayloadFile],
    bag_info: Sequence[tuple[str, str]],
    algorithms: Sequence[str],
) -> str:
    """Write bagit.txt, the payload manifests, bag-info.txt (with Payload-Oxum) and the tag
    manifests. Returns the Payload-Oxum."""
    paths = [p.bag_path for p in payload]
    if len(set(paths)) != len(paths):
        raise PackageError("Two payload files have the same path: this is a bug in preserve.")
    octets = sum(p.size for p in payload)
    oxum = f"{octets}.{len(payload)}"
    tag_files: dict[str, bytes] = {"bagit.txt": BAGIT_TXT}
    for algorithm in algorithms:
        tag_files[f"manifest-{algorithm}.txt"] = _manifest(
            (p.bag_path, p.digests[algorithm]) for p in payload
        )
    info_lines = [f"{name}: {encode_tag_value(value)}\n" for name, value in bag_info]
    info_lines.append(f"Payload-Oxum: {oxum}\n")
    info_lines.append(f"Bag-Size: {_human_size(octets)}\n")
    tag_files["bag-info.txt"] = "".join(info_lines).encode("utf-8")
    for name, data in tag_files.items():
        (root / name).write_bytes(data)
    for algorithm in algorithms:
        entries = [
            (name, digest_bytes(data, (algorithm,))[algorithm]) for name, data in tag_files.items()
        ]
        (root / f"tagmanifest-{algorithm}.txt").write_bytes(_manifest(entries))
    return oxum


def _human_size(octets: int) -> str:
    size = float(octets)
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            return f"{int(size)} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")


def new_staging(packages: Path, name: str) -> Path:
    """A fresh, private folder to build one package in, on the packages' file system."""
    folder = packages / STAGING / f"{name}.{os.getpid()}.{secrets.token_hex(4)}"
    # parents: another run that just finished may have removed the empty staging folder.
    folder.mkdir(parents=True)
    return folder


def process_alive(pid: int) -> bool:
    """Is process ``pid`` running? A zombie (exited, not yet reaped by its parent) is not:
    its staging folder, lock or server is as dead as it is."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[-1].split()[0] != b"Z"
    except OSError:
        return True


def remove_dead_staging(packages: Path) -> list[Path]:
    """Remove half-built packages left by runs that died (kill -9, power cut)."""
    staging = packages / STAGING
    removed: list[Path] = []
    if not staging.is_dir():
        return removed
    for folder in staging.iterdir():
        parts = folder.name.rsplit(".", 2)
        pid = int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else None
        if pid is not None and process_alive(pid):
            continue  # a run still building (this one or another): not ours to remove
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


LOCKS = ".locks"


@contextmanager
def claim_package(packages: Path, name: str) -> Iterator[bool]:
    """Hold a package name while this run looks it up, builds, publishes and records it, so
    that two runs into one packages folder (a scheduled one and a manual one), or two
    threads, never build or record the same package at once.

    An OS lock (``flock``) on ``<packages>/.locks/<name>.lock``: the kernel releases it when
    the holder ends, however it ends, so a killed run never leaves a stale claim. Waits
    while another holds it; yields whether it had to wait. Lock files are left in place
    (removing one another process has open would let two runs hold "the" lock).
    """
    folder = packages / LOCKS
    folder.mkdir(exist_ok=True)
    descriptor = os.open(folder / f"{name}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            waited = False
        except BlockingIOError:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            waited = True
        yield waited
    finally:
        os.close(descriptor)  # releases the lock


def publish(staging: Path, final: Path, *, flushed: bool = False) -> None:
    """Make a finished, validated bag visible under its final name, atomically and durably.

    ``flushed``: the caller has flushed the staging bag to disk (:func:`flush_trees`, for a
    whole batch at once) and will make the rename durable (:func:`sync_folders` on both
    parents) before it tells anyone the package exists.
    """
    if not flushed:
        fsync_tree(staging)
    if final.exists():
        raise PackageError(f"A package named {final.name} already exists: it was not replaced.")
    os.rename(staging, final)
    if not flushed:
        sync_folders([final.parent, staging.parent])


def sync_folders(folders: Iterable[Path]) -> None:
    """Make the entries of ``folders`` (a rename into or out of them) durable."""
    for folder in dict.fromkeys(folders):
        _fsync_file(folder)
