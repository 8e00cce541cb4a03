"""Fixity audit: check every catalogued package again, keep the history, say what changed.

For each package the catalog knows, an audit

1. finds its folder (``package-missing`` when it is gone);
2. validates the bag in full (:func:`preserve.validation.validate_bag`);
3. independently compares every file the catalog recorded at ingest with the file on
   disk, size and every digest, and lists payload files the catalog never knew. This
   catches what validation alone cannot: a bag whose manifests were rewritten to match
   corrupted files still differs from the catalog;
4. records one PREMIS ``fixity check`` event per package (outcome ``pass`` or ``fail``) and
   one row of history (``audit_results``), then compares with the package's previous
   audit: newly failing, newly passing, new and resolved problems.

The work splits into :func:`select_packages`, :func:`check_package` (no catalog access, so
it can run in a worker thread or process) and :func:`record_checks` (catalog writes,
one transaction per batch), which :func:`audit_packages` and ``flows/audit.py`` compose.

>>> parse_duration("7d"), parse_duration("90m")
(datetime.timedelta(days=7), datetime.timedelta(seconds=5400))
"""

from __future__ import annotations

import json
import os
import re
import stat
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from preserve.catalog import Catalog, FileRecord, PackageRecord
from preserve.errors import ConfigError
from preserve.fixity import digest_file
from preserve.report import Problem, Report, Severity
from preserve.validation.spool import every_problem

Status = Literal["pass", "fail", "missing"]
Change = Literal["first-audit", "unchanged", "newly-failing", "newly-passing", "changed"]
Validator = Callable[[Path, int], Report]

EVENT_TYPE = "fixity check"
DEFAULT_AGENTS = ("preserve",)
"""PREMIS agent identifiers of the software, as the ingest records them."""
PARALLEL_BYTES = 64 << 20
"""Only a package at least this large is hashed with several processes: starting a pool
costs ~0.3 s per bag here, more than hashing a small package takes."""
MAX_EVENT_PROBLEMS = 50
"""Problems copied into an event's outcome detail; the count is always complete."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit_runs (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,                   -- NULL while running, or if the run was cut off
    selection TEXT NOT NULL,            -- JSON: created_since, older_than, limit
    audited INTEGER NOT NULL DEFAULT 0,
    passed INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    missing INTEGER NOT NULL DEFAULT 0,
    changed INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS audit_results (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES audit_runs(id),
    package_id INTEGER NOT NULL REFERENCES packages(id),
    audited_at TEXT NOT NULL,
    status TEXT NOT NULL,               -- pass | fail | missing
    change TEXT NOT NULL,               -- first-audit | unchanged | newly-failing | ...
    corrupted TEXT NOT NULL,            -- JSON list of bag paths
    missing_files TEXT NOT NULL,        -- JSON list of bag paths
    extra TEXT NOT NULL,                -- JSON list of bag paths
    problems TEXT NOT NULL,             -- JSON list of Problem.to_dict()
    event_identifier TEXT NOT NULL,
    seconds REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_results_package ON audit_results(package_id, audited_at);
"""


def parse_duration(text: str) -> timedelta:
    """``30m``, ``12h``, ``7d``, ``2w`` (a bare number is days) as a timedelta."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*", text.lower())
    if not match:
        raise ConfigError(
            f"Cannot read the duration {text!r}: write a number and a unit, such as 7d, 12h or 30m."
        )
    number, unit = float(match.group(1)), match.group(2) or "d"
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[unit]
    return timedelta(seconds=number * seconds)


def parse_moment(text: str) -> datetime:
    """An ISO date or date-time; without a zone it is UTC."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError as error:
        raise ConfigError(
            f"Cannot read the date {text!r}: write it as 2026-11-01 or 2026-11-01T12:00."
        ) from error
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class PackageCheck:
    """What one package looked like when checked; knows nothing of earlier audits."""

    package_id: int
    name: str
    path: str
    status: Status
    checked_at: datetime
    seconds: float
    corrupted: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


