"""The ingest pipeline: one item at a time through an ordered table of steps.

The whole workflow is the table :data:`STEPS` (as a3m keeps its workflow as data): each
:class:`Step` names a small function and the PREMIS events it records, and
:func:`ingest_item` runs the table in order, so the order lives there and nowhere else. The
steps share one :class:`ItemRun`, where each leaves what it learnt for the steps after it.

1. ``fixity``    digests of every original, all algorithms in one read (a new item is
                 copied into its staging bag in that same read)   (message digest calculation)
2. ``lookup``    already preserved? (catalog, or a package an interrupted run published)
3. ``copy``      originals copied byte for byte into a private staging bag, re-hashed on the
                 way and compared with the intake digests                        (validation)
4. ``identify``  size, media type, PRONOM format, text encoding      (format identification)
5. ``repair``    a repaired derived copy of each text, its edit log, debris, review page
                                                                               (normalization)
6. ``describe``  PREMIS and descriptive metadata (see :mod:`preserve.describe`)   (ingestion)
7. ``bag``       manifests, bag-info.txt, tag manifests
8. ``validate``  the finished bag, fully, and against its declared profile
                                                           (validation, in the catalog only)
9. ``publish``   atomic rename into the packages folder
10. ``record``   the catalog: item, package, files, checksums, events

A batch of items (:func:`ingest_items`) takes the last two steps together: its bags are
flushed to disk with one file-system sync before any is renamed, and its records are written
in one catalog transaction, so a small text does not pay twenty fsyncs and three commits.

No step ever writes to an original. Nothing raises out of :func:`ingest_items`: every
problem becomes a one-line reason on the item's outcome, and the batch goes on.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import tempfile
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from preserve import describe
from preserve.bagging import (
    PayloadFile,
    claim_package,
    copy_and_hash,
    finish_bag,
    flush_trees,
    new_staging,
    publish,
    read_payload_manifests,
    remove_dead_staging,
    sync_folders,
    write_payload_bytes,
)
from preserve.catalog import Catalog, NewFile, PackageRecord
from preserve.config import Config
from preserve.describe import DERIVED_FORMATS, Original, RepairedText, json_bytes
from preserve.errors import ConfigError, PreserveError
from preserve.fixity import digest_file
from preserve.intake import Item, Rejected, SourceFile, slugify

if TYPE_CHECKING:
    from preserve.identification import Identification
    from preserve.premis import Event

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


def utc_now() -> datetime:
    """The time, to the second, in UTC: what a package records by default."""
    return datetime.now(UTC).replace(microsecond=0)


@dataclass(frozen=True)
class IngestContext:
    """Everything one run shares; the clock is injectable so packages are reproducible.
    A module function by default, not a lambda: a worker process gets the context pickled."""

    config: Config
    packages: Path
    catalog: Path
    clock: Callable[[], datetime] = utc_now

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


# -- one item's run -------------------------------------------------------------------------


@dataclass
class ItemRun:
    """One item on its way through :data:`STEPS`: what it was given, and what each step has
    learnt so far for the steps after it."""

    item: Item
    context: IngestContext
    catalog: Catalog
    outcome: ItemOutcome
    progress: ProgressCallback | None
    started: datetime
    """When the run took the item in: the time of the intake digests, of the catalog's record
    and of the Bagging-Date."""
    scratch: list[Path] = field(default_factory=list)
    """The staging folder, once made: removed whatever happens (a published one is gone)."""
    claims: ExitStack = field(default_factory=ExitStack)
    """The package name this run holds: released whatever happens."""
    finished: bool = False
    """Set by a step that settles the item early (it is already preserved): the steps after
    it do not run."""
    failed: bool = False
    """Set when a step failed: the steps after it do not run (the reason is on the outcome)."""

    # fixity
    originals: tuple[Original, ...] = ()
    staging: Path | None = None
    """The staging bag; made by the fixity step when the item is new, else by the copy step."""
    # lookup
    key: str = ""
    """The content key (:func:`content_key`)."""
    name: str = ""
    """The package's name (:func:`package_name`)."""
    previous: PackageRecord | None = None
    """The package this one follows: the source's latest, or the rebuilt package's own."""
    rebuilt: PackageRecord | None = None
    """The catalog's record of this package when its folder had gone and it is rebuilt."""
    # copy
    copied: datetime | None = None
    """When the copies were found equal to the originals: the time of the events that follow."""
    # identify
    identities: dict[str, Identification] = field(default_factory=dict)
    """By the original's bag path."""
    # repair
    texts: list[RepairedText] = field(default_factory=list)
    repair_software: dict[str, str] = field(default_factory=dict)
    """The programs and dictionaries the repair used, with their versions."""
    # describe
    metadata: list[PayloadFile] = field(default_factory=list)
    """premis.xml and item.json."""
    events: list[Event] = field(default_factory=list)
    """The PREMIS events of premis.xml, which the catalog records too."""
    # bag
    oxum: str = ""
    # publish
    flushed: bool = False
    """The staging bag is on disk already (flushed with its batch's): publish need not."""

    @property
    def algorithms(self) -> tuple[str, ...]:
        return self.context.algorithms

    @property
    def bag(self) -> Path:
        """The staging bag (there from the copy step on)."""
        assert self.staging is not None, "the copy step makes the staging bag"
        return self.staging

    @property
    def final(self) -> Path:
        """Where the package is published."""
        return self.context.packages / self.name

    @property
    def payload(self) -> list[PayloadFile]:
        """Every payload file, in the order they are recorded: the originals, each text's
        derived files, then the metadata."""
        derived = [output for text in self.texts for output in text.outputs]
        return [original.payload for original in self.originals] + derived + self.metadata

    def make_staging(self, name: str) -> Path:
        self.staging = new_staging(self.context.packages, name)
        self.scratch.append(self.staging)
        return self.staging


