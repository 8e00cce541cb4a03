"""An OCFL destination: ``ocfl:///absolute/path``, an OCFL 1.1 storage root (the layout
Fedora 6 and many repositories keep objects in), written with ocfl-py.

- The root is created when absent, with the ``0003-hash-and-id-n-tuple-storage-layout``
  extension declared (any identifier maps to a safe path); it is built beside its final
  name and renamed, like a package.
- Each item is one OCFL object, identified by the item's source path as the bag records
  it (``Internal-Sender-Identifier``; the package name when a bag has none). A later
  package of the same item, a changed item ingested again, becomes the object's next
  version; the version's files are the whole bag, so payload and tag files keep their
  digests (sha512 in OCFL's inventory, the bag's own manifests inside).
- A new object is built outside the root and renamed into place. A new version is
  written by ocfl-py in place: its files first, then its inventory, then the root's. The
  next run after a cut-off one puts the object in order before it starts (see
  :func:`finish_interrupted`).
- After writing, every file of the version is read back from the object, re-hashed and
  compared with the package's manifests, and ocfl-py's validator checks the object.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from preserve import __version__
from preserve.fixity import digest_file
from preserve.handoff.core import (
    PARTIAL,
    Delivery,
    DeliveryError,
    DestinationAddress,
    Package,
    RefusedError,
    explain_os_error,
    sent_files,
)

LAYOUT = "0003-hash-and-id-n-tuple-storage-layout"
SPEC_VERSION = "1.1"
INVENTORY = "inventory.json"
_VERSION_FOLDER = re.compile(r"^v(\d+)$")


def item_identifier(package: Package) -> str:
    """The OCFL object identifier of the package's item (see the module's docstring)."""
    try:
        for line in (package.path / "bag-info.txt").read_text(encoding="utf-8").splitlines():
            label, _, value = line.partition(":")
            if label.strip().lower() == "internal-sender-identifier" and value.strip():
                return value.strip()
    except OSError:
        pass
    return package.name


class OcflDestination:
    def __init__(self, address: DestinationAddress, **_options: Any) -> None:
        import ocfl

        self.address = address
        self.root = Path(address.path)
        # ocfl-py logs each object it writes at INFO; the receipt says it better.
        logging.getLogger("ocfl").setLevel(logging.WARNING)
        logging.getLogger("root").setLevel(logging.WARNING)
        try:
            if not self.root.exists():
                self._create_root()
            storage = ocfl.StorageRoot(str(self.root))
            storage.open_root_fs()
            storage.check_root_structure()
        except OSError as error:
            raise DeliveryError(
                f"cannot use the OCFL root {self.root}: "
                + explain_os_error(error, str(error.filename or self.root))
            ) from error
        except ocfl.StorageRootException as error:
            raise DeliveryError(
                f"{self.root} is not an OCFL storage root ({error}): give an OCFL root or a "
                "path where one may be created"
            ) from error
        if storage.layout is None:
            raise DeliveryError(
                f"the OCFL root {self.root} declares no storage layout preserve knows: "
                f"declare {LAYOUT} in its ocfl_layout.json"
            )
        self.storage = storage

    def _create_root(self) -> None:
        import ocfl

        self.root.parent.mkdir(parents=True, exist_ok=True)
        staging = self._staging("root")
        try:
            ocfl.StorageRoot(str(staging), layout_name=LAYOUT).initialize(spec_version=SPEC_VERSION)
            os.rename(staging, self.root)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def _staging(self, what: str) -> Path:
        """Where a root or an object is built, beside the root (same file system, outside
        the storage hierarchy). One fixed name per object: a run cut off leaves it, the
        next removes it and builds again."""
        key = hashlib.sha256(what.encode("utf-8")).hexdigest()[:16]
        staging = self.root.parent / f".{self.root.name}.preserve-partial-{key}"
        if staging.exists():
            shutil.rmtree(staging)
        return staging

    def object_folder(self, identifier: str) -> Path:
        return self.root / self.storage.object_path(identifier)

    # -- delivering ----------------------------------------------------------------------------

    def deliver(self, package: Package, serialization: str, delivery: Delivery) -> None:
        if serialization != "none":
            raise RefusedError(
                "an OCFL object holds the bag's files, not an archive: use --serialize none"
            )
        identifier = item_identifier(package)
        folder = self.object_folder(identifier)
        delivery.sent = sent_files(package)
        sha512 = _sha512s(package)
        if folder.exists():
            finish_interrupted(folder)
            inventory = _inventory(folder)
            for version, record in sorted(inventory["versions"].items(), key=_version_order):
                state = _state(inventory, version)
                if state == sha512:
                    delivery.location = self._location(folder, version)
                    delivery.outcome = "already-delivered"
                    return
                if record.get("message") == _message(package):
                    raise RefusedError(
                        f"the OCFL object {identifier} already holds {package.name} as {version} "
                        "with other content; nothing was added: check which copy is right"
                    )
            version = self._add_version(package, folder)
        else:
            version = self._create_object(package, identifier, folder)
        delivery.location = self._location(folder, version)
        delivery.bytes = package.total_bytes
        delivery.outcome = "delivered"

    def _location(self, folder: Path, version: str) -> str:
        return f"{folder.relative_to(self.root).as_posix()}/{version}"

    def _metadata(self, package: Package) -> Any:
        import ocfl

        return ocfl.VersionMetadata(
            message=_message(package),
            name=f"preserve {__version__}",
            address="https://github.com/preserve/preserve",
        )

    def _create_object(self, package: Package, identifier: str, folder: Path) -> str:
        import ocfl

        staging = self._staging(identifier)
        try:
            obj = ocfl.Object(identifier=identifier, digest_algorithm="sha512")
            obj.create(
                srcdir=str(package.path), metadata=self._metadata(package), objdir=str(staging)
            )
            self._prove(package, staging, "v1")
            folder.parent.mkdir(parents=True, exist_ok=True)
            os.rename(staging, folder)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return "v1"

    def _add_version(self, package: Package, folder: Path) -> str:
        import ocfl

        before = {name: (folder / name).read_bytes() for name in _root_inventories(folder)}
        head = _inventory(folder)["head"]
        version = f"v{int(head[1:]) + 1}"
        try:
            obj = ocfl.Object(identifier=_inventory(folder)["id"], digest_algorithm="sha512")
            obj.open_obj_fs(str(folder))
            obj.add_version_with_content(
                objdir=str(folder), srcdir=str(package.path), metadata=self._metadata(package)
            )
            self._prove(package, folder, version)
        except BaseException:
            # Put the object back as it was: the inventories first, then the new folder.
            for name, data in before.items():
                (folder / name).write_bytes(data)
            shutil.rmtree(folder / version, ignore_errors=True)
            raise
        return version

    # -- proving -------------------------------------------------------------------------------

    def _prove(self, package: Package, folder: Path, version: str) -> None:
        expected = {p: package.expected(p) for p in package.digests}
        problems = compare_version(folder, version, expected, package.algorithm)
        if problems:
            raise DeliveryError(
                f"the OCFL object read back differs from the package ({problems[0]}): "
                "nothing was added, rerun"
            )
        problems = validate_object(folder)
        if problems:
            raise DeliveryError(
                f"ocfl-py's validator refused the object ({problems[0]}): nothing was added"
            )

    def verify(self, location: str, sent: Sequence[dict[str, Any]], algorithm: str) -> list[str]:
        object_path, _, version = location.rpartition("/")
        folder = self.root / object_path
        if not (folder / INVENTORY).is_file():
            return [f"{location}: no longer at the destination"]
        expected = {entry["path"]: entry[algorithm] for entry in sent}
        return compare_version(folder, version, expected, algorithm) + validate_object(folder)

    def close(self) -> None:
        pass


def _message(package: Package) -> str:
    return f"preserve package {package.name}"


def _version_order(entry: tuple[str, Any]) -> int:
    return int(entry[0][1:])


def _inventory(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / INVENTORY).read_text(encoding="utf-8"))
    return data


def _root_inventories(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(INVENTORY)]


def _state(inventory: dict[str, Any], version: str) -> dict[str, str]:
    """Logical path -> digest in one version."""
    state: dict[str, list[str]] = inventory["versions"][version]["state"]
    return {path: digest for digest, paths in state.items() for path in paths}


def _sha512s(package: Package) -> dict[str, str]:
    return {
        path: digests.get("sha512") or digest_file(package.path / path, ("sha512",))[0]["sha512"]
        for path, digests in package.digests.items()
    }


def _sidecar(folder: Path) -> Path | None:
    return next(iter(sorted(folder.glob(f"{INVENTORY}.*"))), None)


def _consistent(folder: Path) -> bool:
    """The folder's inventory.json and its digest sidecar agree."""
    sidecar = _sidecar(folder)
    if sidecar is None or not (folder / INVENTORY).is_file():
        return False
    algorithm = sidecar.name[len(INVENTORY) + 1 :]
    try:
        recorded = sidecar.read_text(encoding="utf-8").split()[0].lower()
        return digest_file(folder / INVENTORY, (algorithm,))[0][algorithm] == recorded
    except (OSError, IndexError, ValueError):
        return False


