"""The catalog: what has been preserved, in one embedded SQLite file.

It records items (a top-level entry of a source folder), the packages made of them, their
files with checksums, the PREMIS events of their lives (ingestion, fixity checks, …), the
OCR quality of their texts, hand-off receipts and the history of fixity audits.
The packages themselves stay the record of truth; the catalog is how a run knows, without
reading every bag, that an item's content was already preserved.

Package locations are stored relative to the catalog's folder when they are inside it, so a
``packages/`` folder moved together with its ``.catalog.sqlite`` keeps working.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> with Catalog.open(folder / "catalog.sqlite") as catalog:
...     package = catalog.add_package(
...         name="letter-1a2b3c4d", path=folder / "letter-1a2b3c4d", item_name="letter.txt",
...         source="/raw/letter.txt", content_key="ab" * 32, payload_oxum="5.1",
...         files=[NewFile("data/letter.txt", "/raw/letter.txt", 5, "original", {"sha256": "00"})])
...     catalog.find_by_content("ab" * 32).name
'letter-1a2b3c4d'
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from preserve.errors import ConfigError

SCHEMA_VERSION = 4
"""1: items, packages, files, checksums, events. 2: quality (OCR quality of each repaired
text). 3: deliveries (hand-off receipts). 4: audit_runs and audit_results (fixity audit
history; before 4 the audit created them itself, with the same statements). An older
catalog gets the new tables when opened (every statement of the schema is ``IF NOT
EXISTS``), and keeps the rows of those it had."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,                 -- the entry's name in its source folder
    source TEXT NOT NULL UNIQUE,        -- absolute path of the entry when first seen
    first_seen TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS packages (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    location TEXT NOT NULL,             -- relative to the catalog's folder when inside it
    item_id INTEGER NOT NULL REFERENCES items(id),
    content_key TEXT NOT NULL,          -- sha256 over the item's relative names and digests
    payload_oxum TEXT NOT NULL,
    created_at TEXT NOT NULL,
    previous_id INTEGER REFERENCES packages(id)
);
CREATE INDEX IF NOT EXISTS packages_content ON packages(content_key);
CREATE TABLE IF NOT EXISTS files (
    id INTEGER PRIMARY KEY,
    package_id INTEGER NOT NULL REFERENCES packages(id),
    bag_path TEXT NOT NULL,             -- as in the manifest: data/...
    original_path TEXT,                 -- the file it was copied from (originals only)
    size INTEGER NOT NULL,
    role TEXT NOT NULL,                 -- original | derived | metadata
    UNIQUE (package_id, bag_path)
);
CREATE TABLE IF NOT EXISTS checksums (
    file_id INTEGER NOT NULL REFERENCES files(id),
    algorithm TEXT NOT NULL,
    digest TEXT NOT NULL,
    PRIMARY KEY (file_id, algorithm)
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    identifier TEXT NOT NULL UNIQUE,    -- the PREMIS eventIdentifierValue (UUID)
    package_id INTEGER REFERENCES packages(id),
    event_type TEXT NOT NULL,           -- PREMIS eventType label: ingestion, fixity check, ...
    datetime TEXT NOT NULL,
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL,
    outcome_detail TEXT,                -- JSON
    agents TEXT NOT NULL                -- JSON list of agent identifiers
);
CREATE INDEX IF NOT EXISTS events_package ON events(package_id, event_type);
CREATE TABLE IF NOT EXISTS quality (
    package_id INTEGER NOT NULL REFERENCES packages(id),
    bag_path TEXT NOT NULL,             -- the original text: data/original/...
    score REAL NOT NULL,                -- known x (1 - garbage) as received: 0 worst, 1 best
    language TEXT,                      -- the dictionary the words were looked up in
    known_before REAL,                  -- shares, known is NULL without a dictionary
    known_after REAL,
    garbage_before REAL NOT NULL,
    garbage_after REAL NOT NULL,
    hyphens_before REAL NOT NULL,
    hyphens_after REAL NOT NULL,
    PRIMARY KEY (package_id, bag_path)
);
CREATE INDEX IF NOT EXISTS quality_score ON quality(score);
"""

# Schema 3: hand-off receipts (preserve handoff). Every statement is CREATE ... IF NOT
# EXISTS, so running the whole schema on an older catalog is its migration.
_SCHEMA += """
CREATE TABLE IF NOT EXISTS deliveries (
    id INTEGER PRIMARY KEY,
    package_id INTEGER REFERENCES packages(id),   -- NULL for a package the catalog never saw
    package_name TEXT NOT NULL,
    destination TEXT NOT NULL,          -- folder, sftp:// or ocfl:// URL, never a password
    location TEXT NOT NULL,             -- the name at the destination
    serialization TEXT NOT NULL,        -- none | tar | tar.gz | zip
    delivered_at TEXT NOT NULL,
    outcome TEXT NOT NULL,              -- delivered | already-delivered | refused | failed
    algorithm TEXT NOT NULL,            -- the digest every file was re-hashed with
    sent TEXT NOT NULL,                 -- JSON: each file (or the archive): path, size, digest
    reasons TEXT NOT NULL,              -- JSON list of one-line reasons
    bytes INTEGER NOT NULL,
    event_identifier TEXT               -- the PREMIS replication event
);
CREATE INDEX IF NOT EXISTS deliveries_destination ON deliveries(destination, package_name);
"""

# Schema 4: fixity audit history (preserve audit). Until schema 4 the audit ran these very
# statements itself, so a catalog audited before keeps its tables and rows.
_SCHEMA += """
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


