"""Serialized bags (``.tar``, ``.tar.gz``/``.tgz``, ``.zip``) opened safely in a scratch folder.

Nothing from an archive may land or be read outside the scratch folder: absolute names,
``..``, drive letters, symbolic and hard links, devices and FIFOs are refused; only
regular files and folders are written, each created new (``O_EXCL``, no symlink
followed), and the total size and member count are bounded while the bytes are
actually read (a zip's declared sizes are not trusted).

>>> archive_kind("bag.tar.gz"), archive_kind("bag.ZIP"), archive_kind("bag")
('tar', 'zip', None)
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import shutil
import stat
import tarfile
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from preserve.errors import PackageError, UnsafePathError
from preserve.report import Problem, Report
from preserve.validation.paths import check_path, shown
from preserve.validation.validator import make_printable, validate_bag

MAX_BYTES = 256 << 30
"""Largest total a serialized bag may unpack to by default (256 GiB); never more than the
scratch folder's disk has free (less a reserve), so a bomb cannot fill the disk."""
MAX_MEMBERS = 2_000_000
CHUNK = 1 << 20
FREE_RESERVE = 256 << 20
"""Space left free on the scratch folder's disk whatever the archive holds."""
_TAR_BLOCK = 512
_TAIL = 1 << 16
"""Bytes of a tar stream kept behind the reader: enough to look at its end-of-archive block."""


class ArchiveDamaged(PackageError):
    """A serialized bag that is cut short or corrupt: it cannot be a valid bag.

    ``code`` is ``archive-truncated`` or ``archive-corrupt``.
    """

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def archive_kind(path: str | os.PathLike[str]) -> str | None:
    """``tar`` or ``zip`` from the file name, or None when it does not look like an archive."""
    name = os.fspath(path).lower()
    if name.endswith((".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")):
        return "tar"
    if name.endswith(".zip"):
        return "zip"
    return None


_SUFFIX_MIME = (
    (".tar.gz", "application/gzip"),
    (".tgz", "application/gzip"),
    (".tar.bz2", "application/x-bzip2"),
    (".tar.xz", "application/x-xz"),
    (".tar", "application/tar"),
    (".zip", "application/zip"),
    (".7z", "application/x-7z-compressed"),
)
_MAGIC_MIME = (
    (b"PK\x03\x04", "application/zip"),
    (b"\x1f\x8b", "application/gzip"),
    (b"BZh", "application/x-bzip2"),
    (b"\xfd7zXZ\x00", "application/x-xz"),
)


def archive_mime(path: str | os.PathLike[str]) -> str | None:
    """The MIME type of a serialized bag, from its name or else its first bytes (None for a
    folder), as BagIt profiles name serializations.

    >>> archive_mime("bag.tgz"), archive_mime("bag.zip")
    ('application/gzip', 'application/zip')
    """
    source = Path(path)
    name = source.name.lower()
    for suffix, mime in _SUFFIX_MIME:
        if name.endswith(suffix):
            return mime
    try:
        if not source.is_file():
            return None
        with source.open("rb") as stream:
            head = stream.read(6)
    except OSError:
        return None
    for magic, mime in _MAGIC_MIME:
        if head.startswith(magic):
            return mime
    return "application/tar" if _is_tar(source) else None


def is_archive(path: str | os.PathLike[str]) -> bool:
    """A file named like an archive, or one whose bytes are a tar or zip archive."""
    source = Path(path)
    if archive_kind(source) is not None:
        return True
    try:
        return source.is_file() and (zipfile.is_zipfile(source) or _is_tar(source))
    except OSError:
        return False


class _Refusals:
    """Unsafe members: collected into ``problems`` when given, else the first one raises."""

    def __init__(self, problems: list[Problem] | None) -> None:
        self.problems = problems

    def refuse(self, member: str, code: str, reason: str) -> None:
        message = f"The archive member {shown(member)!r} was not unpacked: {reason}."
        if self.problems is None:
            raise UnsafePathError(message + " Do not open this archive; ask its sender.")
        self.problems.append(Problem("error", code, shown(member), message, {"reason": reason}))


class _Budget:
    def __init__(self, max_bytes: int, max_members: int, free: int | None = None) -> None:
        self.disk_bound = free is not None and free < max_bytes
        self.bytes_left = min(max_bytes, free) if free is not None else max_bytes
        self.members_left = max_members

    def member(self) -> None:
        self.members_left -= 1
        if self.members_left < 0:
            raise PackageError("The archive has too many members to unpack safely.")

    def spend(self, count: int) -> None:
        self.bytes_left -= count
        if self.bytes_left < 0 and self.disk_bound:
            raise PackageError(
                "The archive unpacks to more than the scratch folder's disk has free; set "
                "TMPDIR to a folder on a larger disk."
            )
        if self.bytes_left < 0:
            raise PackageError(
                "The archive unpacks to more than the allowed size; raise max_bytes if it "
                "is genuine."
            )


