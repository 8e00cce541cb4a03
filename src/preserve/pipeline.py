"""The ingest pipeline, step by step, for one item at a time.

The whole workflow is the ordered list :data:`STEPS`; :func:`ingest_item` runs it and is the
only place that knows the order. Each step records the PREMIS events named beside it.

1. ``fixity``    digests of every original, one read-only pass     (message digest calculation)
2. ``lookup``    already preserved? (catalog, or a package an interrupted run published)
3. ``copy``      originals copied byte for byte into a private staging bag, re-hashed on the
                 way and compared with the intake digests                        (validation)
4. ``identify``  size, media type, PRONOM format, text encoding      (format identification)
5. ``repair``    a repaired derived copy of each text, its edit log, debris, review page
                                                                               (normalization)
6. ``describe``  PREMIS and descriptive metadata                                  (ingestion)
7. ``bag``       manifests, bag-info.txt, tag manifests
8. ``validate``  the finished bag, fully, and against its declared profile
9. ``publish``   atomic rename into the packages folder
10. ``record``   the catalog: item, package, files, checksums, events

No step ever writes to an original. Nothing raises out of :func:`ingest_item`: every problem
becomes a one-line reason on the item's outcome, and the batch goes on.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import platform
import shutil
import ssl
import tempfile
import traceback
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from preserve import __version__
from preserve.bagging import (
    PayloadFile,
    claim_package,
    copy_and_hash,
    finish_bag,
    new_staging,
    publish,
    read_payload_manifests,
    remove_dead_staging,
    write_payload_bytes,
)
from preserve.catalog import Catalog, NewFile
from preserve.config import Config
from preserve.errors import ConfigError, PreserveError
from preserve.fixity import PREMIS_NAMES, digest_file
from preserve.intake import Item, Rejected, SourceFile, slugify

STEPS = (
    "fixity",
    "lookup",
    "copy",
    "identify",
    "repair",
    "describe",
    "bag",
    "validate",
    "publish",
    "record",
)

Status = Literal["ingested", "already-preserved", "failed"]
ProgressCallback = Callable[[int], None]


@dataclass
class ItemOutcome:
    """What happened to one item: the line it gets in the summary and the JSON report."""

    name: str
    source: str
    status: Status
    package: str | None = None
    previous: str | None = None
    files: int = 0
    bytes: int = 0
    reasons: list[str] = field(default_factory=list)
    """One sentence each: why it failed, or what needs a person's attention."""
    notes: list[str] = field(default_factory=list)
    """One sentence each: what happened that needs no one's attention."""
    repairs: dict[str, dict[str, int]] = field(default_factory=dict)
    quality: dict[str, dict[str, Any]] = field(default_factory=dict)
    """OCR quality of each repaired text, by its original's bag path (repair.quality)."""

    @property
    def needs_attention(self) -> bool:
        return self.status == "failed" or bool(self.reasons)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "source": self.source,
            "status": self.status,
            "package": self.package,
            "previous": self.previous,
            "files": self.files,
            "bytes": self.bytes,
            "reasons": list(self.reasons),
            "notes": list(self.notes),
            "repairs": self.repairs,
            "quality": self.quality,
        }


@dataclass(frozen=True)
class IngestContext:
    """Everything one run shares; the clock is injectable so packages are reproducible."""

    config: Config
    packages: Path
    catalog: Path
    clock: Callable[[], datetime] = lambda: datetime.now(UTC).replace(microsecond=0)

    @property
    def algorithms(self) -> tuple[str, ...]:
        return self.config.bagging.algorithms


def rejected_outcome(rejected: Rejected) -> ItemOutcome:
    return ItemOutcome(rejected.name, str(rejected.path), "failed", reasons=[rejected.reason])