@dataclass(frozen=True)
class NewFile:
    """A file of a package about to be recorded."""

    bag_path: str
    original_path: str | None
    size: int
    role: str
    digests: dict[str, str]


@dataclass(frozen=True)
class PackageRecord:
    id: int
    name: str
    path: Path
    item_name: str
    source: str
    content_key: str
    created_at: datetime
    payload_oxum: str
    previous: str | None


@dataclass(frozen=True)
class FileRecord:
    id: int
    package_id: int
    bag_path: str
    original_path: str | None
    size: int
    role: str
    digests: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class QualityRecord:
    """The OCR quality of one repaired text of a package (see ``repair.quality``)."""

    package: str
    item_name: str
    source: str
    bag_path: str
    score: float
    language: str | None
    before: dict[str, float | None]
    after: dict[str, float | None]

    def to_dict(self) -> dict[str, Any]:
        return {
            "package": self.package,
            "item": self.item_name,
            "source": self.source,
            "file": self.bag_path,
            "score": self.score,
            "language": self.language,
            "before": dict(self.before),
            "after": dict(self.after),
        }


@dataclass(frozen=True)
class DeliveryRecord:
    """A hand-off receipt: one package, one destination, one attempt."""

    id: int
    package_id: int | None
    package_name: str
    destination: str
    location: str
    serialization: str
    delivered_at: datetime
    outcome: str
    algorithm: str
    sent: list[dict[str, Any]]
    reasons: list[str]
    bytes: int
    event_identifier: str | None


@dataclass(frozen=True)
class AuditResultRecord:
    """One package's outcome in one fixity audit run (see ``preserve.audit``)."""

    run_id: int
    package_id: int
    audited_at: datetime
    status: str
    """``pass``, ``fail`` or ``missing``."""
    change: str
    """Against the package's previous audit: ``first-audit``, ``unchanged``, ..."""
    corrupted: list[str]
    missing: list[str]
    extra: list[str]
    problems: list[dict[str, Any]]
    """``Problem.to_dict()`` of every problem found."""
    event_identifier: str
    seconds: float


@dataclass(frozen=True)
class EventRecord:
    identifier: str
    package_id: int | None
    event_type: str
    datetime: datetime
    outcome: str
    detail: str
    outcome_detail: Any
    agents: list[str]


def _set_up(connection: sqlite3.Connection, path: Path) -> None:
    """WAL, foreign keys, the schema. Safe when several threads or processes open a new
    catalog at once: switching to WAL does not wait on SQLite's busy timeout (it failed with
    "database is locked" in the two-thread flow), so it is retried; the schema is created in
    one IMMEDIATE transaction, which does wait."""
    deadline = time.monotonic() + 30
    while True:
        try:
            if connection.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                connection.execute("PRAGMA journal_mode=WAL")
            break
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    connection.execute("PRAGMA foreign_keys=ON")
    connection.execute("PRAGMA synchronous=FULL")
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise ConfigError(
            f"Catalog {path} was written by a newer preserve (schema {version}): "
            "upgrade preserve before using it."
        )
    if version == SCHEMA_VERSION:
        return
    connection.execute("BEGIN IMMEDIATE")
    try:
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                connection.execute(statement)
        connection.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def _matching(**columns: Any) -> tuple[str, list[Any]]:
    """`` AND column = ?`` for each column given a value (``None``: any value), and the values.

    >>> _matching(package_id=3, event_type=None)
    (' AND package_id = ?', [3])
    """
    given = {column: value for column, value in columns.items() if value is not None}
    return "".join(f" AND {column} = ?" for column in given), list(given.values())