@dataclass(frozen=True)
class PackageAudit:
    """One package's audit, compared with its previous audit and recorded."""

    check: PackageCheck
    change: Change
    previous_status: Status | None
    previous_audited_at: datetime | None
    new_problems: tuple[Problem, ...]
    resolved_problems: tuple[dict[str, Any], ...]
    event_identifier: str

    @property
    def name(self) -> str:
        return self.check.name

    @property
    def status(self) -> Status:
        return self.check.status

    def to_dict(self) -> dict[str, Any]:
        check = self.check
        return {
            "package": check.name,
            "path": check.path,
            "status": check.status,
            "change": self.change,
            "audited_at": check.checked_at.isoformat(),
            "seconds": round(check.seconds, 3),
            "previous_status": self.previous_status,
            "previous_audited_at": (
                self.previous_audited_at.isoformat() if self.previous_audited_at else None
            ),
            "corrupted": list(check.corrupted),
            "missing": list(check.missing),
            "extra": list(check.extra),
            "problems": [p.to_dict() for p in check.problems],
            "new_problems": [p.to_dict() for p in self.new_problems],
            "resolved_problems": list(self.resolved_problems),
            "event": self.event_identifier,
        }


@dataclass
class AuditRun:
    """One audit run: what was selected, each package's audit, and the totals."""

    id: int
    started_at: datetime
    selection: dict[str, Any]
    audits: list[PackageAudit] = field(default_factory=list)
    finished_at: datetime | None = None
    skipped: int = 0
    """Catalogued packages not selected (audited recently enough, or created before --since)."""
    uncatalogued: list[str] = field(default_factory=list)
    """Folders in the packages folder that the catalog does not know."""
    validator: str = ""

    @property
    def audited(self) -> int:
        return len(self.audits)

    def _count(self, status: Status) -> int:
        return sum(audit.status == status for audit in self.audits)

    @property
    def passed(self) -> int:
        return self._count("pass")

    @property
    def failed(self) -> int:
        return self._count("fail")

    @property
    def missing(self) -> int:
        return self._count("missing")

    @property
    def changed(self) -> list[PackageAudit]:
        """Audits whose outcome or problems differ from the package's previous audit."""
        return [a for a in self.audits if a.change not in ("first-audit", "unchanged")]

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.missing == 0

    def summary(self) -> dict[str, int]:
        return {
            "audited": self.audited,
            "passed": self.passed,
            "failed": self.failed,
            "missing": self.missing,
            "changed": len(self.changed),
            "newly_failing": sum(a.change == "newly-failing" for a in self.audits),
            "newly_passing": sum(a.change == "newly-passing" for a in self.audits),
            "skipped": self.skipped,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "run": self.id,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "selection": self.selection,
            "validator": self.validator,
            "ok": self.ok,
            "summary": self.summary(),
            "uncatalogued": list(self.uncatalogued),
            "packages": [audit.to_dict() for audit in self.audits],
        }


# --------------------------------------------------------------------------- selection


def ensure_tables(catalog: Catalog) -> None:
    """The audit's own tables, beside the catalog's (created once, harmless to repeat)."""
    catalog.connection.executescript(_SCHEMA)


def last_audited(catalog: Catalog) -> dict[int, datetime]:
    """Package id -> when it was last audited."""
    ensure_tables(catalog)
    rows = catalog.connection.execute(
        "SELECT package_id, max(audited_at) FROM audit_results GROUP BY package_id"
    )
    return {package_id: datetime.fromisoformat(when) for package_id, when in rows}


def select_packages(
    catalog: Catalog,
    *,
    created_since: datetime | None = None,
    older_than: timedelta | None = None,
    limit: int | None = None,
    now: datetime | None = None,
) -> tuple[list[PackageRecord], int]:
    """Packages due for an audit, and how many catalogued packages were left out.

    Never-audited packages come first, then the longest unaudited, so that a nightly
    ``older_than=7d, limit=N`` run walks through a large store slice by slice.
    """
    now = now or _utc_now()
    everything = catalog.packages()
    candidates = catalog.packages(created_since=created_since) if created_since else everything
    audited = last_audited(catalog)
    due = [
        package
        for package in candidates
        if older_than is None
        or package.id not in audited
        or audited[package.id] <= now - older_than
    ]
    epoch = datetime.min.replace(tzinfo=UTC)
    due.sort(key=lambda p: (p.id in audited, audited.get(p.id, epoch), p.id))
    if limit is not None:
        due = due[: max(limit, 0)]
    return due, len(everything) - len(due)