def content_key(digests: dict[str, dict[str, str]]) -> str:
    """One digest for an item's content: its files' names and sha256 digests, sorted.

    >>> content_key({"a.txt": {"sha256": "00"}}) == content_key({"a.txt": {"sha256": "00"}})
    True
    """
    lines = "".join(f"{name}\0{digests[name]['sha256']}\n" for name in sorted(digests))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def package_name(item: Item, key: str) -> str:
    """Readable and stable: the item's name as a slug plus a short content hash."""
    stem = Path(item.name).stem if item.kind == "file" else item.name
    return f"{slugify(stem)}-{key[:10]}"


# -- the run --------------------------------------------------------------------------------


SPARE_BYTES = 1 << 20
"""Free space a run needs to start at all (catalog, metadata); an item the disk then has no
room for fails on its own with "the disk is full"."""


def prepare_output(packages: Path) -> None:
    """Create the packages folder and remove what runs killed mid-package left behind.

    Refuses (:class:`ConfigError`, before any work) a path that is a file, a place that
    cannot be written, and a full disk.
    """
    if packages.exists() and not packages.is_dir():
        raise ConfigError(
            f"The packages folder {packages} is not a folder: give a folder with --out "
            "or [paths] packages."
        )
    try:
        packages.mkdir(parents=True, exist_ok=True)
        remove_dead_staging(packages)
        with tempfile.TemporaryFile(dir=packages, prefix=".write-check-"):
            pass
        free = shutil.disk_usage(packages).free
    except OSError as error:
        raise ConfigError(
            f"Cannot write to the packages folder {packages} ({error.strerror or error}): "
            "choose a writable folder with --out or [paths] packages."
        ) from None
    if free < SPARE_BYTES:
        raise ConfigError(
            f"The disk of the packages folder {packages} is full ({free:,} bytes free): "
            "free some space, then rerun."
        )


def ingest_items(
    items: Iterable[Item], context: IngestContext, progress: ProgressCallback | None = None
) -> list[ItemOutcome]:
    """Ingest items one after another with one catalog connection (a task's batch)."""
    with Catalog.open(context.catalog) as catalog:
        return [ingest_item(item, context, catalog, progress) for item in items]


def ingest_item(
    item: Item,
    context: IngestContext,
    catalog: Catalog,
    progress: ProgressCallback | None = None,
) -> ItemOutcome:
    """Preserve one item; never raises."""
    outcome = ItemOutcome(
        item.name, str(item.path), "failed", files=len(item.files), bytes=item.size
    )
    scratch: list[Path] = []  # the staging folder, once made: removed whatever happens
    claims = ExitStack()  # the package name this run holds: released whatever happens
    try:
        _run_steps(item, context, catalog, outcome, progress, scratch, claims)
    except PreserveError as error:
        outcome.status = "failed"
        outcome.reasons.append(str(error))
    except OSError as error:
        outcome.status = "failed"
        outcome.reasons.append(os_error_reason(error))
    except Exception as error:  # a bug: report it on this item, keep the batch going
        outcome.status = "failed"
        last = traceback.extract_tb(error.__traceback__)[-1]
        outcome.reasons.append(
            f"internal error {type(error).__name__}: {error} at {Path(last.filename).name}:"
            f"{last.lineno}; please report it"
        )
    finally:
        for folder in scratch:
            if folder.exists():  # not published: a failure, or already preserved
                shutil.rmtree(folder, ignore_errors=True)
        claims.close()
    return outcome


def os_error_reason(error: OSError) -> str:
    """One sentence for a file-system error, naming its real cause: a name too long is not
    a permission problem, nor is a full disk."""
    where = f" ({error.filename})" if error.filename else ""
    what = error.strerror or str(error)
    if error.errno == errno.ENAMETOOLONG:
        return f"a name is too long for the file system{where}: shorten it, then rerun"
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"the disk is full{where}: {what}; free space, then rerun"
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"cannot be read or written{where}: {what}; check permissions, then rerun"
    return f"cannot be read or written{where}: {what}; check the file and the disk, then rerun"