def finish_interrupted(folder: Path) -> None:
    """Put an object in order after a run was cut off while adding a version to it.

    ocfl-py writes a version's files, then the version's inventory and sidecar, then the
    root's. So the newest version folder whose inventory and sidecar agree is complete:
    any newer folder is unfinished (removed), and the root's inventory must be that
    version's (copied back when the cut fell before or while the root's was written)."""
    for leftover in folder.glob(f".*{PARTIAL}"):
        leftover.unlink()
    versions = sorted(
        (int(match.group(1)), child)
        for child in folder.iterdir()
        if (match := _VERSION_FOLDER.match(child.name)) and child.is_dir()
    )
    complete = [(number, child) for number, child in versions if _consistent(child)]
    if not complete:
        raise DeliveryError(
            f"the OCFL object at {folder} has no complete version: it was left alone, look at it"
        )
    newest, latest = complete[-1]
    for number, child in versions:
        if number > newest:
            shutil.rmtree(child)
    sidecar = _sidecar(latest)
    assert sidecar is not None
    for name in (INVENTORY, sidecar.name):  # the sidecar last: it seals the inventory
        source, target = latest / name, folder / name
        if not target.is_file() or target.read_bytes() != source.read_bytes():
            temporary = folder / f".{name}{PARTIAL}"
            temporary.write_bytes(source.read_bytes())
            os.replace(temporary, target)