# --------------------------------------------------------------------------- checking


class _StrictValidator:
    """:func:`preserve.validation.validate_bag`, which can also hand over the digests it
    computed: the catalog comparison then reads no file a second time."""

    __name__ = "preserve"

    def __call__(
        self,
        path: Path,
        processes: int,
        on_digest: Callable[[str, dict[str, str]], None] | None = None,
    ) -> Report:
        from preserve.validation import validate_bag

        return validate_bag(path, processes=processes, on_digest=on_digest)


def default_validator() -> tuple[str, Validator]:
    """The project's strict validator (:func:`preserve.validation.validate_bag`), named."""
    return "preserve", _StrictValidator()


def _payload_on_disk(root: Path) -> dict[str, str]:
    """NFC form of every payload path -> its real spelling (symlinks listed, never followed)."""
    found: dict[str, str] = {}
    data = root / "data"
    if not data.is_dir() or data.is_symlink():
        return found
    for folder, dirs, files in os.walk(data, followlinks=False):
        relative = Path(folder).relative_to(root).as_posix()
        entries = list(files) + [d for d in dirs if os.path.islink(os.path.join(folder, d))]
        for name in entries:
            path = f"{relative}/{name}"
            found[unicodedata.normalize("NFC", path)] = path
    return found


def _is_safe(bag_path: str) -> bool:
    pure = PurePosixPath(bag_path)
    return bool(pure.parts) and not pure.is_absolute() and ".." not in pure.parts


def _found(
    record: FileRecord,
    status: str,
    code: str,
    message: str,
    facts: dict[str, Any],
    severity: Severity = "error",
) -> tuple[str, list[Problem]]:
    """One file's verdict with its one problem (``record``: the catalogued file)."""
    return status, [Problem(severity, code, record.bag_path, message, facts)]


def _compare_one(
    root: Path, record: FileRecord, real: str, known: Mapping[str, dict[str, str]]
) -> tuple[str, list[Problem]]:
    """("ok"|"missing"|"corrupted", problems) for one catalogued file; ``known`` holds
    digests the validator computed from the same bytes (used instead of a second read)."""
    path = root / real
    expected_parent = Path(os.path.realpath(root)) / Path(real).parent
    if path.parent.exists() and Path(os.path.realpath(path.parent)) != expected_parent:
        # A folder on the way was replaced by a symbolic link: never read through it.
        return _found(
            record,
            "corrupted",
            "catalog-file-corrupted",
            "is reached through a symbolic link; it was not read",
            {"expected": "regular folders", "found": os.path.realpath(path.parent)},
        )
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return _found(
            record,
            "missing",
            "catalog-file-missing",
            "was recorded at ingest but is gone",
            {"expected_size": record.size},
        )
    except OSError as error:
        return _found(
            record,
            "corrupted",
            "catalog-file-unreadable",
            f"cannot be examined ({error.strerror})",
            {"found": str(error)},
        )
    if not stat.S_ISREG(info.st_mode):
        kind = "a symbolic link" if stat.S_ISLNK(info.st_mode) else "not a regular file"
        return _found(
            record,
            "corrupted",
            "catalog-file-corrupted",
            f"is now {kind}",
            {"expected": "regular file", "found": kind},
        )
    if info.st_size != record.size:
        return _found(
            record,
            "corrupted",
            "catalog-file-corrupted",
            f"has {info.st_size} bytes; the catalog recorded {record.size}",
            {"expected_size": record.size, "found_size": info.st_size},
        )
    if not record.digests:
        return _found(
            record,
            "ok",
            "catalog-file-no-digest",
            "has no catalogued checksum; only its size was compared",
            {},
            severity="warning",
        )
    try:
        found = known.get(real) or {}
        if not all(algorithm in found for algorithm in record.digests):
            found, _size = digest_file(path, sorted(record.digests))
    except OSError as error:
        return _found(
            record,
            "corrupted",
            "catalog-file-unreadable",
            f"cannot be read ({error.strerror})",
            {"found": str(error)},
        )
    problems = [
        Problem(
            "error",
            "catalog-file-corrupted",
            record.bag_path,
            f"{algorithm} differs from the catalog's",
            {"algorithm": algorithm, "expected": expected, "found": found[algorithm]},
        )
        for algorithm, expected in sorted(record.digests.items())
        if found[algorithm] != expected.lower()
    ]
    return ("corrupted" if problems else "ok"), problems