# -- the steps, in the order of STEPS -------------------------------------------------------


def compute_fixity(run: ItemRun) -> None:
    """``fixity``: the digests of every original, every algorithm in one read of each.
    Records: message digest calculation.

    An item this source has never given is most likely new: its originals are read once,
    hashed while copied into a private staging bag. An item seen before is most likely
    unchanged: it is hashed read-only, and copied (by the copy step) only if it changed.
    """
    item, algorithms = run.item, run.algorithms
    if run.catalog.latest_for_source(str(item.path)) is not None:
        reads = _hash_originals(item, algorithms, run.progress)
    else:
        reads = _copy_originals(
            item, run.make_staging(slugify(item.name)), algorithms, run.progress
        )
    run.originals = tuple(
        Original(source.relative, source.path, PayloadFile(_original_path(source), size, digests))
        for source, (digests, size) in zip(item.files, reads, strict=True)
    )


def look_up(run: ItemRun) -> None:
    """``lookup``: is this content preserved already? Records no event.

    From here to the record step, this run holds the package's name: another run (or
    thread) preserving the same content waits here, then finds it preserved. A package in
    the catalog and on disk settles the item; one on disk only is adopted (validated and
    recorded); one in the catalog whose folder was deleted is rebuilt in its place.
    """
    item, catalog = run.item, run.catalog
    run.key = content_key({original.relative: original.digests for original in run.originals})
    run.name = run.outcome.package = package_name(item, run.key)
    if run.claims.enter_context(claim_package(run.context.packages, run.name)):
        run.outcome.notes.append("another run was preserving it at the same time: waited for it")
    known = catalog.find_by_content(run.key)
    if known is not None and known.path.is_dir():
        run.outcome.status = "already-preserved"
        run.outcome.package = known.name
        run.finished = True
        return
    if run.final.is_dir():
        _adopt(run)
        run.finished = True
        return
    # A rebuilt package keeps its link to the package before it (not to itself).
    run.rebuilt = catalog.package(run.name)
    if run.rebuilt is not None:
        run.outcome.notes.append("its package folder had gone from the packages folder: rebuilt")
        previous = run.rebuilt.previous
        run.previous = catalog.package(previous) if previous else None
    else:
        run.previous = catalog.latest_for_source(str(item.path))


def copy_originals(run: ItemRun) -> None:
    """``copy``: every original in the staging bag, byte for byte, its copy re-hashed while
    written and compared with the intake digests. Records: validation.

    A new item's originals were copied by the fixity step, in the same read.
    """
    if run.staging is None:
        copies = _copy_originals(run.item, run.make_staging(run.name), run.algorithms, None)
        for original, (digests, _size) in zip(run.originals, copies, strict=True):
            if digests != original.digests:
                raise PreserveError(f"{original.relative} changed while being read; try again")
    run.copied = run.context.clock()