def _run_steps(
    item: Item,
    context: IngestContext,
    catalog: Catalog,
    outcome: ItemOutcome,
    progress: ProgressCallback | None,
    scratch: list[Path],
    claims: ExitStack,
) -> None:
    algorithms = context.algorithms
    now = context.clock()

    # 1-3. fixity, lookup, copy. An item this source has never given is most likely new: its
    # originals are read once, hashed while copied into a private staging bag. An item seen
    # before is most likely unchanged: it is hashed read-only, and copied only if it changed.
    seen_before = catalog.latest_for_source(str(item.path)) is not None
    intake: dict[str, tuple[dict[str, str], int]] = {}
    staging: Path | None = None
    if seen_before:
        intake = _hash_originals(item, algorithms, progress)
    else:
        staging = new_staging(context.packages, slugify(item.name))
        scratch.append(staging)
        intake = _copy_originals(item, staging, algorithms, progress)
    key = content_key({name: digests for name, (digests, _size) in intake.items()})
    name = package_name(item, key)
    final = context.packages / name
    outcome.package = name

    # From the lookup to the record, this run holds the package's name: another run (or
    # thread) preserving the same content waits here, then finds it preserved.
    if claims.enter_context(claim_package(context.packages, name)):
        outcome.notes.append("another run was preserving it at the same time: waited for it")
    known = catalog.find_by_content(key)
    if known is not None and known.path.is_dir():
        outcome.status = "already-preserved"
        outcome.package = known.name
        return
    if final.is_dir():
        _adopt(item, final, key, context, catalog, outcome, now)
        return
    # A package recorded under this name whose folder was deleted is rebuilt in its place,
    # keeping its link to the package before it (not to itself).
    rebuilt = catalog.package(name)
    if rebuilt is not None:
        outcome.notes.append("its package folder had gone from the packages folder: rebuilt")
        previous = catalog.package(rebuilt.previous) if rebuilt.previous else None
    else:
        previous = catalog.latest_for_source(str(item.path))
    if staging is None:
        staging = new_staging(context.packages, name)
        scratch.append(staging)
        copied = _copy_originals(item, staging, algorithms, None)
        for relative, (digests, _size) in copied.items():
            if digests != intake[relative][0]:
                raise PreserveError(f"{relative} changed while being read; try again")
    payload: list[PayloadFile] = []
    originals: list[tuple[str, Path, PayloadFile]] = []
    for source in item.files:
        digests, size = intake[source.relative]
        entry = PayloadFile(f"data/original/{source.relative}", size, digests)
        payload.append(entry)
        originals.append((source.relative, source.path, entry))
    copied_at = context.clock()

    # 4. identify (on the copies: the same bytes, and the originals are read once less).
    from preserve.identification import identify

    identities = dict(
        _in_parallel(
            lambda entry: (entry.bag_path, identify(staging / entry.bag_path)),
            [entry for _r, _p, entry in originals],
        )
    )

    # 5. repair
    repaired, repair_agents = _repair_texts(staging, originals, identities, context, outcome)
    payload.extend(output for text in repaired for output in text.outputs)
    repairs = {text.source: text.summary for text in repaired}
    qualities = {text.source: text.quality for text in repaired if text.quality}

    # 6. describe
    premis_xml, events = _premis_record(
        item, name, context, originals, identities, repaired, repair_agents, now, copied_at
    )
    payload.append(write_payload_bytes(staging, "data/metadata/premis.xml", premis_xml, algorithms))
    derived = {text.source: [o.bag_path for o in text.outputs] for text in repaired}
    description = _describe(
        item, name, originals, identities, repairs, derived, context, now, previous, qualities
    )
    payload.append(write_payload_bytes(staging, "data/metadata/item.json", description, algorithms))

    # 7. bag
    oxum = finish_bag(staging, payload, _bag_info(item, name, context, now), algorithms)

    # 8. validate the finished bag, fully, and against its declared profile.
    _validate(staging, context, item.size)

    # 9. publish
    publish(staging, final)

    # 10. record
    files = [
        NewFile(entry.bag_path, str(path), entry.size, "original", entry.digests)
        for _rel, path, entry in originals
    ] + [
        NewFile(
            p.bag_path,
            None,
            p.size,
            "metadata" if p.bag_path.startswith("data/metadata/") else "derived",
            p.digests,
        )
        for p in payload[len(originals) :]
    ]
    _record(
        catalog,
        item,
        name,
        final,
        key,
        oxum,
        files,
        events,
        now,
        previous,
        qualities,
        replace=rebuilt,
    )
    outcome.status = "ingested"
    outcome.previous = previous.name if previous else None
    outcome.repairs = repairs
    outcome.quality = qualities


