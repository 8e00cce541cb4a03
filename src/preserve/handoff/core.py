"""What every hand-off shares: the package as its manifests describe it, the check before
sending, the proof after, reproducible serialization, and the receipt.

A delivery goes in four steps, whatever the destination:

1. **check**: the package is validated in full and against its profile; an invalid one is
   refused with the reasons and nothing of it is sent;
2. **send**: under a temporary name beside the final one (a destination's own rule);
3. **prove**: every delivered file (or the serialized file) is read back from the
   destination and hashed, and compared with the package's manifests;
4. **publish**: renamed to the final name, and only then recorded as delivered.

A destination that already holds the same content under the final name is left alone
(``already-delivered``); one that holds other content there is refused, never overwritten.

>>> parse_destination("sftp://archive@storage.example.org:2222/srv/in").display
'sftp://archive@storage.example.org:2222/srv/in'
>>> parse_destination("ocfl:///srv/ocfl").kind, parse_destination("/mnt/share").kind
('ocfl', 'folder')
"""

from __future__ import annotations

import errno
import fcntl
import gzip
import hashlib
import io
import os
import stat
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, Literal, Protocol
from urllib.parse import unquote, urlsplit

from preserve.config import HandoffDestination
from preserve.errors import ConfigError, PreserveError
from preserve.fixity import digest_file, digest_stream
from preserve.report import Report
from preserve.validation.paths import decode_path
from preserve.validation.tagfiles import parse_manifest_line

Outcome = Literal["delivered", "already-delivered", "refused", "failed"]
EXTENSIONS = {"none": "", "tar": ".tar", "tar.gz": ".tar.gz", "zip": ".zip"}
PARTIAL = ".preserve-partial"
"""Suffix of a delivery still in progress (with a leading dot on the name): never a final
name, and the next run removes it before it starts again."""
PREFERRED = ("sha256", "sha512", "sha1", "md5")
"""The manifest algorithm a delivery is re-hashed with: the first the package has
(sha256 is the fastest here, the CPU has SHA extensions)."""
EVENT_TYPE = "replication"
LOCKS = ".handoff-locks"
"""Beside the catalog: one lock file per package and destination being handed off."""


class DeliveryError(PreserveError):
    """A delivery that could not be made or proved; the message is one line with the reason."""


class RefusedError(DeliveryError):
    """A delivery refused on purpose: an invalid package, or other content under the name."""


# --------------------------------------------------------------------------- destinations


@dataclass(frozen=True)
class DestinationAddress:
    """Where packages go, parsed from ``DEST``. ``display`` never holds a password."""

    kind: Literal["folder", "sftp", "ocfl"]
    path: str
    host: str = ""
    port: int = 22
    user: str = ""

    @property
    def display(self) -> str:
        if self.kind == "folder":
            return self.path
        if self.kind == "ocfl":
            return f"ocfl://{self.path}"
        user = f"{self.user}@" if self.user else ""
        port = f":{self.port}" if self.port != 22 else ""
        return f"sftp://{user}{self.host}{port}{self.path}"


def overlap(address: DestinationAddress, package: Path) -> str | None:
    """Why handing ``package`` to the local ``address`` would write into a preserved
    package, or ``None``. A folder or OCFL root inside the package, or the folder holding it
    (its copy would be the package itself), would change or fake what is kept.

    >>> overlap(DestinationAddress("folder", "/p/bag-1/data"), Path("/p/bag-1"))
    'the destination /p/bag-1/data is inside the package /p/bag-1'
    >>> overlap(DestinationAddress("folder", "/p"), Path("/p/bag-1")) is not None
    True
    >>> overlap(DestinationAddress("folder", "/transfer"), Path("/p/bag-1")) is None
    True
    """
    if address.kind == "sftp":
        return None  # another machine's folders: nothing here can tell
    target = Path(os.path.realpath(address.path))
    where = Path(os.path.realpath(package))
    if target == where or where in target.parents:
        return f"the destination {address.display} is inside the package {package}"
    if target == where.parent:
        return f"the destination {address.display} is the folder that holds {package}"
    return None