def identify_formats(run: ItemRun) -> None:
    """``identify``: size, media type, PRONOM format and text encoding of each original, read
    from its copy (the same bytes, and the original is read once less). Records: format
    identification."""
    from preserve.identification import identify

    bag = run.bag
    run.identities = dict(
        _in_parallel(
            lambda original: (original.bag_path, identify(bag / original.bag_path)),
            run.originals,
        )
    )


def repair_texts(run: ItemRun) -> None:
    """``repair``: a repaired derived copy of each text, with its edit log, debris and review
    page. Records: normalization (one per repaired text).

    Anything not safely text is preserved as is, with a reason for the report.
    """
    if not run.context.config.ingest.repair:
        return
    from preserve.identification import decode_text
    from preserve.repair import repair
    from preserve.repair.quality import quality_of
    from preserve.repair.review import render_result

    ingest = run.context.config.ingest
    for original in run.originals:
        ident = run.identities[original.bag_path]
        if ident.size and not ident.is_text and _identified(ident):
            continue  # a page image, a PDF...: a known format, preserved as is, not text
        copy = run.bag / original.bag_path
        reason = _not_repairable(ident, copy, ingest.max_line_bytes)
        if reason:
            run.outcome.reasons.append(f"{original.relative}: {reason}")
            continue
        result = repair(decode_text(copy.read_bytes(), ident.encoding), run.context.config.repair)
        run.repair_software.update(result.software)
        quality = quality_of(result).to_dict()
        base = derived_base(original.relative)
        review = render_result(
            result, title=original.relative, source_name=original.relative, quality=quality
        )
        parts = [
            (f"{base}.repaired.txt", result.text.encode("utf-8")),
            (f"{base}.edits.json", json_bytes(result.to_dict(), compact=True)),
            (f"{base}.debris.json", json_bytes([d.to_dict() for d in result.debris])),
            (f"{base}.review.html", review.encode("utf-8")),
        ]
        outputs = tuple(
            write_payload_bytes(run.bag, path, data, run.algorithms) for path, data in parts
        )
        run.texts.append(RepairedText(original.bag_path, outputs, result.summary(), quality))


def describe_package(run: ItemRun) -> None:
    """``describe``: ``data/metadata/premis.xml`` (every object, event and agent) and
    ``data/metadata/item.json`` (see :mod:`preserve.describe`). Records: ingestion."""
    from preserve.identification import siegfried_version

    acting = describe.agents(run.context.config, siegfried_version(), run.repair_software)
    assert run.copied is not None, "the copy step comes first"
    premis_xml, run.events = describe.premis_record(
        run.name,
        run.item,
        run.originals,
        run.identities,
        run.texts,
        acting,
        run.algorithms,
        hashed=run.started,
        copied=run.copied,
        ingested=run.context.clock(),
    )
    item_json = describe.item_description(
        run.name,
        run.item,
        run.originals,
        run.identities,
        run.texts,
        run.context.config,
        preserved=run.started,
        previous=run.previous.name if run.previous else None,
    )
    for path, data in (("premis.xml", premis_xml), ("item.json", item_json)):
        run.metadata.append(
            write_payload_bytes(run.bag, f"data/metadata/{path}", data, run.algorithms)
        )


def make_bag(run: ItemRun) -> None:
    """``bag``: bagit.txt, the payload manifests, bag-info.txt and the tag manifests."""
    info = describe.bag_info(run.name, run.item, run.context.config, run.started)
    run.oxum = finish_bag(run.bag, run.payload, info, run.algorithms)


def validate_package(run: ItemRun) -> None:
    """``validate``: the finished bag, fully (BagIt 1.0), and against its declared profile.
    Records: validation (in the catalog only, by the record step: premis.xml is inside the
    bag it would describe)."""
    _validate(run.bag, run.context, run.item.size)


def publish_package(run: ItemRun) -> None:
    """``publish``: the bag, flushed to disk, renamed into the packages folder at once."""
    publish(run.bag, run.final, flushed=run.flushed)