def _in_parallel(function: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
    """Map over the files of one item in two threads (hashlib and file copies release the
    GIL), in order. One small file is done in place: a pool costs more than it saves."""
    if len(items) < 2:
        return [function(item) for item in items]
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(function, items))


def _hash_originals(
    item: Item, algorithms: Sequence[str], progress: ProgressCallback | None
) -> dict[str, tuple[dict[str, str], int]]:
    """Intake fixity, read-only: every algorithm in one read of each original."""
    return dict(
        _in_parallel(
            lambda source: (
                source.relative,
                _read_unchanged(source, lambda: digest_file(source.path, algorithms, progress)),
            ),
            item.files,
        )
    )


def _copy_originals(
    item: Item, staging: Path, algorithms: Sequence[str], progress: ProgressCallback | None
) -> dict[str, tuple[dict[str, str], int]]:
    """Copy every original into the staging bag's payload, hashing the bytes as read."""
    return dict(
        _in_parallel(
            lambda source: (
                source.relative,
                _read_unchanged(
                    source,
                    lambda: copy_and_hash(
                        source.path,
                        staging / f"data/original/{source.relative}",
                        algorithms,
                        progress,
                    ),
                ),
            ),
            item.files,
        )
    )


def _read_unchanged(
    source: SourceFile, read: Callable[[], tuple[dict[str, str], int]]
) -> tuple[dict[str, str], int]:
    """``read`` the file, and fail it if it was written, truncated or replaced meanwhile:
    its size, times and inode before and after the read, and the size listed at discovery,
    must all agree with the bytes read."""

    def state() -> tuple[int, ...]:
        info = os.stat(source.path, follow_symlinks=False)
        return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev)

    before = state()
    digests, size = read()
    if not before[0] == size == source.size or state() != before:
        raise PreserveError(f"{source.relative} changed while being read; try again")
    return digests, size