def check_destination_apart(
    address: DestinationAddress, packages: Sequence[Path], packages_folder: Path | None = None
) -> None:
    """Refuse (:class:`ConfigError`) a local destination inside a package handed off or
    inside the packages folder: a hand-off never writes where packages are kept."""
    for package in packages:
        reason = overlap(address, package)
        if reason:
            raise ConfigError(f"Refused: {reason}; give a folder outside the packages folder.")
    if packages_folder is not None and address.kind != "sftp":
        target = Path(os.path.realpath(address.path))
        kept = Path(os.path.realpath(packages_folder))
        if target == kept or kept in target.parents:
            raise ConfigError(
                f"Refused: the destination {address.display} is inside the packages folder "
                f"{packages_folder}; give a folder outside it."
            )


def parse_destination(text: str) -> DestinationAddress:
    """``/folder``, ``sftp://[user@]host[:port]/abs/path`` or ``ocfl:///abs/path``."""
    if "://" not in text:
        if not text:
            raise ConfigError("The destination is empty: give a folder, sftp:// or ocfl:// URL.")
        return DestinationAddress("folder", str(Path(text).absolute()))
    parts = urlsplit(text)
    if parts.scheme == "ocfl":
        if parts.netloc or not parts.path.startswith("/"):
            raise ConfigError(
                f"{text} is not an OCFL destination: write ocfl:///absolute/path (three slashes)."
            )
        return DestinationAddress("ocfl", unquote(parts.path))
    if parts.scheme == "sftp":
        if parts.password is not None:
            raise ConfigError(
                "Passwords are never taken from a URL: remove it and set PRESERVE_SFTP_PASSWORD "
                "or use --ask-password."
            )
        if not parts.hostname or not parts.path.startswith("/") or parts.path == "/":
            raise ConfigError(
                f"{text} is not an SFTP destination: write sftp://[user@]host[:port]/absolute/path."
            )
        try:
            port = parts.port or 22
        except ValueError as error:
            raise ConfigError(f"{text} has a bad port ({error}): give a number.") from error
        return DestinationAddress(
            "sftp",
            unquote(parts.path).rstrip("/"),
            host=parts.hostname,
            port=port,
            user=unquote(parts.username or ""),
        )
    raise ConfigError(
        f"Unknown destination {text!r}: give a folder, sftp://host/path or ocfl:///path."
    )


class Store(Protocol):
    """File operations at a folder-like destination (a local folder, an SFTP server).

    Names are POSIX paths relative to the destination's folder. Operations raise
    :class:`OSError` (with an errno where the transport gives one)."""

    def exists(self, name: str) -> bool: ...
    def makedirs(self, name: str) -> None: ...
    def put(self, local: Path, name: str) -> None: ...
    def open_read(self, name: str) -> BinaryIO: ...
    def rename(self, old: str, new: str) -> None:
        """Rename; must fail rather than replace an existing ``new``."""

    def remove(self, name: str) -> None:
        """Remove a file or a whole folder."""

    def files(self, name: str) -> tuple[list[str], list[str]]:
        """Regular files under folder ``name`` (relative), and anything else found there."""

    def is_dir(self, name: str) -> bool: ...
    def finish(self, name: str) -> None:
        """Make ``name`` durable (fsync) where the transport can."""

    def close(self) -> None: ...


# --------------------------------------------------------------------------- the package


@dataclass(frozen=True)
class Package:
    """A bag as its manifests describe it: every file with its digests and size."""

    path: Path
    name: str
    digests: dict[str, dict[str, str]]
    """bag path -> algorithm -> hex digest, for every file of the bag (payload from the
    manifests, tag files from the tag manifests, tag manifests hashed here)."""
    sizes: dict[str, int]
    algorithm: str
    """The algorithm the delivery is proved with."""
    bagging_date: datetime

    @property
    def total_bytes(self) -> int:
        return sum(self.sizes.values())

    def expected(self, bag_path: str) -> str:
        return self.digests[bag_path][self.algorithm]

    def expected_all(self) -> dict[str, str]:
        return {bag_path: self.expected(bag_path) for bag_path in self.digests}


def _read_manifest(path: Path) -> dict[str, str]:
    entries: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parsed = parse_manifest_line(line.rstrip("\r"))
        if parsed is not None:
            entries[decode_path(parsed[1])] = parsed[0].lower()
    return entries