@contextmanager
def flushed_batch(runs: Sequence[ItemRun]) -> Iterator[None]:
    """Around the ``publish`` step of a batch: every staging bag flushed to disk at once
    before any is renamed, and the renames made durable before the record step says the
    packages exist. (A step run alone flushes its own bag: see ``ItemRun.flushed``.)"""
    flush_trees([run.bag for run in runs])
    for run in runs:
        run.flushed = True
    yield
    sync_folders(folder for run in runs for folder in (run.final.parent, run.bag.parent))


@contextmanager
def one_transaction(runs: Sequence[ItemRun]) -> Iterator[None]:
    """Around the ``record`` step of a batch: one catalog transaction for all its records
    (each item's own is a savepoint in it, so one that fails takes only its own rows back).
    A batch's runs share their catalog connection (:func:`ingest_items`)."""
    with runs[0].catalog.transaction():
        yield


def record_package(run: ItemRun) -> None:
    """``record``: the catalog's item, package, files, checksums, the PREMIS events of
    premis.xml, the validation of the finished bag, and the OCR quality of each text."""
    sources = {original.bag_path: str(original.source) for original in run.originals}
    files = [
        NewFile(p.bag_path, sources.get(p.bag_path), p.size, _role(p.bag_path), p.digests)
        for p in run.payload
    ]
    qualities = {text.source: text.quality for text in run.texts if text.quality}
    _record(run, run.final, run.oxum, files, run.events, run.previous, qualities, run.rebuilt)
    run.outcome.status = "ingested"
    run.outcome.previous = run.previous.name if run.previous else None
    run.outcome.repairs = {text.source: text.summary for text in run.texts}
    run.outcome.quality = qualities


@dataclass(frozen=True)
class Step:
    """One step of preserving an item, and the PREMIS events it records."""

    name: str
    run: Callable[[ItemRun], None]
    events: tuple[str, ...] = ()
    """PREMIS event types the step records, in the package's premis.xml and the catalog."""
    catalog_events: tuple[str, ...] = ()
    """Event types recorded in the catalog only (by the record step, once published)."""
    together: Callable[[Sequence[ItemRun]], AbstractContextManager[None]] | None = None
    """For a step the items of a batch take together: entered once around the step's run for
    each of them (one flush to disk for a batch's bags, one catalog transaction for its
    records). From the first such step on, each step runs for every item of the batch before
    the next step begins."""


STEPS: tuple[Step, ...] = (
    Step("fixity", compute_fixity, ("message digest calculation",)),
    Step("lookup", look_up),
    Step("copy", copy_originals, ("validation",)),
    Step("identify", identify_formats, ("format identification",)),
    Step("repair", repair_texts, ("normalization",)),
    Step("describe", describe_package, ("ingestion",)),
    Step("bag", make_bag),
    Step("validate", validate_package, catalog_events=("validation",)),
    Step("publish", publish_package, together=flushed_batch),
    Step("record", record_package, together=one_transaction),
)
"""The workflow: what :func:`ingest_item` does to each item, in this order."""


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
    items: Iterable[Item],
    context: IngestContext,
    progress: ProgressCallback | None = None,
    stop: Callable[[], bool] | None = None,
) -> list[ItemOutcome]:
    """Preserve a batch of items through :data:`STEPS`, sharing one catalog connection.
    Never raises: every problem is a one-line reason on its item's outcome.

    Each item runs alone up to the first step the batch takes together (``Step.together``:
    publish); from there each step runs for every item still going before the next, so a
    batch's bags are flushed to disk in one go and recorded in one catalog transaction.
    ``stop``: asked before each item is taken in; once it says yes, the items in hand are
    finished and the rest are not started (their outcomes are not in the list).
    """
    outcomes: list[ItemOutcome] = []
    with Catalog.open(context.catalog) as catalog:
        for batch in batches(list(items), context.config.ingest.items_per_task):
            runs: list[ItemRun] = []
            try:
                for item in batch:
                    if stop is not None and stop():
                        break
                    run = _new_run(item, context, catalog, progress)
                    runs.append(run)
                    _guarded(run, partial(_alone, run))
                _together(runs)
            finally:
                for run in runs:
                    _clean_up(run)
            outcomes.extend(run.outcome for run in runs)
            if len(runs) < len(batch):
                break
    return outcomes