def _premis_record(
    item: Item,
    name: str,
    context: IngestContext,
    originals: Sequence[tuple[str, Path, PayloadFile]],
    identities: dict[str, Any],
    repaired: Sequence[RepairedText],
    repair_agents: dict[str, str],
    now: datetime,
    copied_at: datetime,
) -> tuple[bytes, list[Any]]:
    """The package's PREMIS document (schema-valid) and the events in it: an object per
    original and per derived file, the intake events, a normalization per repaired text."""
    from preserve.identification import siegfried_version

    algorithms = context.algorithms
    derived = [(output, text.source) for text in repaired for output in text.outputs]
    from preserve import premis

    agents = _agents(context.config, siegfried_version(), repair_agents)
    objects = [
        premis.object_for_file(
            entry.bag_path,
            relative,
            identities[entry.bag_path],
            entry.digests,
            content_location=entry.bag_path,
        )
        for relative, _path, entry in originals
    ]
    for entry, source_path in derived:
        objects.append(
            premis.PremisObject(
                identifier=entry.bag_path,
                original_name=Path(entry.bag_path).name,
                size=entry.size,
                fixity=tuple(premis.Fixity(PREMIS_NAMES[a], entry.digests[a]) for a in algorithms),
                format_name=_derived_format(entry.bag_path),
                content_location=entry.bag_path,
                relationships=(
                    premis.Relationship(
                        "derivation",
                        "has source",
                        source_path,
                        related_event=_event_id(name, f"normalization {source_path}"),
                    ),
                ),
            )
        )
    all_objects = tuple(
        (o.identifier, "source") for o in objects if o.identifier.startswith("data/original/")
    )
    org, software = agents[0].identifier, agents[1].identifier
    events = [
        premis.Event(
            identifier=_event_id(name, "message digest calculation"),
            type="message digest calculation",
            datetime=now,
            detail=f"{', '.join(PREMIS_NAMES[a] for a in algorithms)} of each original, "
            "in one read-only pass at intake",
            outcome="success",
            agents=((software, "executing program"), ("hashlib", "executing program")),
            objects=all_objects,
        ),
        premis.Event(
            identifier=_event_id(name, "validation of copies"),
            type="validation",
            datetime=copied_at,
            detail="payload copies re-hashed while written and compared with the intake digests",
            outcome="success",
            agents=((software, "executing program"),),
            objects=all_objects,
        ),
        premis.Event(
            identifier=_event_id(name, "format identification"),
            type="format identification",
            datetime=copied_at,
            detail="siegfried (PRONOM) and preserve's encoding detection",
            outcome="success",
            outcome_detail="; ".join(
                _identification_line(entry.bag_path, identities[entry.bag_path])
                for _r, _p, entry in originals
            ),
            agents=((software, "executing program"), ("siegfried", "executing program")),
            objects=all_objects,
        ),
    ]
    for text in repaired:
        events.append(
            premis.Event(
                identifier=_event_id(name, f"normalization {text.source}"),
                type="normalization",
                datetime=copied_at,
                detail="OCR repair into a derived copy; every edit logged and reversible",
                outcome="success",
                outcome_detail="edits per rule: " + json.dumps(text.summary, sort_keys=True),
                agents=tuple((a.identifier, "executing program") for a in agents[1:]),
                objects=((text.source, "source"), *((o.bag_path, "outcome") for o in text.outputs)),
            )
        )
    events.append(
        premis.Event(
            identifier=_event_id(name, "ingestion"),
            type="ingestion",
            datetime=context.clock(),
            detail=f"preserved from {item.path} as package {name}",
            outcome="success",
            agents=((org, "implementer"), (software, "executing program")),
            objects=all_objects,
        )
    )
    # build_premis validates its output against the schema and raises PackageError if not.
    return premis.build_premis(objects, events, agents), events


LARGE_PACKAGE = 64 << 20
"""From this size on, a package is validated with ``[bagging] processes`` worker processes;
below it a process pool costs more to start than it saves."""


def _processes(context: IngestContext, size: int) -> int:
    return context.config.bagging.processes if size >= LARGE_PACKAGE else 1


def _validate(bag: Path, context: IngestContext, size: int) -> None:
    from preserve.validation import validate_bag

    report = validate_bag(bag, processes=_processes(context, size))
    if not report.valid:
        first = report.errors[0]
        raise PreserveError(
            f"the new package did not validate ({first.code}: {first.message}); "
            "nothing was published, please report it"
        )
    profile_id = context.config.bagging.profile_identifier
    if profile_id:
        from preserve.validation.profile import load_profile, validate_profile

        problems = [
            p for p in validate_profile(bag, load_profile(profile_id)) if p.severity == "error"
        ]
        if problems:
            raise PreserveError(
                f"the new package does not meet its profile {profile_id} "
                f"({problems[0].code}: {problems[0].message}): fix [organization] in the config"
            )


def _adopt(
    item: Item,
    final: Path,
    key: str,
    context: IngestContext,
    catalog: Catalog,
    outcome: ItemOutcome,
    now: datetime,
) -> None:
    """A package with this content's name is on disk but the catalog does not know it where
    it is: an earlier run died between publishing and recording, or the catalog was lost.
    Validate it and record every file of it (originals, derived, metadata) as it is."""
    from preserve.validation import validate_bag

    report = validate_bag(final, processes=_processes(context, item.size))
    if not report.valid:
        raise PreserveError(
            f"a package named {final.name} is in the way and is not valid "
            f"({report.errors[0].code}): move it aside, then rerun"
        )
    sources = {f"data/original/{source.relative}": str(source.path) for source in item.files}
    files = []
    for bag_path, digests in sorted(read_payload_manifests(final).items()):
        if bag_path.startswith("data/original/"):
            role = "original"
        elif bag_path.startswith("data/metadata/"):
            role = "metadata"
        else:
            role = "derived"
        size = (final / bag_path).stat().st_size
        files.append(NewFile(bag_path, sources.get(bag_path), size, role, digests))
    recorded = catalog.package(final.name)
    qualities = _recorded_qualities(final / "data" / "metadata" / "item.json")
    _record(
        catalog,
        item,
        final.name,
        final,
        key,
        _read_oxum(final),
        files,
        [],
        now,
        None if recorded is not None else catalog.latest_for_source(str(item.path)),
        qualities,
        replace=recorded,
    )
    outcome.status = "already-preserved"
    outcome.package = final.name
    outcome.notes.append("its package was on disk but not in the catalog: recorded")