def _bagging_date(root: Path) -> datetime:
    """The moment serialized members are dated with: the bag's Bagging-Date (midnight UTC),
    so the same package always gives the same archive bytes."""
    try:
        for line in (root / "bag-info.txt").read_text(encoding="utf-8").splitlines():
            if line.lower().startswith("bagging-date:"):
                day = line.split(":", 1)[1].strip()
                return datetime.fromisoformat(day[:10]).replace(tzinfo=UTC)
    except (OSError, ValueError):
        pass
    return datetime(1980, 1, 1, tzinfo=UTC)


def describe_package(path: Path) -> Package:
    """Read a (validated) bag's manifests into a :class:`Package`."""
    digests: dict[str, dict[str, str]] = {}
    manifests = sorted(path.glob("manifest-*.txt"))
    tag_manifests = sorted(path.glob("tagmanifest-*.txt"))
    for manifest in manifests + tag_manifests:
        algorithm = manifest.name.split("-", 1)[1][: -len(".txt")]
        for bag_path, digest in _read_manifest(manifest).items():
            digests.setdefault(bag_path, {})[algorithm] = digest
    available = {a for entry in digests.values() for a in entry}
    chosen = next((a for a in PREFERRED if a in available), None)
    if chosen is None:
        raise RefusedError(f"{path.name} has no manifest preserve can check: it was not sent.")
    algorithm = chosen
    # The tag manifests, and any tag file no tag manifest lists, are hashed here (just after
    # validation): every file of the bag travels, not only those the manifests name.
    for file in sorted(path.rglob("*")):
        bag_path = file.relative_to(path).as_posix()
        if bag_path not in digests and file.is_file() and not file.is_symlink():
            digests[bag_path] = digest_file(file, (algorithm,))[0]
    missing = [p for p, entry in digests.items() if algorithm not in entry]
    if missing:
        raise RefusedError(
            f"{path.name}: {missing[0]} has no {algorithm} digest in the manifests; "
            "it was not sent."
        )
    sizes = {bag_path: (path / bag_path).stat().st_size for bag_path in digests}
    return Package(path, path.name, digests, sizes, algorithm, _bagging_date(path))


PARALLEL_BYTES = 64 << 20
"""Only a package this large is validated with several processes: a pool costs ~0.3 s."""


def _payload_bytes(path: Path) -> int:
    try:
        for line in (path / "bag-info.txt").read_text(encoding="utf-8").splitlines():
            if line.lower().startswith("payload-oxum:"):
                return int(line.split(":", 1)[1].strip().split(".")[0])
    except (OSError, ValueError):
        pass
    return 0


def check_package(path: Path, profile: str | None, processes: int = 1) -> Report:
    """Validate in full and against the profile (when one is given)."""
    from preserve.validation import validate_bag

    if _payload_bytes(path) < PARALLEL_BYTES:
        processes = 1
    report = validate_bag(path, processes=processes)
    if profile:
        from preserve.validation.profile import load_profile, validate_profile

        report.extend(validate_profile(path, load_profile(profile)))
        report.info["profile"] = profile
    return report


# --------------------------------------------------------------------------- results


@dataclass
class Delivery:
    """One package handed to one destination: the receipt, before it is stored."""

    package: str
    destination: str
    serialization: str
    outcome: Outcome = "failed"
    location: str = ""
    """The name at the destination (folder or archive, or the OCFL object and version)."""
    reasons: list[str] = field(default_factory=list)
    algorithm: str = ""
    sent: list[dict[str, Any]] = field(default_factory=list)
    """What was sent: each file (or the archive) with its size and digest."""
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    seconds: float = 0.0
    bytes: int = 0

    @property
    def ok(self) -> bool:
        return self.outcome in ("delivered", "already-delivered")

    def to_dict(self) -> dict[str, Any]:
        return {
            "package": self.package,
            "destination": self.destination,
            "serialization": self.serialization,
            "outcome": self.outcome,
            "location": self.location,
            "reasons": list(self.reasons),
            "algorithm": self.algorithm,
            "bytes": self.bytes,
            "seconds": round(self.seconds, 3),
            "started": self.started.isoformat(),
            "sent": list(self.sent),
        }


