"""A folder destination: local disk, a mounted share, a transfer-source folder that
Archivematica or a repository watches.

A package is written under ``.NAME.preserve-partial`` beside its final name, fsynced, read
back and re-hashed, then renamed: a watcher never sees half a package under its final name.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
from pathlib import Path
from typing import BinaryIO

from preserve.bagging import _fsync_file as fsync_path  # one file or folder, flushed
from preserve.bagging import fsync_tree
from preserve.handoff.core import (
    DeliveryError,
    DestinationAddress,
    StoreDestination,
    explain_os_error,
)

COPY_CHUNK = 1 << 20


class FolderStore:
    """:class:`~preserve.handoff.core.Store` over a local folder; nothing followed out of it."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, name: str) -> Path:
        return self.root / name if name else self.root

    def exists(self, name: str) -> bool:
        return os.path.lexists(self._path(name))

    def is_dir(self, name: str) -> bool:
        path = self._path(name)
        return path.is_dir() and not path.is_symlink()

    def makedirs(self, name: str) -> None:
        self._path(name).mkdir(parents=True, exist_ok=True)

    def put(self, local: Path, name: str) -> None:
        # O_EXCL: a file already there (another run, a race) is never written over.
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        descriptor = os.open(self._path(name), flags, 0o644)
        with local.open("rb") as source, os.fdopen(descriptor, "wb") as target:
            _copy(source, target)

    def open_read(self, name: str) -> BinaryIO:
        """The file as the storage holds it: its cached pages are dropped first (after the
        fsync), so the read-back proves what is on the disk, not what is in memory."""
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
        descriptor = os.open(self._path(name), flags)
        if hasattr(os, "posix_fadvise"):
            with contextlib.suppress(OSError):
                os.posix_fadvise(descriptor, 0, 0, os.POSIX_FADV_DONTNEED)
        return os.fdopen(descriptor, "rb", buffering=0)

    def rename(self, old: str, new: str) -> None:
        target = self._path(new)
        if os.path.lexists(target):
            raise FileExistsError(17, "already exists", str(target))
        # Two runs racing to the same name: os.rename would replace an empty folder or a
        # file; a link-then-unlink would not, but folders cannot be linked. The check above
        # and the temporary name private to this package make the window tiny.
        os.rename(self._path(old), target)

    def remove(self, name: str) -> None:
        path = self._path(name)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()

    def files(self, name: str) -> tuple[list[str], list[str]]:
        base = self._path(name)
        found: list[str] = []
        other: list[str] = []
        for folder, folders, names in os.walk(base):
            for entry in folders + names:
                full = Path(folder) / entry
                relative = full.relative_to(base).as_posix()
                mode = full.lstat().st_mode
                if stat.S_ISREG(mode):
                    found.append(relative)
                elif not stat.S_ISDIR(mode):
                    other.append(relative)
        return found, other

    def finish(self, name: str) -> None:
        path = self._path(name)
        if path.is_dir():
            fsync_tree(path) if name else fsync_path(path)
        else:
            fsync_path(path)

    def close(self) -> None:
        pass


def _copy(source: BinaryIO, target: BinaryIO) -> None:
    """In the kernel when it can (copy_file_range), through a buffer when it cannot."""
    size = os.fstat(source.fileno()).st_size
    copied = 0
    try:
        while copied < size:
            count = os.copy_file_range(source.fileno(), target.fileno(), size - copied)
            if count == 0:
                break
            copied += count
    except OSError:
        if copied:
            raise
        shutil.copyfileobj(source, target, COPY_CHUNK)  # another file system, an old kernel
        return
    if copied != size:
        raise OSError(errno.EIO, f"copied {copied} of {size} bytes", str(source.name))


class FolderDestination(StoreDestination):
    def __init__(self, address: DestinationAddress) -> None:
        self.address = address
        root = Path(address.path)
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise DeliveryError(
                f"cannot use the destination folder {root}: "
                + explain_os_error(error, str(error.filename or root))
            ) from error
        if not root.is_dir():
            raise DeliveryError(f"the destination {root} is not a folder: give a folder")
        self.store = FolderStore(root)