def _target(scratch: Path, name: str, refusals: _Refusals) -> Path | None:
    if name in (".", "./"):
        return None  # the archive's own root, as ``tar -cf x.tar .`` writes it
    checked = check_path(name.rstrip("/") if name not in ("", "/") else name)
    if checked.unsafe is not None:
        refusals.refuse(name, "archive-unsafe-member", checked.unsafe)
        return None
    if checked.path in (".", ""):
        return None
    return scratch.joinpath(*checked.path.split("/"))


def _make_folders(scratch: Path, folder: Path) -> None:
    """Create ``folder`` under ``scratch`` one level at a time, never through a symlink."""
    current = scratch
    for part in folder.relative_to(scratch).parts:
        current = current / part
        try:
            os.mkdir(current, 0o700)
        except FileExistsError:
            if not stat.S_ISDIR(os.lstat(current).st_mode):
                raise UnsafePathError(
                    f"{current.relative_to(scratch)} is both a file and a folder in the archive."
                ) from None


def _write(
    scratch: Path, target: Path, source: IO[bytes], budget: _Budget, refusals: _Refusals
) -> None:
    _make_folders(scratch, target.parent)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        descriptor = os.open(target, flags | getattr(os, "O_CLOEXEC", 0), 0o600)
    except FileExistsError:
        refusals.refuse(
            str(target.relative_to(scratch)),
            "archive-duplicate-member",
            "the archive holds this name twice",
        )
        return
    with os.fdopen(descriptor, "wb") as sink:
        while chunk := source.read(CHUNK):
            budget.spend(len(chunk))
            sink.write(chunk)


class _TarSource(io.RawIOBase):
    """The uncompressed bytes of a tar stream, counted, with the last ``_TAIL`` kept.

    tarfile's stream mode stops quietly at a cut-off or garbled header, as if the archive
    had ended there; keeping the tail lets :func:`_check_tar_end` tell a real end (a zero
    block) from a damaged one. gzip, bzip2 and xz are decompressed here, by modules that
    raise on a missing end or a checksum that does not match.
    """

    def __init__(self, stream: io.BufferedIOBase, limit: int) -> None:
        super().__init__()
        self.stream = stream
        self.limit = limit
        self.total = 0
        self.tail = bytearray()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.stream.read(len(buffer))
        count = len(data)
        buffer[:count] = data
        self.total += count
        if self.total > self.limit:
            raise PackageError(
                "The archive unpacks to more than the allowed size; raise max_bytes if it "
                "is genuine."
            )
        self.tail += data
        if len(self.tail) > 2 * _TAIL:
            del self.tail[:-_TAIL]
        return count

    def block_at(self, offset: int) -> bytes:
        """The tar block at ``offset`` (shorter when the stream ends first)."""
        while self.total < offset + _TAR_BLOCK and self.read(CHUNK):
            pass
        start = offset - (self.total - len(self.tail))
        if start < 0:
            raise ArchiveDamaged("The archive's end could not be checked.", "archive-corrupt")
        return bytes(self.tail[start : start + _TAR_BLOCK])


def _decompressed(archive: Path) -> io.BufferedIOBase:
    with archive.open("rb") as stream:
        magic = stream.read(6)
    if magic.startswith(b"\x1f\x8b"):
        return gzip.GzipFile(archive, "rb")
    if magic.startswith(b"BZh"):
        return bz2.BZ2File(archive, "rb")
    if magic.startswith(b"\xfd7zXZ\x00"):
        return lzma.LZMAFile(archive, "rb")
    return archive.open("rb")


def _extract_tar(archive: Path, scratch: Path, budget: _Budget, refusals: _Refusals) -> None:
    # Headers and padding cost at most two blocks per member beyond the files' bytes.
    limit = budget.bytes_left + 2 * _TAR_BLOCK * (budget.members_left + 1) + 20 * _TAR_BLOCK
    with _decompressed(archive) as raw:
        source = _TarSource(raw, limit)
        # Stream mode reads members in order and keeps no index: flat memory for any size.
        with tarfile.open(fileobj=source, mode="r|") as bundle:
            while (member := bundle.next()) is not None:
                _extract_member(bundle, member, scratch, budget, refusals)
                # tarfile keeps every header it read, even in stream mode: a million
                # members would hold a million TarInfo objects. Links are refused, so
                # nothing needs an earlier member.
                bundle.members.clear()  # type: ignore[attr-defined]
            _check_tar_end(source, bundle.offset)