def sent_files(package: Package) -> list[dict[str, Any]]:
    return [
        {"path": p, "size": package.sizes[p], package.algorithm: package.expected(p)}
        for p in sorted(package.digests)
    ]


# --------------------------------------------------------------------------- errors


def explain_os_error(error: OSError, where: str) -> str:
    """One line for a failed read or write at a destination, with what to do."""
    code = error.errno
    if code == errno.ENOSPC or code == errno.EDQUOT:
        return f"the destination is full while writing {where}: free space there, then rerun"
    if code == errno.EROFS:
        return f"the destination is read-only ({where}): give a writable destination"
    if code in (errno.EACCES, errno.EPERM):
        return (
            f"permission denied at the destination ({where}): "
            "grant write access to the destination folder, then rerun"
        )
    reason = error.strerror or str(error) or type(error).__name__
    return f"cannot write {where} at the destination ({reason}): check the destination, rerun"


# --------------------------------------------------------------------------- serialization

FILE_MODE = 0o644
FOLDER_MODE = 0o755


def _members(package: Package) -> list[str]:
    """Every folder and file of the archive, sorted, under one top folder (the bag's name)."""
    names = {f"{package.name}/{p}" for p in package.digests}
    folders = {package.name}
    for name in names:
        parent = PurePosixPath(name).parent
        while str(parent) not in (".", ""):
            folders.add(str(parent))
            parent = parent.parent
    return sorted(folders | names)


class _HashingReader(io.RawIOBase):
    """Reads a package file into an archive while hashing what actually went in."""

    def __init__(self, stream: BinaryIO, algorithm: str) -> None:
        self.stream = stream
        self.hasher = hashlib.new(algorithm)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self.stream.readinto(buffer)  # type: ignore[attr-defined]
        if count:
            self.hasher.update(memoryview(buffer)[:count])
        return count or 0


class _HashingWriter(io.RawIOBase):
    """The archive file: every byte written is hashed, so the archive is read only once."""

    def __init__(self, stream: BinaryIO, algorithm: str) -> None:
        self.stream = stream
        self.hasher = hashlib.new(algorithm)
        self.size = 0

    def writable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.size

    def write(self, data: Any) -> int:
        view = memoryview(data)
        self.stream.write(view)
        self.hasher.update(view)
        self.size += len(view)
        return len(view)


def serialize(package: Package, kind: str, target: Path) -> dict[str, Any]:
    """Write the package as one archive at ``target``, reproducibly: sorted members, one
    top folder named after the bag, every member dated with the bag's Bagging-Date, owner
    0 with no names, modes 0644/0755. Each file's bytes are hashed as they go in and
    compared with the manifests, so the archive is proved against them once written.

    Returns the archive's name, size and digest."""
    moment = package.bagging_date.timestamp()
    with target.open("xb") as raw:
        sink = _HashingWriter(raw, package.algorithm)
        if kind == "zip":
            _write_zip(package, sink, moment)
        else:
            _write_tar(package, kind, sink, moment)
        raw.flush()
        os.fsync(raw.fileno())
    return {"path": target.name, "size": sink.size, package.algorithm: sink.hasher.hexdigest()}


def _check_member(package: Package, bag_path: str, reader: _HashingReader) -> None:
    found = reader.hasher.hexdigest()
    if found != package.expected(bag_path):
        raise RefusedError(
            f"{package.name}: {bag_path} changed while it was being serialized "
            f"({package.algorithm} {found}, manifest {package.expected(bag_path)}): nothing sent"
        )