BATCH_BYTES = 256 << 20
"""At most this many bytes of originals in one batch (one item may be larger, alone)."""


def batches(items: Sequence[Item], per_batch: int) -> list[list[Item]]:
    """Items in batches of at most ``per_batch`` and :data:`BATCH_BYTES`, in order: the
    batches :func:`ingest_items` publishes together, and the ingest flow's tasks.

    >>> def item(name, size):
    ...     return Item(name, Path(name), "file", (SourceFile(Path(name), name, size),))
    >>> sized = [item("a", 1), item("b", 1), item("c", 300 << 20), item("d", 1)]
    >>> [[item.name for item in batch] for batch in batches(sized, 2)]
    [['a', 'b'], ['c'], ['d']]
    """
    found: list[list[Item]] = []
    current: list[Item] = []
    current_bytes = 0
    for item in items:
        if current and (len(current) >= per_batch or current_bytes + item.size > BATCH_BYTES):
            found.append(current)
            current, current_bytes = [], 0
        current.append(item)
        current_bytes += item.size
    if current:
        found.append(current)
    return found


def ingest_item(
    item: Item,
    context: IngestContext,
    catalog: Catalog,
    progress: ProgressCallback | None = None,
) -> ItemOutcome:
    """Preserve one item: run it through :data:`STEPS`, in order. Never raises."""
    run = _new_run(item, context, catalog, progress)
    try:
        _guarded(run, partial(_alone, run))
        _together([run])
    finally:
        _clean_up(run)
    return run.outcome


def _new_run(
    item: Item, context: IngestContext, catalog: Catalog, progress: ProgressCallback | None
) -> ItemRun:
    outcome = ItemOutcome(
        item.name, str(item.path), "failed", files=len(item.files), bytes=item.size
    )
    return ItemRun(item, context, catalog, outcome, progress, context.clock())


def _first_together() -> int:
    return next((i for i, step in enumerate(STEPS) if step.together), len(STEPS))


def _alone(run: ItemRun) -> None:
    """The steps an item takes on its own, up to the first the batch takes together."""
    for step in STEPS[: _first_together()]:
        step.run(run)
        if run.finished:
            return


def _together(runs: Sequence[ItemRun]) -> None:
    """The steps from the first the batch takes together on, each for every item still
    going (neither settled nor failed) before the next step."""
    for step in STEPS[_first_together() :]:
        going = [run for run in runs if not run.finished and not run.failed]
        if not going:
            return
        context = step.together(going) if step.together else nullcontext()
        if not _guarded_all(going, context.__enter__):
            continue
        for run in going:
            _guarded(run, partial(step.run, run))
        _guarded_all(going, partial(context.__exit__, None, None, None))


def _guarded(run: ItemRun, work: Callable[[], object]) -> bool:
    """Run ``work`` for one item; a problem becomes the item's reason and fails it."""
    reason = _problem(work)
    if reason is None:
        return True
    run.outcome.status = "failed"
    run.outcome.reasons.append(reason)
    run.failed = True
    return False


def _guarded_all(runs: Sequence[ItemRun], work: Callable[[], object]) -> bool:
    """Run ``work`` done once for several items; a problem fails each that is not settled."""
    reason = _problem(work)
    if reason is None:
        return True
    for run in runs:
        if not run.failed and not run.finished:
            run.outcome.status = "failed"
            run.outcome.reasons.append(reason)
            run.failed = True
    return False


def _problem(work: Callable[[], object]) -> str | None:
    """None when ``work`` runs through; else one sentence saying what went wrong."""
    try:
        work()
    except PreserveError as error:
        return str(error)
    except OSError as error:
        return os_error_reason(error)
    except Exception as error:  # a bug: report it on this item, keep the batch going
        last = traceback.extract_tb(error.__traceback__)[-1]
        return (
            f"internal error {type(error).__name__}: {error} at {Path(last.filename).name}:"
            f"{last.lineno}; please report it"
        )
    return None


def _clean_up(run: ItemRun) -> None:
    for folder in run.scratch:
        if folder.exists():  # not published: a failure, or already preserved
            shutil.rmtree(folder, ignore_errors=True)
    run.claims.close()


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


# -- fixity and copies ----------------------------------------------------------------------