def _check_tar_end(source: _TarSource, offset: int) -> None:
    """A tar archive ends with a zero block; then the compressed stream must end cleanly."""
    block = source.block_at(offset)
    if len(block) < _TAR_BLOCK:
        raise ArchiveDamaged(
            "The archive is truncated: it stops in the middle of a member or before its end.",
            "archive-truncated",
        )
    if block.count(0) != _TAR_BLOCK:
        raise ArchiveDamaged(
            "The archive is corrupt: a member header is not a tar header.", "archive-corrupt"
        )
    # Read to the end: a gzip trailer (CRC and length) is only checked there.
    while source.read(CHUNK):
        pass


def _extract_member(
    bundle: tarfile.TarFile,
    member: tarfile.TarInfo,
    scratch: Path,
    budget: _Budget,
    refusals: _Refusals,
) -> None:
    budget.member()
    if member.isdir():
        folder = _target(scratch, member.name, refusals)
        if folder is not None:
            _make_folders(scratch, folder)
        return
    if member.issym() or member.islnk():
        kind = "symbolic" if member.issym() else "hard"
        refusals.refuse(member.name, "archive-link-member", f"it is a {kind} link")
        return
    if not member.isreg():
        refusals.refuse(
            member.name,
            "archive-special-member",
            "it is a device, FIFO or other special file",
        )
        return
    target = _target(scratch, member.name, refusals)
    if target is None:
        return
    source = bundle.extractfile(member)
    if source is None:
        return
    with source:
        _write(scratch, target, source, budget, refusals)


def _extract_zip(archive: Path, scratch: Path, budget: _Budget, refusals: _Refusals) -> None:
    with zipfile.ZipFile(archive) as bundle:
        for info in bundle.infolist():
            budget.member()
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                refusals.refuse(info.filename, "archive-link-member", "it is a symbolic link")
                continue
            kind = stat.S_IFMT(mode)
            if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
                refusals.refuse(
                    info.filename,
                    "archive-special-member",
                    "it is a device, FIFO or other special file",
                )
                continue
            if info.flag_bits & 0x1:
                refusals.refuse(info.filename, "archive-encrypted-member", "it is encrypted")
                continue
            target = _target(scratch, info.filename, refusals)
            if target is None:
                continue
            if info.is_dir():
                _make_folders(scratch, target)
                continue
            with bundle.open(info) as source:
                _write(scratch, target, source, budget, refusals)


@contextmanager
def open_bag(
    path: str | os.PathLike[str],
    *,
    problems: list[Problem] | None = None,
    max_bytes: int = MAX_BYTES,
    max_members: int = MAX_MEMBERS,
    scratch_parent: str | os.PathLike[str] | None = None,
) -> Iterator[Path]:
    """Yield the bag folder: ``path`` itself if it is a folder, else a safe unpacked copy.

    An archive is unpacked into a new scratch folder (removed afterwards); the bag is
    its single top-level folder (or the scratch folder when the archive has none).
    Unsafe members raise :class:`UnsafePathError`, or, when ``problems`` is a list, are
    skipped and reported there so a validator can list them all. An unreadable archive
    or one over ``max_bytes``/``max_members`` raises :class:`PackageError`.
    """
    source = Path(path)
    if source.is_dir():
        yield source
        return
    if not source.is_file():
        raise PackageError(f"{source} does not exist; give the path of a bag folder or archive.")
    # The name decides first: a tar whose last member is a zip also looks like a zip.
    kind = archive_kind(source)
    if kind is None:
        kind = "zip" if zipfile.is_zipfile(source) else "tar" if _is_tar(source) else None
    if kind is None:
        raise PackageError(f"{source} is neither a bag folder nor a .tar, .tar.gz or .zip archive.")
    scratch = Path(tempfile.mkdtemp(prefix="preserve-bag-", dir=scratch_parent))
    try:
        refusals = _Refusals(problems)
        budget = _Budget(max_bytes, max_members, _free_space(scratch))
        extract: Callable[..., None] = _extract_zip if kind == "zip" else _extract_tar
        try:
            extract(source, scratch, budget, refusals)
        except _READ_ERRORS as error:
            raise _damage(source, kind, error) from error
        yield _bag_root(scratch, source, problems)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


_TAR_CUT_SHORT = frozenset(
    {"unexpected end of data", "empty header", "truncated header", "empty file"}
)
"""What tarfile says when its input ends where a header or a member's bytes should be."""
_READ_ERRORS = (
    tarfile.TarError,
    zipfile.BadZipFile,
    zlib.error,
    lzma.LZMAError,
    EOFError,
    OSError,
    ValueError,
    NotImplementedError,
)
"""What reading a damaged archive raises (gzip's BadGzipFile and bz2's errors are OSErrors)."""


def _free_space(folder: Path) -> int | None:
    try:
        return max(0, shutil.disk_usage(folder).free - FREE_RESERVE)
    except OSError:
        return None


