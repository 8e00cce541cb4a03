-- A catalog made by preserve at commit 10d64da (catalog schema 1; the audit created its own
-- tables): two bagit-python packages a and b (tests/audit/audit_helpers.py FILES) audited
-- once at 2026-11-01T02:00Z, dumped with sqlite3's iterdump. The schema version is set last.
BEGIN TRANSACTION;
CREATE TABLE audit_results (
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
INSERT INTO "audit_results" VALUES(1,1,1,'2026-11-01T02:00:00+00:00','pass','first-audit','[]','[]','[]','[]','971d5078-8917-46a9-9979-fd3f1900abc8',1.34955630999684217385e-01);
INSERT INTO "audit_results" VALUES(2,1,2,'2026-11-01T02:00:00+00:00','pass','first-audit','[]','[]','[]','[]','7c434dca-e21d-4abb-9f30-37bd5045fd68',7.71613999995679478161e-03);
CREATE TABLE audit_runs (
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
INSERT INTO "audit_runs" VALUES(1,'2026-11-01T02:00:00+00:00','2026-11-01T02:00:00+00:00','{"created_since": null, "older_than_seconds": null, "limit": null}',2,2,0,0,0);
CREATE TABLE checksums (
    file_id INTEGER NOT NULL REFERENCES files(id),
    algorithm TEXT NOT NULL,
    digest TEXT NOT NULL,
    PRIMARY KEY (file_id, algorithm)
);
INSERT INTO "checksums" VALUES(1,'sha256','16c96ccc63ffa4de2c2b05a6eccc10d8cd021966c09e2f023b0fa6ae6d2f1a94');
INSERT INTO "checksums" VALUES(1,'sha512','f8db9ef5e189b87e8da1b35265e6093edb4e955d95deafde5bfe5638d9bbb78a1f7de9a18a6d52e8eb869963c4ae4b0d5863db55c520bbfe051885665c5db4c2');
INSERT INTO "checksums" VALUES(2,'sha256','fce5aec33b55493ef2cbe71fc0d164d8384f74d31fe955fcda9cd6c37aa6921d');
INSERT INTO "checksums" VALUES(2,'sha512','9e8b5b215d78e874adcd304e3f97ef72a974b5f7748734dd07cecb104c9a6dcc90ca1a4053717b55f1f84c28d4e0ac93faf2739e488a2f24a2fad37c4bac7129');
INSERT INTO "checksums" VALUES(3,'sha256','16c96ccc63ffa4de2c2b05a6eccc10d8cd021966c09e2f023b0fa6ae6d2f1a94');
INSERT INTO "checksums" VALUES(3,'sha512','f8db9ef5e189b87e8da1b35265e6093edb4e955d95deafde5bfe5638d9bbb78a1f7de9a18a6d52e8eb869963c4ae4b0d5863db55c520bbfe051885665c5db4c2');
INSERT INTO "checksums" VALUES(4,'sha256','fce5aec33b55493ef2cbe71fc0d164d8384f74d31fe955fcda9cd6c37aa6921d');
INSERT INTO "checksums" VALUES(4,'sha512','9e8b5b215d78e874adcd304e3f97ef72a974b5f7748734dd07cecb104c9a6dcc90ca1a4053717b55f1f84c28d4e0ac93faf2739e488a2f24a2fad37c4bac7129');
CREATE TABLE events (
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
INSERT INTO "events" VALUES(1,'971d5078-8917-46a9-9979-fd3f1900abc8',1,'fixity check','2026-11-01T02:00:00+00:00','pass','Validated the bag and compared every catalogued file''s size and checksums with the file on disk.','{"audit_run": 1, "status": "pass", "corrupted": [], "missing": [], "extra": [], "problem_count": 0, "problems": []}','["preserve"]');
INSERT INTO "events" VALUES(2,'7c434dca-e21d-4abb-9f30-37bd5045fd68',2,'fixity check','2026-11-01T02:00:00+00:00','pass','Validated the bag and compared every catalogued file''s size and checksums with the file on disk.','{"audit_run": 1, "status": "pass", "corrupted": [], "missing": [], "extra": [], "problem_count": 0, "problems": []}','["preserve"]');
CREATE TABLE files (
    id INTEGER PRIMARY KEY,
    package_id INTEGER NOT NULL REFERENCES packages(id),
    bag_path TEXT NOT NULL,             -- as in the manifest: data/...
    original_path TEXT,                 -- the file it was copied from (originals only)
    size INTEGER NOT NULL,
    role TEXT NOT NULL,                 -- original | derived | metadata
    UNIQUE (package_id, bag_path)
);
INSERT INTO "files" VALUES(1,1,'data/letter.txt','/raw/a/letter.txt',27,'original');
INSERT INTO "files" VALUES(2,1,'data/scans/page-1.txt','/raw/a/scans/page-1.txt',9,'original');
INSERT INTO "files" VALUES(3,2,'data/letter.txt','/raw/b/letter.txt',27,'original');
INSERT INTO "files" VALUES(4,2,'data/scans/page-1.txt','/raw/b/scans/page-1.txt',9,'original');
CREATE TABLE items (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,                 -- the entry's name in its source folder
    source TEXT NOT NULL UNIQUE,        -- absolute path of the entry when first seen
    first_seen TEXT NOT NULL
);
INSERT INTO "items" VALUES(1,'a','/raw/a','2026-11-01T02:00:00+00:00');
INSERT INTO "items" VALUES(2,'b','/raw/b','2026-11-01T02:00:00+00:00');
CREATE TABLE packages (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    location TEXT NOT NULL,             -- relative to the catalog's folder when inside it
    item_id INTEGER NOT NULL REFERENCES items(id),
    content_key TEXT NOT NULL,          -- sha256 over the item's relative names and digests
    payload_oxum TEXT NOT NULL,
    created_at TEXT NOT NULL,
    previous_id INTEGER REFERENCES packages(id)
);
INSERT INTO "packages" VALUES(1,'a','a',1,'ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb','36.2','2026-11-01T02:00:00+00:00',NULL);
INSERT INTO "packages" VALUES(2,'b','b',2,'3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d','36.2','2026-11-01T02:00:00+00:00',NULL);
CREATE INDEX packages_content ON packages(content_key);
CREATE INDEX events_package ON events(package_id, event_type);
CREATE INDEX audit_results_package ON audit_results(package_id, audited_at);
COMMIT;
PRAGMA user_version=1;