def compare_version(
    folder: Path, version: str, expected: dict[str, str], algorithm: str
) -> list[str]:
    """Read every file of an object's version back and compare it with the digests it
    should have (logical path = bag path)."""
    inventory = _inventory(folder)
    if version not in inventory["versions"]:
        return [f"{version}: not a version of {inventory['id']}"]
    state = _state(inventory, version)
    problems = [f"{p}: missing" for p in sorted(set(expected) - set(state))]
    problems += [f"{p}: not in the package" for p in sorted(set(state) - set(expected))]
    manifest: dict[str, list[str]] = inventory["manifest"]
    for path in sorted(set(expected) & set(state)):
        content = folder / manifest[state[path]][0]
        try:
            found = digest_file(content, (algorithm, "sha512"))[0]
        except OSError as error:
            problems.append(f"{path}: cannot be read ({error.strerror})")
            continue
        if found[algorithm] != expected[path] or found["sha512"] != state[path]:
            problems.append(f"{path}: {algorithm} {found[algorithm]}, expected {expected[path]}")
    return problems


def validate_object(folder: Path) -> list[str]:
    """ocfl-py's validator on one object (structure and inventories; the digests were
    just checked file by file)."""
    import ocfl

    with contextlib.redirect_stdout(None):
        passed, validator = ocfl.Object().validate(
            objdir=str(folder), log_warnings=False, log_errors=True, check_digests=False
        )
    return [] if passed else [str(m) for m in validator.log.messages] or ["invalid"]


def storage_root_problems(root: Path) -> list[str]:
    """ocfl-py's validator over the whole storage root, every object and digest included.
    (Its ``validate`` is true when the hierarchy can be walked; invalid objects only lower
    ``good_objects``, so both are checked.)"""
    import ocfl

    storage = ocfl.StorageRoot(str(root))
    with contextlib.redirect_stdout(None):
        walked = storage.validate(check_digests=True, log_warnings=False)
    if walked and storage.good_objects == storage.num_objects:
        return []
    return (
        [f"{path}: {message}" for path, message in storage.errors or []]
        or [str(m) for m in storage.log.messages]
        or [f"{storage.num_objects - storage.good_objects} invalid object(s)"]
    )