def _recorded_qualities(item_json: Path) -> dict[str, dict[str, Any]]:
    """The OCR quality each text's ``item.json`` entry carries (none from older packages)."""
    try:
        description = json.loads(item_json.read_bytes())
        return {f["path"]: f["quality"] for f in description["files"] if f.get("quality")}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _identification_line(bag_path: str, ident: Any) -> str:
    return (
        f"{bag_path}: {ident.puid or 'unknown'} {ident.media_type}, "
        f"encoding {ident.encoding} ({ident.encoding_basis})"
    )


def _event_id(package: str, what: str) -> str:
    """Event identifiers derived from the package and the event, so that a package built
    twice with the same clock is byte-for-byte the same."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"preserve:{package}:{what}"))


def _read_oxum(bag: Path) -> str:
    for line in (bag / "bag-info.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("Payload-Oxum:"):
            return line.split(":", 1)[1].strip()
    return ""


def _record(
    catalog: Catalog,
    item: Item,
    name: str,
    final: Path,
    key: str,
    oxum: str,
    files: Sequence[NewFile],
    events: Sequence[Any],
    now: datetime,
    previous: Any,
    qualities: dict[str, dict[str, Any]] | None = None,
    *,
    replace: Any = None,
) -> None:
    """Record a package and its events; ``replace``: the record of the same name it heals."""
    record = catalog.add_package(
        name=name,
        path=final,
        item_name=item.name,
        source=str(item.path),
        content_key=key,
        payload_oxum=oxum,
        files=files,
        created_at=now,
        previous=previous.name if previous else None,
        replace=replace is not None,
    )
    with catalog.transaction():
        for event in events:
            catalog.record_event(
                package_id=record.id,
                event_type=event.type,
                outcome=event.outcome,
                detail=event.detail,
                outcome_detail=event.outcome_detail or None,
                agents=[agent for agent, _role in event.agents],
                when=event.datetime,
                identifier=event.identifier,
            )
        catalog.record_event(
            package_id=record.id,
            event_type="validation",
            outcome="success",
            detail="finished bag validated in full (BagIt 1.0 and its declared profile) "
            "before publication",
            agents=["preserve"],
            when=now,
        )
    for bag_path, quality in (qualities or {}).items():
        catalog.record_quality(record.id, bag_path, quality)


# -- repair ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RepairedText:
    source: str
    """The original's bag path."""
    outputs: tuple[PayloadFile, ...]
    """Repaired text, edit log, debris, review page."""
    summary: dict[str, int]
    quality: dict[str, Any] | None = None
    """The OCR quality of the text (``repair.quality.Quality.to_dict()``)."""