def compare_with_catalog(
    root: Path,
    files: Sequence[FileRecord],
    *,
    workers: int = 1,
    known: Mapping[str, dict[str, str]] | None = None,
) -> tuple[list[str], list[str], list[str], list[Problem]]:
    """(corrupted, missing, extra, problems): the bag on disk against the catalog.

    Every catalogued file is read in full (all its digests in one read) unless ``known``
    already has its digests (bag path -> {algorithm: hex}, as the validator computed them
    from the file's bytes); payload files the catalog never recorded are extra. A name
    that only changed Unicode normalization (NFD on macOS, NFC elsewhere) is the same
    file, with a notice.
    """
    digests = known or {}
    on_disk = _payload_on_disk(root)
    problems: list[Problem] = []
    jobs: list[tuple[FileRecord, str]] = []
    claimed: set[str] = set()
    for record in files:
        if not _is_safe(record.bag_path):
            problems.append(
                Problem(
                    "error",
                    "catalog-path-unsafe",
                    record.bag_path,
                    "is a catalogued path that leads outside the bag; it was not read",
                    {},
                )
            )
            continue
        real = record.bag_path
        normal = unicodedata.normalize("NFC", record.bag_path)
        if normal in on_disk and on_disk[normal] != record.bag_path:
            real = on_disk[normal]
            problems.append(
                Problem(
                    "notice",
                    "catalog-file-renamed-normalization",
                    record.bag_path,
                    "is on disk under another Unicode normalization of its name",
                    {"found": real},
                )
            )
        claimed.add(normal)
        jobs.append((record, real))
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        outcomes = list(pool.map(lambda job: _compare_one(root, job[0], job[1], digests), jobs))
    corrupted, missing = [], []
    for (record, _real), (verdict, found) in zip(jobs, outcomes, strict=True):
        problems.extend(found)
        if verdict == "corrupted":
            corrupted.append(record.bag_path)
        elif verdict == "missing":
            missing.append(record.bag_path)
    extra = sorted(real for normal, real in on_disk.items() if normal not in claimed)
    for path in extra:
        problems.append(
            Problem(
                "error", "catalog-file-extra", path, "is in the payload but not in the catalog", {}
            )
        )
    return sorted(corrupted), sorted(missing), extra, problems


def check_package(
    package: PackageRecord,
    files: Sequence[FileRecord],
    *,
    processes: int = 1,
    validator: Validator | None = None,
    now: datetime | None = None,
) -> PackageCheck:
    """Validate one package and compare it with its catalogued files; never raises.

    ``processes`` is used for packages of at least :data:`PARALLEL_BYTES`; smaller ones are
    hashed in this process.
    """
    started = time.perf_counter()
    checked_at = now or _utc_now()
    root = Path(package.path)
    common: dict[str, Any] = {
        "package_id": package.id,
        "name": package.name,
        "path": str(root),
        "checked_at": checked_at,
    }
    if not root.is_dir():
        problem = Problem(
            "error",
            "package-missing",
            str(root),
            "the package folder is gone; restore it from a replica",
            {"package": package.name},
        )
        return PackageCheck(
            status="missing",
            seconds=time.perf_counter() - started,
            problems=(problem,),
            **common,
        )
    validate = validator or default_validator()[1]
    workers = processes if sum(f.size for f in files) >= PARALLEL_BYTES else 1
    # Digests the validator computed, by bag path: each file is read once, not twice.
    known: dict[str, dict[str, str]] = {}
    try:
        if isinstance(validate, _StrictValidator):
            report = validate(root, workers, known.__setitem__)
        else:
            report = validate(root, workers)
        problems = list(every_problem(report))
    except Exception as error:  # one broken bag must not stop the audit
        problems = [Problem("error", "validator-crashed", str(root), repr(error), {})]
    corrupted, missing, extra, found = compare_with_catalog(
        root, files, workers=workers, known=known
    )
    problems.extend(found)
    failed = any(p.severity == "error" for p in problems)
    return PackageCheck(
        status="fail" if failed else "pass",
        seconds=time.perf_counter() - started,
        corrupted=tuple(corrupted),
        missing=tuple(missing),
        extra=tuple(extra),
        problems=tuple(problems),
        **common,
    )