def _damage(source: Path, kind: str, error: Exception) -> PackageError:
    """Name what is wrong with an archive that failed while it was read."""
    what = f"{type(error).__name__}: {error}"
    if isinstance(error, EOFError) or (
        isinstance(error, tarfile.ReadError) and str(error) in _TAR_CUT_SHORT
    ):
        return ArchiveDamaged(
            f"{source} is truncated ({what}): it ends before its last member does; ask for a "
            "complete copy.",
            "archive-truncated",
        )
    if kind == "zip" and isinstance(error, zipfile.BadZipFile) and _starts_like_zip(source):
        return ArchiveDamaged(
            f"{source} is truncated or damaged ({what}): its table of contents is missing; "
            "ask for a complete copy.",
            "archive-truncated" if "not a zip file" in str(error) else "archive-corrupt",
        )
    if isinstance(error, OSError) and error.errno is not None:
        # The disk (full, unwritable), not the archive.
        return PackageError(
            f"{source} could not be unpacked ({what}); check the scratch folder's disk."
        )
    return ArchiveDamaged(
        f"{source} is corrupt ({what}); ask for an intact copy.", "archive-corrupt"
    )


def _starts_like_zip(path: Path) -> bool:
    try:
        with path.open("rb") as stream:
            return stream.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def _is_tar(path: Path) -> bool:
    try:
        return tarfile.is_tarfile(path)
    except (OSError, tarfile.TarError, EOFError, ValueError):
        return False


def _bag_root(scratch: Path, source: Path, problems: list[Problem] | None) -> Path:
    entries = list(scratch.iterdir())
    folders = [e for e in entries if e.is_dir() and not e.is_symlink()]
    if len(entries) == 1 and folders:
        root = folders[0]
        stem = source.name
        for suffix in (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar", ".zip"):
            if stem.lower().endswith(suffix):
                stem = stem[: -len(suffix)]
                break
        if stem != root.name and problems is not None:
            problems.append(
                Problem(
                    "notice",
                    "archive-name-differs",
                    "",
                    f"The archive is named {stem!r} but its bag folder is {root.name!r}; BagIt "
                    "recommends the same name.",
                    {"archive": stem, "folder": shown(root.name)},
                )
            )
        return root
    if problems is not None:
        problems.append(
            Problem(
                "warning",
                "archive-layout",
                "",
                "The archive should hold exactly one top-level folder, the bag; its top level "
                "was validated as the bag.",
                {"top_level": sorted(shown(e.name) for e in entries)[:20]},
            )
        )
    return scratch


def validate_path(
    path: str | os.PathLike[str], *, profile: Mapping[str, Any] | None = None, **options: Any
) -> Report:
    """Validate a bag folder or a serialized bag; never raises for anything the input holds.

    ``options`` are those of :func:`~preserve.validation.validate_bag`, plus ``max_bytes``
    and ``max_members``. With ``profile`` (from
    :func:`~preserve.validation.profile.load_profile`) the bag is also checked against
    it, on the same unpacked copy: an archive is unpacked once.
    """
    source = Path(path)
    limits = {k: options.pop(k) for k in ("max_bytes", "max_members") if k in options}
    try:
        is_folder = source.is_dir() or not source.exists()
    except OSError:
        is_folder = True
    if is_folder:
        report: Report = validate_bag(source, **options)
        if profile is not None and source.is_dir():
            report.extend(_profile_problems(source, profile, None, ""))
        return report
    problems: list[Problem] = []
    mime = archive_mime(source)
    try:
        with open_bag(source, problems=problems, **limits) as root:
            report = validate_bag(root, **options)
            if profile is not None:
                report.extend(_profile_problems(root, profile, mime, source.name))
    except ArchiveDamaged as error:
        report = Report(subject=str(path))
        report.add("error", error.code, "", str(error))
    except (PackageError, UnsafePathError) as error:
        report = Report(subject=str(path))
        report.add("error", "archive-unreadable", "", str(error))
    except Exception as error:  # a crash is a bug, but the report must still come back
        report = Report(subject=str(path))
        report.add(
            "error",
            "internal-error",
            "",
            "The validator failed unexpectedly while unpacking; this is a bug in preserve.",
            exception=f"{type(error).__name__}: {error}",
        )
    report.subject = str(path)
    report.problems[:0] = problems
    report.info["serialization"] = archive_kind(source) or "archive"
    make_printable(report)
    return report


def _profile_problems(
    root: Path, profile: Mapping[str, Any], mime: str | None, archive: str
) -> list[Problem]:
    # Imported here: the profile module imports this one.
    from preserve.validation.profile import check_folder

    return check_folder(root, profile, mime, archive)