def _repair_texts(
    staging: Path,
    originals: Sequence[tuple[str, Path, PayloadFile]],
    identities: dict[str, Any],
    context: IngestContext,
    outcome: ItemOutcome,
) -> tuple[list[RepairedText], dict[str, str]]:
    """Repaired derived copies of the texts. Anything not safely text is preserved as is,
    with a reason for the report."""
    repaired: list[RepairedText] = []
    software: dict[str, str] = {}
    if not context.config.ingest.repair:
        return repaired, software
    from preserve.identification import decode_text
    from preserve.repair import repair
    from preserve.repair.quality import quality_of
    from preserve.repair.review import render_result

    repair_config = context.config.repair
    algorithms = context.algorithms
    for relative, _path, entry in originals:
        ident = identities[entry.bag_path]
        if ident.size and not ident.is_text and _identified(ident):
            continue  # a page image, a PDF...: a known format, preserved as is, not text
        reason = _not_repairable(
            ident, staging / entry.bag_path, context.config.ingest.max_line_bytes
        )
        if reason:
            outcome.reasons.append(f"{relative}: {reason}")
            continue
        text = decode_text((staging / entry.bag_path).read_bytes(), ident.encoding)
        result = repair(text, repair_config)
        software.update(result.software)
        quality = quality_of(result).to_dict()
        base = derived_base(relative)
        parts = [
            (f"{base}.repaired.txt", result.text.encode("utf-8")),
            (f"{base}.edits.json", _json(result.to_dict(), compact=True)),
            (f"{base}.debris.json", _json([d.to_dict() for d in result.debris])),
            (
                f"{base}.review.html",
                render_result(result, title=relative, source_name=relative, quality=quality).encode(
                    "utf-8"
                ),
            ),
        ]
        outputs = tuple(
            write_payload_bytes(staging, path, data, algorithms) for path, data in parts
        )
        repaired.append(RepairedText(entry.bag_path, outputs, result.summary(), quality))
    return repaired, software


DERIVED_FORMATS = {
    ".repaired.txt": "Plain Text (UTF-8), repaired derivative",
    ".edits.json": "JSON edit log (preserve-edit-log/1)",
    ".debris.json": "JSON, layout debris removed from the text",
    ".review.html": "HTML repair review page",
}
"""The derived files of a repaired text: their name's ending and their format."""

NAME_MAX = 255
"""Bytes in one file name on the file systems packages live on (ext4, XFS, APFS, NTFS)."""


def derived_base(relative: str) -> str:
    """Where a text's derived files go: its own name, or, when an ending would take that
    name past :data:`NAME_MAX` bytes, a short stable form (the name cut at a character,
    plus a hash of the whole name). ``item.json`` maps each original to its derived files.

    >>> derived_base("letters/to mother.txt")
    'data/derived/letters/to mother.txt'
    >>> short = derived_base("a" * 250 + ".txt")
    >>> len(short.rsplit("/", 1)[1].encode()) + len(".repaired.txt") <= NAME_MAX
    True
    >>> short == derived_base("a" * 250 + ".txt") != derived_base("a" * 250 + ".TXT")
    True
    """
    folder, _, name = relative.rpartition("/")
    encoded = name.encode("utf-8")
    longest = max(len(ending) for ending in DERIVED_FORMATS)
    if len(encoded) + longest > NAME_MAX:
        tag = "~" + hashlib.sha256(encoded).hexdigest()[:16]
        name = encoded[: NAME_MAX - longest - len(tag)].decode("utf-8", "ignore") + tag
    return f"data/derived/{folder}/{name}" if folder else f"data/derived/{name}"


def _not_repairable(ident: Any, path: Path, max_line_bytes: int) -> str | None:
    if ident.size == 0:
        return "empty file: preserved as is, there is no text to repair"
    if not ident.is_text or ident.encoding is None:
        return (
            f"unidentified content ({ident.media_type}, {ident.basis or 'no match'}): preserved "
            "as is, not repaired; find out what it is"
        )
    if "guess" in ident.encoding_basis:
        return (
            f"not valid UTF-8 and has no byte-order mark (looks like {ident.encoding}): preserved "
            "as is, not repaired; convert a copy to UTF-8 to have it repaired"
        )
    longest = _longest_line(path)
    if longest > max_line_bytes:
        return (
            f"has a line of {longest:,} bytes (limit {max_line_bytes:,}): preserved as is, "
            "not repaired; raise [ingest] max_line_bytes to repair it"
        )
    return None


def _identified(ident: Any) -> bool:
    """siegfried recognised the format by its content, not only by the name's extension."""
    return ident.puid is not None and not any("extension only" in w for w in ident.warnings)