# --------------------------------------------------------------------------- recording


def begin_run(
    catalog: Catalog, selection: dict[str, Any], *, now: datetime | None = None
) -> AuditRun:
    ensure_tables(catalog)
    started = now or _utc_now()
    with catalog.transaction() as db:
        run_id = db.execute(
            "INSERT INTO audit_runs(started_at, selection) VALUES (?, ?)",
            (started.isoformat(), json.dumps(selection, default=str)),
        ).lastrowid
    assert run_id is not None
    return AuditRun(id=run_id, started_at=started, selection=selection)


def _problem_key(problem: Problem | dict[str, Any]) -> tuple[str, str]:
    if isinstance(problem, Problem):
        return problem.code, problem.path
    return str(problem.get("code")), str(problem.get("path"))


def _previous(catalog: Catalog, package_id: int, run_id: int) -> tuple[Any, ...] | None:
    row: tuple[Any, ...] | None = catalog.connection.execute(
        "SELECT status, audited_at, problems FROM audit_results"
        " WHERE package_id = ? AND run_id != ? ORDER BY audited_at DESC, id DESC LIMIT 1",
        (package_id, run_id),
    ).fetchone()
    return row


def _compare(check: PackageCheck, previous: tuple[Any, ...] | None) -> tuple[Any, ...]:
    errors = check.errors
    if previous is None:
        return "first-audit", None, None, tuple(errors), ()
    status, when, stored = previous
    before = [p for p in json.loads(stored) if p.get("severity") == "error"]
    before_keys = {_problem_key(p) for p in before}
    now_keys = {_problem_key(p) for p in errors}
    new = tuple(p for p in errors if _problem_key(p) not in before_keys)
    resolved = tuple(p for p in before if _problem_key(p) not in now_keys)
    failing_now, failing_before = check.status != "pass", status != "pass"
    if failing_now and not failing_before:
        change = "newly-failing"
    elif failing_before and not failing_now:
        change = "newly-passing"
    elif new or resolved or status != check.status:
        change = "changed"
    else:
        change = "unchanged"
    return change, status, datetime.fromisoformat(when), new, resolved


def _event_detail(check: PackageCheck, run_id: int) -> dict[str, Any]:
    return {
        "audit_run": run_id,
        "status": check.status,
        "corrupted": list(check.corrupted),
        "missing": list(check.missing),
        "extra": list(check.extra),
        "problem_count": len(check.problems),
        "problems": [p.to_dict() for p in check.problems[:MAX_EVENT_PROBLEMS]],
    }


def record_checks(
    catalog: Catalog,
    run: AuditRun,
    checks: Iterable[PackageCheck],
    *,
    agents: Sequence[str] = DEFAULT_AGENTS,
) -> list[PackageAudit]:
    """Compare with each package's previous audit, store history and PREMIS events.

    One transaction per call: a run cut off between batches keeps every finished batch.
    """
    audits: list[PackageAudit] = []
    with catalog.transaction() as db:
        for check in checks:
            change, status, when, new, resolved = _compare(
                check, _previous(catalog, check.package_id, run.id)
            )
            outcome = "pass" if check.status == "pass" else "fail"
            event = catalog.record_event(
                package_id=check.package_id,
                event_type=EVENT_TYPE,
                outcome=outcome,
                detail=(
                    "Validated the bag and compared every catalogued file's size and "
                    "checksums with the file on disk."
                    if check.status != "missing"
                    else "The package folder was not found."
                ),
                outcome_detail=_event_detail(check, run.id),
                agents=agents,
                when=check.checked_at,
            )
            db.execute(
                "INSERT INTO audit_results(run_id, package_id, audited_at, status, change,"
                " corrupted, missing_files, extra, problems, event_identifier, seconds)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run.id,
                    check.package_id,
                    check.checked_at.astimezone(UTC).isoformat(),
                    check.status,
                    change,
                    json.dumps(list(check.corrupted)),
                    json.dumps(list(check.missing)),
                    json.dumps(list(check.extra)),
                    json.dumps([p.to_dict() for p in check.problems], default=str),
                    event,
                    check.seconds,
                ),
            )
            audits.append(PackageAudit(check, change, status, when, new, resolved, event))
    run.audits.extend(audits)
    return audits


