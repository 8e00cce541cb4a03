"""Intake: find the items in a source folder, safely, without touching them.

Each top-level entry of a source folder is one item: a file is a one-file item, a folder a
multi-file item. Nothing here follows a symbolic link, opens a special file, or accepts a
name that cannot be written into a UTF-8 manifest; each refusal is a one-line reason for the
report, and the other items go on.

Names are kept exactly as given, in the package as in the record of the original path: an
NFD name (macOS writes them) stays NFD, since the name is part of the original. BagIt allows
any UTF-8 name, and the manifest and the disk agree because both are written from it. Two
entries whose names differ only in normalisation are refused: they would collide on macOS.

>>> slugify("Réunion du 26 février (draft) #2.txt")
'reunion-du-26-fevrier-draft-2-txt'
>>> slugify("...")
'item'
"""

from __future__ import annotations

import os
import re
import stat
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from preserve.errors import ConfigError


@dataclass(frozen=True)
class SourceFile:
    """One original file of an item."""

    path: Path
    """Where it is read from (never written)."""
    relative: str
    """Its name inside the item, '/'-separated, as given: ``page 1.txt``, ``a/b.txt``."""
    size: int


@dataclass(frozen=True)
class Item:
    """One top-level entry of a source folder, ready to be preserved."""

    name: str
    path: Path
    kind: str
    """``file`` or ``folder``."""
    files: tuple[SourceFile, ...]

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files)


@dataclass(frozen=True)
class Rejected:
    """An entry that cannot be preserved as it is, and why (one sentence that says what to do)."""

    name: str
    path: Path
    reason: str


@dataclass
class Discovery:
    items: list[Item] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


def slugify(name: str, limit: int = 48) -> str:
    """A readable, portable folder-name part: ASCII letters, digits and dashes."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:limit].rstrip("-") or "item"


def check_separate(sources: Sequence[Path], output: Path, catalog: Path | None = None) -> None:
    """Refuse an output folder inside a source (it would ingest its own packages), a source
    inside the output, or a catalog inside a source (it would be preserved as an item)."""
    out = output.resolve()
    for source in sources:
        src = source.resolve()
        if catalog is not None and (src == catalog.resolve() or src in catalog.resolve().parents):
            raise ConfigError(
                f"The catalog {catalog} is inside the source {source}: "
                "choose a catalog outside every source."
            )
        if out == src or src in out.parents:
            raise ConfigError(
                f"The output folder {output} is inside the source {source}: "
                "choose an output folder outside every source."
            )
        if out in src.parents:
            raise ConfigError(
                f"The source {source} is inside the output folder {output}: "
                "choose a source outside the packages folder."
            )


def _name_problem(name: str) -> str | None:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return "its name is not valid UTF-8 and cannot be written in a manifest: rename it"
    return None


def _reject_reason(path: Path, mode: int, source: Path) -> str | None:
    if stat.S_ISLNK(mode):
        target = os.readlink(path)
        return (
            f"is a symbolic link (to {target}); links are never followed: copy the file "
            "itself into the source to preserve it"
        )
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        return "is not a regular file or folder (device, pipe or socket): it cannot be preserved"
    return None


def _walk_folder(item_path: Path, source: Path) -> tuple[list[SourceFile], list[str]]:
    """Every regular file under a folder item, sorted, and the reasons it is unsafe if any."""
    files: list[SourceFile] = []
    problems: list[str] = []
    seen: dict[str, str] = {}

    def visit(folder: Path, prefix: str) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as error:
            problems.append(f"folder {prefix or '.'} cannot be read ({error.strerror})")
            return
        for entry in entries:
            relative = f"{prefix}{entry.name}"
            shown = relative.encode("utf-8", "backslashreplace").decode("utf-8")
            bad_name = _name_problem(entry.name)
            if bad_name:
                problems.append(f"{shown}: {bad_name}")
                continue
            mode = entry.stat(follow_symlinks=False).st_mode
            reason = _reject_reason(Path(entry.path), mode, source)
            if reason:
                problems.append(f"{shown} {reason}")
                continue
            normal = unicodedata.normalize("NFC", relative)
            if normal in seen:
                problems.append(
                    f"{shown} and {seen[normal]} have the same name once Unicode-normalised: "
                    "rename one"
                )
                continue
            seen[normal] = shown
            if stat.S_ISDIR(mode):
                visit(Path(entry.path), relative + "/")
            else:
                size = entry.stat(follow_symlinks=False).st_size
                files.append(SourceFile(Path(entry.path), relative, size))

    visit(item_path, "")
    return files, problems


def discover(sources: Iterable[Path]) -> Discovery:
    """The items of every source folder, in a stable order, and the entries refused.

    A source may also be a single file, which is then one item.
    """
    found = Discovery()
    for source in sources:
        source = Path(source)
        try:
            source_mode = os.stat(source, follow_symlinks=False).st_mode
        except FileNotFoundError:
            raise ConfigError(
                f"The source {source} does not exist: give an existing folder of raw files."
            ) from None
        if stat.S_ISREG(source_mode):
            entries = [source]
            parent = source.parent
        elif stat.S_ISDIR(source_mode):
            try:
                entries = sorted(source.iterdir(), key=lambda p: p.name)
            except PermissionError:
                raise ConfigError(
                    f"The source {source} cannot be read: give preserve read access to it."
                ) from None
            parent = source
        else:
            raise ConfigError(
                f"The source {source} is not a folder (a link or special file): "
                "give the folder itself."
            )
        for path in entries:
            found_item = examine(path, parent)
            if isinstance(found_item, Rejected):
                found.rejected.append(found_item)
            else:
                found.items.append(found_item)
    return found


def examine(path: Path, source: Path | None = None) -> Item | Rejected:
    """One entry as an item (a file or a whole folder), or the reason it cannot be one."""
    source = source or path.parent
    name = path.name
    shown = name.encode("utf-8", "backslashreplace").decode("utf-8")
    bad_name = _name_problem(name)
    if bad_name:
        return Rejected(shown, path, bad_name)
    try:
        info = os.stat(path, follow_symlinks=False)
    except OSError as error:
        return Rejected(
            shown, path, f"cannot be examined ({error.strerror}): check its permissions"
        )
    reason = _reject_reason(path, info.st_mode, source)
    if reason:
        return Rejected(shown, path, reason)
    if stat.S_ISREG(info.st_mode):
        return Item(
            name, path.absolute(), "file", (SourceFile(path.absolute(), name, info.st_size),)
        )
    files, problems = _walk_folder(path, source)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        return Rejected(shown, path, f"folder item not preserved: {problems[0]}{more}")
    if not files:
        return Rejected(shown, path, "is an empty folder: there is nothing to preserve")
    return Item(
        name,
        path.absolute(),
        "folder",
        tuple(SourceFile(f.path.absolute(), f"{name}/{f.relative}", f.size) for f in files),
    )