def _write_tar(package: Package, kind: str, sink: _HashingWriter, moment: float) -> None:
    compressed = None
    if kind == "tar.gz":
        # No file name and a fixed time in the gzip header: the same bytes every time.
        compressed = gzip.GzipFile(filename="", mode="wb", fileobj=sink, mtime=int(moment))
    stream: Any = compressed if compressed is not None else sink
    with tarfile.open(fileobj=stream, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for member in _members(package):
            info = tarfile.TarInfo(member)
            info.mtime = int(moment)
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            bag_path = member[len(package.name) + 1 :]
            if bag_path in package.digests:
                info.type = tarfile.REGTYPE
                info.mode = FILE_MODE
                info.size = package.sizes[bag_path]
                with (package.path / bag_path).open("rb") as source:
                    reader = _HashingReader(source, package.algorithm)
                    archive.addfile(info, io.BufferedReader(reader, 1 << 20))
                _check_member(package, bag_path, reader)
            else:
                info.type = tarfile.DIRTYPE
                info.mode = FOLDER_MODE
                archive.addfile(info)
    if compressed is not None:
        compressed.close()


def _write_zip(package: Package, sink: _HashingWriter, moment: float) -> None:
    stamp = datetime.fromtimestamp(max(moment, 315532800), UTC).timetuple()[:6]
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for member in _members(package):
            bag_path = member[len(package.name) + 1 :]
            is_file = bag_path in package.digests
            info = zipfile.ZipInfo(member if is_file else member + "/", date_time=stamp)
            info.create_system = 3  # Unix, so the modes below are read
            if is_file:
                info.external_attr = (stat.S_IFREG | FILE_MODE) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                with (
                    (package.path / bag_path).open("rb") as source,
                    archive.open(
                        info, "w", force_zip64=package.sizes[bag_path] > (1 << 31)
                    ) as target,
                ):
                    reader = _HashingReader(source, package.algorithm)
                    while chunk := reader.read(1 << 20):
                        target.write(chunk)
                _check_member(package, bag_path, reader)
            else:
                info.external_attr = (stat.S_IFDIR | FOLDER_MODE) << 16 | 0x10
                archive.writestr(info, b"")


# --------------------------------------------------------------------------- store deliveries


def _hash_at(store: Store, name: str, algorithm: str) -> str:
    with store.open_read(name) as stream:
        return digest_stream(stream, (algorithm,))[algorithm]


def compare_folder(
    store: Store, folder: str, expected: dict[str, str], algorithm: str
) -> list[str]:
    """Differences between a delivered folder and the digests it should have (bag path ->
    digest, from the package's manifests): every file read back and re-hashed. Empty when
    the copy is whole."""
    found, other = store.files(folder)
    problems = [f"{name}: not a regular file" for name in other]
    problems += [f"{name}: missing" for name in sorted(set(expected) - set(found))]
    problems += [f"{name}: not in the package" for name in sorted(set(found) - set(expected))]
    for name in sorted(set(expected) & set(found)):
        digest = _hash_at(store, f"{folder}/{name}", algorithm)
        if digest != expected[name]:
            problems.append(f"{name}: {algorithm} {digest}, the manifest says {expected[name]}")
    return problems


def compare_archive(store: Store, name: str, archive: dict[str, Any], algorithm: str) -> list[str]:
    digest = _hash_at(store, name, algorithm)
    if digest != archive[algorithm]:
        return [f"{name}: {algorithm} {digest}, the archive sent was {archive[algorithm]}"]
    return []


def _partial(name: str) -> str:
    parent, _, leaf = name.rpartition("/")
    return f"{parent}/.{leaf}{PARTIAL}" if parent else f".{leaf}{PARTIAL}"


@contextmanager
def _scratch_archive(package: Package, kind: str) -> Iterator[tuple[Path, dict[str, Any]]]:
    folder = Path(tempfile.mkdtemp(prefix="preserve-handoff-"))
    try:
        target = folder / f"{package.name}{EXTENSIONS[kind]}"
        yield target, serialize(package, kind, target)
    finally:
        for child in folder.iterdir():
            child.unlink()
        folder.rmdir()


def deliver_to_store(
    store: Store, package: Package, serialization: str, delivery: Delivery
) -> None:
    """Send, prove and publish one checked package at a folder-like destination."""
    if serialization == "none":
        _deliver_folder(store, package, delivery)
    else:
        with _scratch_archive(package, serialization) as (archive_path, archive):
            _deliver_archive(store, package, archive_path, archive, delivery)


def _deliver_folder(store: Store, package: Package, delivery: Delivery) -> None:
    final = package.name
    delivery.location = final
    delivery.sent = sent_files(package)
    if store.exists(final):
        problems = compare_folder(store, final, package.expected_all(), package.algorithm)
        if problems:
            raise RefusedError(
                f"the destination already holds other content under the name {final} "
                f"({problems[0]}{'; …' if len(problems) > 1 else ''}); it was not overwritten: "
                "move it aside or check which copy is right"
            )
        delivery.outcome = "already-delivered"
        return

    def send(temporary: str) -> None:
        store.makedirs(temporary)
        folders = sorted({str(PurePosixPath(p).parent) for p in package.digests} - {"."})
        for folder in folders:
            store.makedirs(f"{temporary}/{folder}")
        for bag_path in sorted(package.digests):
            store.put(package.path / bag_path, f"{temporary}/{bag_path}")
            delivery.bytes += package.sizes[bag_path]

    def prove(temporary: str) -> list[str]:
        return compare_folder(store, temporary, package.expected_all(), package.algorithm)

    _send_prove_publish(store, final, send, prove)
    delivery.outcome = "delivered"


def _deliver_archive(
    store: Store, package: Package, archive_path: Path, archive: dict[str, Any], delivery: Delivery
) -> None:
    final = archive_path.name
    delivery.location = final
    delivery.sent = [archive]
    if store.exists(final):
        if store.is_dir(final) or compare_archive(store, final, archive, package.algorithm):
            raise RefusedError(
                f"the destination already holds other content under the name {final}; "
                "it was not overwritten: move it aside or check which copy is right"
            )
        delivery.outcome = "already-delivered"
        return

    def send(temporary: str) -> None:
        store.put(archive_path, temporary)
        delivery.bytes += archive["size"]

    def prove(temporary: str) -> list[str]:
        return compare_archive(store, temporary, archive, package.algorithm)

    _send_prove_publish(store, final, send, prove)
    delivery.outcome = "delivered"


def _send_prove_publish(
    store: Store, final: str, send: Callable[[str], None], prove: Callable[[str], list[str]]
) -> None:
    """Send under the temporary name (after removing what a cut-off run left there), make
    it durable, read it back, and only when it is whole rename it to ``final``; on any
    failure remove the temporary copy."""
    temporary = _partial(final)
    if store.exists(temporary):
        store.remove(temporary)  # left by a run that was cut off
    try:
        send(temporary)
        store.finish(temporary)
        problems = prove(temporary)
        if problems:
            raise DeliveryError(
                f"the copy read back from the destination differs from what was sent "
                f"({problems[0]}): nothing was published, rerun"
            )
        store.rename(temporary, final)
        store.finish("")
    except BaseException:
        _discard(store, temporary)
        raise


def _discard(store: Store, name: str) -> None:
    """Remove a partial delivery; when even that fails (the connection is gone), the next
    run removes it before it starts."""
    try:
        if store.exists(name):
            store.remove(name)
    except Exception:  # noqa: S110 - best effort on the way out of a failure
        pass


# --------------------------------------------------------------------------- the run


class Destination(Protocol):
    address: DestinationAddress

    def deliver(self, package: Package, serialization: str, delivery: Delivery) -> None: ...
    def verify(self, location: str, sent: Sequence[dict[str, Any]], algorithm: str) -> list[str]:
        """Re-read a delivered copy; its differences from the receipt (empty: intact)."""

    def close(self) -> None: ...


def lock_path(lock_folder: Path, destination: str, package: str) -> Path:
    key = hashlib.sha256(f"{destination}\0{package}".encode()).hexdigest()[:24]
    return lock_folder / f"{key}.lock"


@contextmanager
def one_at_a_time(lock_folder: Path | None, destination: str, package: str) -> Iterator[None]:
    """One hand-off of a package to a destination at a time on this machine (the nightly
    flow and a person at the command line): both would use the same temporary name. The
    lock is the kernel's (flock), so a killed run holds it no longer."""
    if lock_folder is None:
        yield
        return
    lock_folder.mkdir(parents=True, exist_ok=True)
    with lock_path(lock_folder, destination, package).open("a") as lock:
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DeliveryError(
                f"another hand-off of {package} to {destination} is running: let it finish"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def hand_off(
    path: Path,
    destination: Destination,
    serialization: str,
    profile: str | None,
    processes: int = 1,
    lock_folder: Path | None = None,
) -> Delivery:
    """Check, send, prove and publish one package folder; never raises for the package's
    own faults (they are the delivery's reasons). ``lock_folder`` (beside the catalog)
    keeps two runs on this machine from handing off the same package to the same place."""
    delivery = Delivery(path.name, destination.address.display, serialization)
    began = time.monotonic()
    try:
        with one_at_a_time(lock_folder, delivery.destination, path.name):
            _check_and_deliver(path, destination, serialization, profile, processes, delivery)
    except RefusedError as error:
        delivery.outcome = "refused"
        delivery.reasons.append(str(error))
    except DeliveryError as error:
        delivery.outcome = "failed"
        delivery.reasons.append(str(error))
    except OSError as error:
        delivery.outcome = "failed"
        delivery.reasons.append(explain_os_error(error, error.filename or path.name))
    finally:
        delivery.seconds = time.monotonic() - began
    return delivery


def _check_and_deliver(
    path: Path,
    destination: Destination,
    serialization: str,
    profile: str | None,
    processes: int,
    delivery: Delivery,
) -> None:
    if not path.is_dir():
        raise RefusedError(f"{path} is not a package folder: nothing was sent")
    reason = overlap(destination.address, path)
    if reason:
        raise RefusedError(f"{reason}: nothing was sent")
    report = check_package(path, profile, processes)
    if not report.valid:
        delivery.outcome = "refused"
        delivery.reasons = [
            f"{p.code}: {p.path + ': ' if p.path else ''}{p.message}" for p in report.errors
        ]
        return
    package = describe_package(path)
    delivery.algorithm = package.algorithm
    destination.deliver(package, serialization, delivery)


def hand_off_all(
    paths: Sequence[Path],
    address: DestinationAddress,
    serialization: str,
    profile: str | None,
    options: dict[str, Any] | None = None,
    processes: int = 1,
    lock_folder: Path | None = None,
) -> list[Delivery]:
    """Open the destination once and hand off each package; when the destination cannot
    be opened, every package fails with that one reason."""
    try:
        destination = open_destination(address, **(options or {}))
    except DeliveryError as error:
        return [
            Delivery(p.name, address.display, serialization, reasons=[str(error)]) for p in paths
        ]
    try:
        return [hand_off(path, destination, serialization, profile, processes) for path in paths]
    finally:
        destination.close()


PASSWORD_ENV = "PRESERVE_SFTP_PASSWORD"  # noqa: S105 - the name of a variable
"""The environment variable an SFTP password is read from when a destination names none."""


def configured_options(destination: HandoffDestination | None) -> dict[str, Any]:
    """Connection options of a ``[[handoff.destinations]]`` entry (``None``: a destination
    given by its address): its key files, and the password read from the environment
    variable it names in ``password_env``, else from :data:`PASSWORD_ENV`; never from the
    config itself. The command and the flow both connect with these."""
    identity = destination.identity if destination else ""
    known_hosts = destination.known_hosts if destination else ""
    variable = (destination.password_env if destination else "") or PASSWORD_ENV
    return {
        "identity": Path(identity).expanduser() if identity else None,
        "known_hosts": Path(known_hosts).expanduser() if known_hosts else None,
        "password": os.environ.get(variable) or None,
    }


def open_destination(address: DestinationAddress, **options: Any) -> Destination:
    """Connect to (or open) a destination; raises :class:`DeliveryError` with one line when
    it cannot be reached or refuses us, :class:`ConfigError` on bad options."""
    if address.kind == "folder":
        from preserve.handoff.folder import FolderDestination

        return FolderDestination(address)
    if address.kind == "sftp":
        from preserve.handoff.sftp import SftpDestination

        return SftpDestination(address, **options)
    from preserve.handoff.ocfl import OcflDestination

    return OcflDestination(address, **options)


class StoreDestination:
    """A destination that is a folder of files reached through a :class:`Store`."""

    address: DestinationAddress
    store: Store

    def deliver(self, package: Package, serialization: str, delivery: Delivery) -> None:
        deliver_to_store(self.store, package, serialization, delivery)

    def verify(self, location: str, sent: Sequence[dict[str, Any]], algorithm: str) -> list[str]:
        if not self.store.exists(location):
            return [f"{location}: no longer at the destination"]
        if self.store.is_dir(location):
            expected = {entry["path"]: entry[algorithm] for entry in sent}
            return compare_folder(self.store, location, expected, algorithm)
        return compare_archive(self.store, location, sent[0], algorithm)

    def close(self) -> None:
        self.store.close()
