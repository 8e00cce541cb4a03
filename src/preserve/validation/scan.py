"""One walk over a bag folder that never follows a symlink and never opens a file.

Everything the validator later reads or hashes must have been seen here as a regular
file, reached through real folders; manifest paths are matched against this index and
are never opened as given.
"""

from __future__ import annotations

import os
import stat
import sys
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class DiskFile:
    """A regular file found in the bag: its size and identity (device, inode)."""

    size: int
    device: int
    inode: int

    @property
    def identity(self) -> tuple[int, int]:
        return (self.device, self.inode)


@dataclass
class BagTree:
    """What is on disk under the bag folder, by relative POSIX path."""

    files: dict[str, DiskFile] = field(default_factory=dict)
    folders: set[str] = field(default_factory=set)
    symlinks: dict[str, str] = field(default_factory=dict)
    special: dict[str, str] = field(default_factory=dict)
    unreadable: dict[str, str] = field(default_factory=dict)

    def payload(self) -> dict[str, DiskFile]:
        return {path: f for path, f in self.files.items() if path.startswith("data/")}

    def tag_files(self) -> dict[str, DiskFile]:
        return {path: f for path, f in self.files.items() if not path.startswith("data/")}


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "named pipe"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode):
        return "character device"
    if stat.S_ISBLK(mode):
        return "block device"
    return "special file"


def scan_bag(root: str | os.PathLike[str]) -> BagTree:
    """Walk ``root`` depth-first without following symlinks; record what each entry is."""
    tree = BagTree()
    pending: list[tuple[str, str]] = [(os.fspath(root), "")]
    while pending:
        folder, prefix = pending.pop()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    _record(tree, pending, entry, prefix)
        except OSError as error:
            tree.unreadable[prefix.rstrip("/") or "."] = error.strerror or type(error).__name__
    return tree


def _record(
    tree: BagTree, pending: list[tuple[str, str]], entry: os.DirEntry[str], prefix: str
) -> None:
    # Interned: manifest paths parsed later become the same objects (less memory).
    relative = sys.intern(prefix + entry.name)
    try:
        status = entry.stat(follow_symlinks=False)
    except OSError as error:
        tree.unreadable[relative] = error.strerror or type(error).__name__
        return
    mode = status.st_mode
    if stat.S_ISLNK(mode):
        try:
            tree.symlinks[relative] = os.readlink(entry.path)
        except OSError:
            tree.symlinks[relative] = "?"
    elif stat.S_ISDIR(mode):
        tree.folders.add(relative)
        pending.append((entry.path, relative + "/"))
    elif stat.S_ISREG(mode):
        tree.files[relative] = DiskFile(status.st_size, status.st_dev, status.st_ino)
    else:
        tree.special[relative] = _kind(mode)