Read = tuple[dict[str, str], int]
"""What one read of a file gives: its digests by algorithm, and its size."""

T = TypeVar("T")
R = TypeVar("R")


def _in_parallel(function: Callable[[T], R], items: Sequence[T]) -> list[R]:
    """Map over the files of one item in two threads (hashlib and file copies release the
    GIL), in order. One small file is done in place: a pool costs more than it saves."""
    if len(items) < 2:
        return [function(item) for item in items]
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(function, items))


def _original_path(source: SourceFile) -> str:
    return f"data/original/{source.relative}"


def _hash_originals(
    item: Item, algorithms: Sequence[str], progress: ProgressCallback | None
) -> list[Read]:
    """Intake fixity, read-only: every algorithm in one read of each original."""
    return _in_parallel(
        lambda source: _read_unchanged(
            source, lambda: digest_file(source.path, algorithms, progress)
        ),
        item.files,
    )


def _copy_originals(
    item: Item, staging: Path, algorithms: Sequence[str], progress: ProgressCallback | None
) -> list[Read]:
    """Copy every original into the staging bag's payload, hashing the bytes as read."""
    return _in_parallel(
        lambda source: _read_unchanged(
            source,
            lambda: copy_and_hash(
                source.path, staging / _original_path(source), algorithms, progress
            ),
        ),
        item.files,
    )


def _read_unchanged(source: SourceFile, read: Callable[[], Read]) -> Read:
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


# -- validation, adoption, the record -------------------------------------------------------

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


def _role(bag_path: str) -> str:
    """A payload file's role in the catalog."""
    if bag_path.startswith("data/original/"):
        return "original"
    if bag_path.startswith("data/metadata/"):
        return "metadata"
    return "derived"


def _adopt(run: ItemRun) -> None:
    """A package with this content's name is on disk but the catalog does not know it where
    it is: an earlier run died between publishing and recording, or the catalog was lost.
    Validate it and record every file of it (originals, derived, metadata) as it is."""
    from preserve.validation import validate_bag

    final = run.final
    report = validate_bag(final, processes=_processes(run.context, run.item.size))
    if not report.valid:
        raise PreserveError(
            f"a package named {final.name} is in the way and is not valid "
            f"({report.errors[0].code}): move it aside, then rerun"
        )
    sources = {_original_path(source): str(source.path) for source in run.item.files}
    files = [
        NewFile(
            bag_path,
            sources.get(bag_path),
            (final / bag_path).stat().st_size,
            _role(bag_path),
            digests,
        )
        for bag_path, digests in sorted(read_payload_manifests(final).items())
    ]
    recorded = run.catalog.package(final.name)
    qualities = describe.recorded_qualities(final / "data" / "metadata" / "item.json")
    previous = None if recorded is not None else run.catalog.latest_for_source(str(run.item.path))
    _record(run, final, _read_oxum(final), files, [], previous, qualities, recorded)
    run.outcome.status = "already-preserved"
    run.outcome.package = final.name
    run.outcome.notes.append("its package was on disk but not in the catalog: recorded")


def _read_oxum(bag: Path) -> str:
    for line in (bag / "bag-info.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("Payload-Oxum:"):
            return line.split(":", 1)[1].strip()
    return ""


def _record(
    run: ItemRun,
    final: Path,
    oxum: str,
    files: Sequence[NewFile],
    events: Sequence[Event],
    previous: PackageRecord | None,
    qualities: dict[str, dict[str, Any]],
    replace: PackageRecord | None,
) -> None:
    """Record a package and its events, all or nothing; ``replace``: the record of the same
    name it heals."""
    catalog = run.catalog
    with catalog.transaction():
        record = catalog.add_package(
            name=final.name,
            path=final,
            item_name=run.item.name,
            source=str(run.item.path),
            content_key=run.key,
            payload_oxum=oxum,
            files=files,
            created_at=run.started,
            previous=previous.name if previous else None,
            replace=replace is not None,
        )
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
            when=run.started,
        )
        for bag_path, quality in qualities.items():
            catalog.record_quality(record.id, bag_path, quality)


# -- repair ---------------------------------------------------------------------------------

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


def _not_repairable(ident: Identification, path: Path, max_line_bytes: int) -> str | None:
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


def _identified(ident: Identification) -> bool:
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