def _longest_line(path: Path) -> int:
    longest = current = 0
    with open(path, "rb") as stream:
        while chunk := stream.read(1 << 20):
            parts = chunk.split(b"\n")
            if len(parts) == 1:
                current += len(chunk)
            else:
                longest = max(longest, current + len(parts[0]), *(len(p) for p in parts[1:-1]))
                current = len(parts[-1])
    return max(longest, current)


def _json(data: Any, *, compact: bool = False) -> bytes:
    """UTF-8 JSON. Edit logs (thousands of edits, read by programs; the review page is the
    human view) are written compact: indenting them cost more time than the repair itself."""
    if compact:
        return (json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _derived_format(bag_path: str) -> str:
    for ending, name in DERIVED_FORMATS.items():
        if bag_path.endswith(ending):
            return name
    return "unknown"


# -- description ----------------------------------------------------------------------------


def _agents(config: Config, siegfried: str, repair_software: dict[str, str]) -> list[Any]:
    from preserve import premis

    org = config.organization
    agents = [
        premis.Agent(org.identifier, org.name, "organization", note=org.contact_email),
        premis.Agent("preserve", "preserve", "software", version=__version__),
        premis.Agent(
            "hashlib",
            "Python hashlib",
            "software",
            version=f"Python {platform.python_version()}, {ssl.OPENSSL_VERSION}",
        ),
        premis.Agent("siegfried", "siegfried (via pygfried)", "software", version=siegfried),
    ]
    for name, version in sorted(repair_software.items()):
        if name != "preserve":
            agents.append(premis.Agent(name, name, "software", version=version))
    return agents


def _describe(
    item: Item,
    name: str,
    originals: Sequence[tuple[str, Path, PayloadFile]],
    identities: dict[str, Any],
    repairs: dict[str, dict[str, int]],
    derived: dict[str, list[str]],
    context: IngestContext,
    now: datetime,
    previous: Any,
    qualities: dict[str, dict[str, Any]] | None = None,
) -> bytes:
    """Descriptive and technical metadata a person (or a repository) reads first."""
    return _json(
        {
            "package": name,
            "title": item.name,
            "source": str(item.path),
            "kind": item.kind,
            "preserved": now.isoformat(),
            "previous_package": previous.name if previous else None,
            "organization": context.config.organization.name,
            "files": [
                {
                    "path": entry.bag_path,
                    "original_name": relative,
                    "size": entry.size,
                    "digests": entry.digests,
                    "identification": identities[entry.bag_path].to_dict(),
                    "repairs": repairs.get(entry.bag_path),
                    "derived": derived.get(entry.bag_path, []),
                    "quality": (qualities or {}).get(entry.bag_path),
                }
                for relative, _path, entry in originals
            ],
            "software": {"preserve": __version__},
            "configuration": context.config.to_dict(),
        }
    )


def _bag_info(
    item: Item, name: str, context: IngestContext, now: datetime
) -> list[tuple[str, str]]:
    org = context.config.organization
    info = [("Source-Organization", org.name)]
    if org.address:
        info.append(("Organization-Address", org.address))
    info += [
        ("Contact-Name", org.contact_name),
        ("Contact-Email", org.contact_email),
        ("External-Identifier", name),
        (
            "External-Description",
            f"{item.name}: {len(item.files)} original file(s), with repaired derivatives",
        ),
        ("Bagging-Date", now.date().isoformat()),
        ("Bag-Software-Agent", f"preserve {__version__}"),
        ("Bag-Producing-Organization", org.name),
        ("Bag-Group-Identifier", item.path.parent.name or str(item.path.parent)),
        ("Bag-Count", "1 of 1"),
        ("Internal-Sender-Identifier", str(item.path)),
        (
            "Internal-Sender-Description",
            "the path of the item in its source folder when it was preserved",
        ),
    ]
    if context.config.bagging.profile_identifier:
        info.append(("BagIt-Profile-Identifier", context.config.bagging.profile_identifier))
    return info