def finish_run(catalog: Catalog, run: AuditRun, *, now: datetime | None = None) -> AuditRun:
    run.finished_at = now or _utc_now()
    with catalog.transaction() as db:
        db.execute(
            "UPDATE audit_runs SET finished_at = ?, audited = ?, passed = ?, failed = ?,"
            " missing = ?, changed = ? WHERE id = ?",
            (
                run.finished_at.isoformat(),
                run.audited,
                run.passed,
                run.failed,
                run.missing,
                len(run.changed),
                run.id,
            ),
        )
    return run


def uncatalogued_folders(catalog: Catalog, packages_dir: Path) -> list[str]:
    """Package-like folders in ``packages_dir`` that the catalog does not know."""
    if not packages_dir.is_dir():
        return []
    known = {Path(p.path).absolute() for p in catalog.packages()}
    return sorted(
        entry.name
        for entry in packages_dir.iterdir()
        if entry.is_dir() and not entry.name.startswith(".") and entry.absolute() not in known
    )


def history(catalog: Catalog, package_name: str) -> list[dict[str, Any]]:
    """Every audit of one package, oldest first (for reports and tests)."""
    ensure_tables(catalog)
    rows = catalog.connection.execute(
        "SELECT r.run_id, r.audited_at, r.status, r.change, r.corrupted, r.missing_files,"
        " r.extra, r.event_identifier FROM audit_results r JOIN packages p"
        " ON p.id = r.package_id WHERE p.name = ? ORDER BY r.audited_at, r.id",
        (package_name,),
    )
    return [
        {
            "run": row[0],
            "audited_at": row[1],
            "status": row[2],
            "change": row[3],
            "corrupted": json.loads(row[4]),
            "missing": json.loads(row[5]),
            "extra": json.loads(row[6]),
            "event": row[7],
        }
        for row in rows
    ]


# --------------------------------------------------------------------------- all together


def audit_packages(
    catalog: Catalog,
    *,
    created_since: datetime | None = None,
    older_than: timedelta | None = None,
    limit: int | None = None,
    processes: int = 1,
    progress: Callable[[PackageAudit], None] | None = None,
    now: datetime | None = None,
    agents: Sequence[str] = DEFAULT_AGENTS,
    validator: Validator | None = None,
    packages_dir: Path | None = None,
    batch_size: int = 50,
) -> AuditRun:
    """Audit the selected packages, record everything, and return the run.

    ``now`` pins every timestamp (selection, checks, events) for reproducible tests.
    """
    if processes < 1:
        raise ConfigError("processes must be at least 1.")
    selection = {
        "created_since": created_since.isoformat() if created_since else None,
        "older_than_seconds": older_than.total_seconds() if older_than else None,
        "limit": limit,
    }
    due, skipped = select_packages(
        catalog, created_since=created_since, older_than=older_than, limit=limit, now=now
    )
    run = begin_run(catalog, selection, now=now)
    run.skipped = skipped
    name, default = default_validator()
    run.validator = name if validator is None else getattr(validator, "__name__", "custom")
    validate = validator or default
    if packages_dir is not None:
        run.uncatalogued = uncatalogued_folders(catalog, packages_dir)
    for start in range(0, len(due), max(1, batch_size)):
        checks = [
            check_package(
                package,
                catalog.files(package.id),
                processes=processes,
                validator=validate,
                now=now,
            )
            for package in due[start : start + batch_size]
        ]
        for audit in record_checks(catalog, run, checks, agents=agents):
            if progress is not None:
                progress(audit)
    return finish_run(catalog, run, now=now)