def now_utc() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class Catalog:
    """One SQLite catalog file. Open with :meth:`open`; use as a context manager."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self.connection = connection
        self.path = path
        self.root = path.parent
        self._savepoints = 0

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> Catalog:
        path = Path(path).absolute()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(path, timeout=30, isolation_level=None)
            _set_up(connection, path)
        except (sqlite3.DatabaseError, OSError) as error:
            reason = error.strerror if isinstance(error, OSError) and error.strerror else error
            raise ConfigError(
                f"Cannot open the catalog {path} ({reason}): give a catalog file with --catalog "
                "or [paths] catalog."
            ) from None
        return cls(connection, path)

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All or nothing: a crash in the middle leaves the catalog as it was.

        Inside another transaction, a savepoint: its rows are taken back alone when it
        fails, and kept (to be committed with the outer transaction) when it does not.
        """
        if self.connection.in_transaction:
            self._savepoints += 1
            name = f"nested_{self._savepoints}"
            self.connection.execute(f"SAVEPOINT {name}")
            try:
                yield self.connection
            except BaseException:
                self.connection.execute(f"ROLLBACK TO {name}")
                self.connection.execute(f"RELEASE {name}")
                raise
            self.connection.execute(f"RELEASE {name}")
            return
        self.connection.execute("BEGIN IMMEDIATE")
        try:
            yield self.connection
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        self.connection.execute("COMMIT")

    # -- locations -------------------------------------------------------------------------

    def _location(self, path: Path) -> str:
        path = Path(path).absolute()
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def _resolve(self, location: str) -> Path:
        path = Path(location)
        return path if path.is_absolute() else self.root / path

    # -- packages --------------------------------------------------------------------------

    def add_package(
        self,
        *,
        name: str,
        path: Path,
        item_name: str,
        source: str,
        content_key: str,
        payload_oxum: str,
        files: Sequence[NewFile],
        created_at: datetime | None = None,
        previous: str | None = None,
        replace: bool = False,
    ) -> PackageRecord:
        """Record a package that now exists on disk, with its files, in one transaction.

        With ``replace``, a package already recorded under this name (one rebuilt after its
        folder was deleted) keeps its identity, history and events, and its location,
        Payload-Oxum and files are recorded afresh: those of the package now on disk.
        """
        created = (created_at or now_utc()).isoformat()
        with self.transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO items(name, source, first_seen) VALUES (?, ?, ?)",
                (item_name, source, created),
            )
            item_id = db.execute("SELECT id FROM items WHERE source = ?", (source,)).fetchone()[0]
            previous_id = None
            if previous is not None:
                row = db.execute("SELECT id FROM packages WHERE name = ?", (previous,)).fetchone()
                previous_id = row[0] if row else None
            existing = db.execute("SELECT id FROM packages WHERE name = ?", (name,)).fetchone()
            if replace and existing is not None:
                package_id = existing[0]
                db.execute(
                    "UPDATE packages SET location = ?, content_key = ?, payload_oxum = ?"
                    " WHERE id = ?",
                    (self._location(path), content_key, payload_oxum, package_id),
                )
                db.execute(
                    "DELETE FROM checksums WHERE file_id IN"
                    " (SELECT id FROM files WHERE package_id = ?)",
                    (package_id,),
                )
                db.execute("DELETE FROM files WHERE package_id = ?", (package_id,))
            else:
                package_id = db.execute(
                    "INSERT INTO packages(name, location, item_id, content_key, payload_oxum,"
                    " created_at, previous_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        name,
                        self._location(path),
                        item_id,
                        content_key,
                        payload_oxum,
                        created,
                        previous_id,
                    ),
                ).lastrowid
            for new in files:
                file_id = db.execute(
                    "INSERT INTO files(package_id, bag_path, original_path, size, role)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (package_id, new.bag_path, new.original_path, new.size, new.role),
                ).lastrowid
                db.executemany(
                    "INSERT INTO checksums(file_id, algorithm, digest) VALUES (?, ?, ?)",
                    [(file_id, algorithm, digest) for algorithm, digest in new.digests.items()],
                )
        record = self.package(name)
        assert record is not None
        return record

    _PACKAGE_QUERY = (
        "SELECT p.id, p.name, p.location, i.name, i.source, p.content_key, p.created_at,"
        " p.payload_oxum, prev.name FROM packages p JOIN items i ON i.id = p.item_id"
        " LEFT JOIN packages prev ON prev.id = p.previous_id"
    )

    def _package(self, row: tuple[Any, ...]) -> PackageRecord:
        return PackageRecord(
            id=row[0],
            name=row[1],
            path=self._resolve(row[2]),
            item_name=row[3],
            source=row[4],
            content_key=row[5],
            created_at=datetime.fromisoformat(row[6]),
            payload_oxum=row[7],
            previous=row[8],
        )

    def packages(self, *, created_since: datetime | None = None) -> list[PackageRecord]:
        """Every package, oldest first; only those created since a moment if asked."""
        query, args = self._PACKAGE_QUERY, []
        if created_since is not None:
            query += " WHERE p.created_at >= ?"
            args.append(created_since.astimezone(UTC).isoformat())
        rows = self.connection.execute(query + " ORDER BY p.created_at, p.id", args)
        return [self._package(row) for row in rows]

    def package(self, name: str) -> PackageRecord | None:
        row = self.connection.execute(self._PACKAGE_QUERY + " WHERE p.name = ?", (name,)).fetchone()
        return self._package(row) if row else None

    def find_by_content(self, content_key: str) -> PackageRecord | None:
        """The package already holding exactly this content, if any (the newest)."""
        row = self.connection.execute(
            self._PACKAGE_QUERY + " WHERE p.content_key = ? ORDER BY p.id DESC LIMIT 1",
            (content_key,),
        ).fetchone()
        return self._package(row) if row else None

    def latest_for_source(self, source: str) -> PackageRecord | None:
        """The newest package made from this source entry (to link a changed item to it)."""
        row = self.connection.execute(
            self._PACKAGE_QUERY + " WHERE i.source = ? ORDER BY p.id DESC LIMIT 1", (source,)
        ).fetchone()
        return self._package(row) if row else None

    def files(self, package_id: int) -> list[FileRecord]:
        rows = self.connection.execute(
            "SELECT id, package_id, bag_path, original_path, size, role FROM files"
            " WHERE package_id = ? ORDER BY bag_path",
            (package_id,),
        ).fetchall()
        digests: dict[int, dict[str, str]] = {row[0]: {} for row in rows}
        for file_id, algorithm, digest in self.connection.execute(
            "SELECT c.file_id, c.algorithm, c.digest FROM checksums c JOIN files f"
            " ON f.id = c.file_id WHERE f.package_id = ?",
            (package_id,),
        ):
            digests[file_id][algorithm] = digest
        return [
            FileRecord(
                id=row[0],
                package_id=row[1],
                bag_path=row[2],
                original_path=row[3],
                size=row[4],
                role=row[5],
                digests=digests[row[0]],
            )
            for row in rows
        ]

    # -- events ----------------------------------------------------------------------------

    def record_event(
        self,
        *,
        package_id: int | None,
        event_type: str,
        outcome: str,
        detail: str,
        outcome_detail: Any = None,
        agents: Sequence[str] = (),
        when: datetime | None = None,
        identifier: str | None = None,
    ) -> str:
        """Store one PREMIS event; returns its identifier."""
        identifier = identifier or str(uuid.uuid4())
        self.connection.execute(
            "INSERT OR IGNORE INTO events(identifier, package_id, event_type, datetime, outcome,"
            " detail, outcome_detail, agents) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                identifier,
                package_id,
                event_type,
                (when or now_utc()).astimezone(UTC).isoformat(),
                outcome,
                detail,
                None if outcome_detail is None else json.dumps(outcome_detail, default=str),
                json.dumps(list(agents)),
            ),
        )
        return identifier

    def events(
        self, *, package_id: int | None = None, event_type: str | None = None
    ) -> list[EventRecord]:
        query = (
            "SELECT identifier, package_id, event_type, datetime, outcome, detail,"
            " outcome_detail, agents FROM events WHERE 1 = 1"
        )
        matching, args = _matching(package_id=package_id, event_type=event_type)
        rows = self.connection.execute(query + matching + " ORDER BY datetime, id", args)
        return [
            EventRecord(
                identifier=row[0],
                package_id=row[1],
                event_type=row[2],
                datetime=datetime.fromisoformat(row[3]),
                outcome=row[4],
                detail=row[5],
                outcome_detail=None if row[6] is None else json.loads(row[6]),
                agents=json.loads(row[7]),
            )
            for row in rows
        ]

    def record_quality(self, package_id: int, bag_path: str, quality: dict[str, Any]) -> None:
        """Record the OCR quality (``Quality.to_dict()``) of a package's text ``bag_path``."""
        before, after = quality["before"], quality["after"]
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO quality(package_id, bag_path, score, language,"
                " known_before, known_after, garbage_before, garbage_after, hyphens_before,"
                " hyphens_after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    package_id,
                    bag_path,
                    quality["score"],
                    quality.get("language"),
                    before["known"],
                    after["known"],
                    before["garbage"],
                    after["garbage"],
                    before["hyphens"],
                    after["hyphens"],
                ),
            )

    def worst_quality(self, limit: int, source: str | None = None) -> list[QualityRecord]:
        """The ``limit`` texts of lowest OCR quality score, lowest first, in the latest
        package of each item (under the folder ``source``, if given)."""
        query = (
            "SELECT p.name, i.name, i.source, q.bag_path, q.score, q.language,"
            " q.known_before, q.garbage_before, q.hyphens_before,"
            " q.known_after, q.garbage_after, q.hyphens_after"
            " FROM quality q JOIN packages p ON p.id = q.package_id"
            " JOIN items i ON i.id = p.item_id"
            " WHERE NOT EXISTS (SELECT 1 FROM packages newer WHERE newer.previous_id = p.id)"
        )
        parameters: list[Any] = []
        if source is not None:
            folder = source.rstrip("/")
            query += " AND (i.source = ? OR substr(i.source, 1, ?) = ?)"
            parameters += [folder, len(folder) + 1, folder + "/"]
        query += " ORDER BY q.score, i.source, q.bag_path LIMIT ?"
        parameters.append(limit)
        rows = self.connection.execute(query, parameters).fetchall()
        keys = ("known", "garbage", "hyphens")
        return [
            QualityRecord(
                package=row[0],
                item_name=row[1],
                source=row[2],
                bag_path=row[3],
                score=row[4],
                language=row[5],
                before=dict(zip(keys, row[6:9], strict=True)),
                after=dict(zip(keys, row[9:12], strict=True)),
            )
            for row in rows
        ]

    # -- deliveries (hand-off receipts) ----------------------------------------------------

    def add_delivery(
        self,
        *,
        package_id: int | None,
        package_name: str,
        destination: str,
        location: str,
        serialization: str,
        outcome: str,
        algorithm: str,
        sent: Sequence[dict[str, Any]],
        reasons: Sequence[str],
        size: int,
        event_identifier: str | None,
        when: datetime | None = None,
    ) -> int:
        cursor = self.connection.execute(
            "INSERT INTO deliveries(package_id, package_name, destination, location,"
            " serialization, delivered_at, outcome, algorithm, sent, reasons, bytes,"
            " event_identifier) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                package_id,
                package_name,
                destination,
                location,
                serialization,
                (when or now_utc()).astimezone(UTC).isoformat(),
                outcome,
                algorithm,
                json.dumps(list(sent)),
                json.dumps(list(reasons)),
                size,
                event_identifier,
            ),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def deliveries(
        self,
        *,
        destination: str | None = None,
        package_name: str | None = None,
        delivered_only: bool = False,
    ) -> list[DeliveryRecord]:
        """Receipts, oldest first; ``delivered_only`` keeps those whose copy was proved."""
        query = (
            "SELECT id, package_id, package_name, destination, location, serialization,"
            " delivered_at, outcome, algorithm, sent, reasons, bytes, event_identifier"
            " FROM deliveries WHERE 1 = 1"
        )
        matching, args = _matching(destination=destination, package_name=package_name)
        query += matching
        if delivered_only:
            query += " AND outcome IN ('delivered', 'already-delivered')"
        rows = self.connection.execute(query + " ORDER BY delivered_at, id", args)
        return [
            DeliveryRecord(
                id=row[0],
                package_id=row[1],
                package_name=row[2],
                destination=row[3],
                location=row[4],
                serialization=row[5],
                delivered_at=datetime.fromisoformat(row[6]),
                outcome=row[7],
                algorithm=row[8],
                sent=json.loads(row[9]),
                reasons=json.loads(row[10]),
                bytes=row[11],
                event_identifier=row[12],
            )
            for row in rows
        ]

    # -- fixity audits ---------------------------------------------------------------------

    def begin_audit_run(self, selection: dict[str, Any], started_at: datetime) -> int:
        """Record that an audit run started (``selection``: what it was asked to audit)."""
        with self.transaction() as db:
            run_id = db.execute(
                "INSERT INTO audit_runs(started_at, selection) VALUES (?, ?)",
                (started_at.isoformat(), json.dumps(selection, default=str)),
            ).lastrowid
        assert run_id is not None
        return run_id

    def finish_audit_run(self, run_id: int, finished_at: datetime, totals: dict[str, int]) -> None:
        """Record a run's end and its ``totals``: audited, passed, failed, missing, changed."""
        with self.transaction() as db:
            db.execute(
                "UPDATE audit_runs SET finished_at = ?, audited = ?, passed = ?, failed = ?,"
                " missing = ?, changed = ? WHERE id = ?",
                (
                    finished_at.isoformat(),
                    totals["audited"],
                    totals["passed"],
                    totals["failed"],
                    totals["missing"],
                    totals["changed"],
                    run_id,
                ),
            )

    def add_audit_result(self, result: AuditResultRecord) -> None:
        """Store one package's audit; inside the caller's :meth:`transaction`, with its
        PREMIS event (:meth:`record_event`)."""
        self.connection.execute(
            "INSERT INTO audit_results(run_id, package_id, audited_at, status, change,"
            " corrupted, missing_files, extra, problems, event_identifier, seconds)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                result.run_id,
                result.package_id,
                result.audited_at.astimezone(UTC).isoformat(),
                result.status,
                result.change,
                json.dumps(result.corrupted),
                json.dumps(result.missing),
                json.dumps(result.extra),
                json.dumps(result.problems, default=str),
                result.event_identifier,
                result.seconds,
            ),
        )

    _AUDIT_QUERY = (
        "SELECT r.run_id, r.package_id, r.audited_at, r.status, r.change, r.corrupted,"
        " r.missing_files, r.extra, r.problems, r.event_identifier, r.seconds"
        " FROM audit_results r"
    )

    @staticmethod
    def _audit_result(row: tuple[Any, ...]) -> AuditResultRecord:
        return AuditResultRecord(
            run_id=row[0],
            package_id=row[1],
            audited_at=datetime.fromisoformat(row[2]),
            status=row[3],
            change=row[4],
            corrupted=json.loads(row[5]),
            missing=json.loads(row[6]),
            extra=json.loads(row[7]),
            problems=json.loads(row[8]),
            event_identifier=row[9],
            seconds=row[10],
        )

    def previous_audit(self, package_id: int, run_id: int) -> AuditResultRecord | None:
        """The package's latest audit in a run other than ``run_id``, if any."""
        row = self.connection.execute(
            self._AUDIT_QUERY + " WHERE r.package_id = ? AND r.run_id != ?"
            " ORDER BY r.audited_at DESC, r.id DESC LIMIT 1",
            (package_id, run_id),
        ).fetchone()
        return self._audit_result(row) if row else None

    def audit_history(self, package_name: str) -> list[AuditResultRecord]:
        """Every audit of one package, oldest first."""
        rows = self.connection.execute(
            self._AUDIT_QUERY + " JOIN packages p ON p.id = r.package_id WHERE p.name = ?"
            " ORDER BY r.audited_at, r.id",
            (package_name,),
        )
        return [self._audit_result(row) for row in rows]

    def last_audited(self) -> dict[int, datetime]:
        """Package id -> when it was last audited."""
        rows = self.connection.execute(
            "SELECT package_id, max(audited_at) FROM audit_results GROUP BY package_id"
        )
        return {package_id: datetime.fromisoformat(when) for package_id, when in rows}

    def counts(self) -> dict[str, int]:
        """How many of each thing the catalog holds (for summaries and tests)."""
        return {
            table: self.connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
            for table in ("items", "packages", "files", "checksums", "events")
        }
