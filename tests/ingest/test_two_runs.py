"""Two ingests into one packages folder at once (a scheduled one and a manual one): no item
is preserved twice, the catalog stays whole, and neither run reports a spurious failure
(issue 11, "Two runs at once"). Real processes, real locks, real SQLite."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ingest_helpers import packages_in

from preserve.audit import audit_packages
from preserve.catalog import Catalog

SCRIPT = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[4])
from ingest_helpers import run_ingest
go = Path(sys.argv[3])
while not go.exists():
    time.sleep(0.001)
outcomes = run_ingest(Path(sys.argv[1]), Path(sys.argv[2]))
print(json.dumps([o.to_dict() for o in outcomes]))
"""

ITEMS = 40


def _collection(source: Path) -> None:
    source.mkdir()
    for index in range(ITEMS):
        lines = [f"Line {line} of letter {index}, kept as it came." for line in range(400)]
        (source / f"letter-{index:02d}.txt").write_text("\n".join(lines) + "\n")


def _start(source: Path, out: Path, go: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(source), str(out), str(go), str(Path(__file__).parent)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_two_library_runs_at_once_preserve_each_item_once(tmp_path: Path) -> None:
    source = tmp_path / "raw"
    _collection(source)
    out = tmp_path / "packages"
    go = tmp_path / "go"
    runs = [_start(source, out, go) for _ in range(2)]
    time.sleep(1.0)  # both imported and waiting
    go.touch()
    results = []
    for run in runs:
        stdout, stderr = run.communicate(timeout=600)
        assert run.returncode == 0, stderr
        assert "Traceback" not in stderr
        results.append({o["name"]: o for o in json.loads(stdout)})

    for name in results[0]:
        statuses = sorted(result[name]["status"] for result in results)
        assert statuses == ["already-preserved", "ingested"], (
            name,
            results[0][name],
            results[1][name],
        )
    waited = sum(bool(result[name]["notes"]) for result in results for name in result)
    assert waited > 0, "the runs never met: the test proved nothing"
    assert len(packages_in(out)) == ITEMS
    with Catalog.open(out / ".catalog.sqlite") as catalog:
        assert catalog.counts()["packages"] == ITEMS
        assert catalog.connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert audit_packages(catalog, packages_dir=out).ok
