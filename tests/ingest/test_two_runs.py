"""Two ingests into one packages folder at once (a scheduled one and a manual one): no item
is preserved twice, the catalog stays whole, and neither run reports a spurious failure
(issue 11, "Two runs at once"). Real processes, real locks, real SQLite."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from ingest_helpers import packages_in
from typer.testing import CliRunner

import preserve.cli
from preserve.audit import audit_packages
from preserve.bagging import claim_package
from preserve.catalog import Catalog
from preserve.fixity import digest_file
from preserve.intake import discover
from preserve.pipeline import content_key, package_name

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


PRESERVE = Path(sys.executable).parent / "preserve"


@pytest.mark.slow
def test_two_preserve_ingest_commands_at_once(tmp_path: Path) -> None:
    """As an archivist meets it: the nightly run and a manual one, both `preserve ingest`."""
    source = tmp_path / "raw"
    _collection(source)
    command = [str(PRESERVE), "ingest", str(source), "--out", str(tmp_path / "packages"), "--json"]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)]
    runs.append(
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    )
    results = []
    for run in runs:
        stdout, stderr = run.communicate(timeout=600)
        assert run.returncode == 0, stderr
        # Not `== ""`: two temporary Prefect servers starting at once on a fresh
        # PREFECT_HOME sometimes log "Application startup failed. Exiting." (Prefect's
        # start-up, not the ingest: see the runtime's own tests).
        assert "Traceback" not in stderr, stderr
        results.append({o["name"]: o["status"] for o in json.loads(stdout)["items"]})
    for name in results[0]:
        assert sorted(result[name] for result in results) == ["already-preserved", "ingested"]
    assert len(packages_in(tmp_path / "packages")) == ITEMS


@pytest.mark.slow
def test_a_run_waiting_for_a_claimed_item_says_so_in_one_line(tmp_path: Path) -> None:
    """The other run is played by this test: it holds one item's claim (the same OS lock)
    until the command is seen waiting for it."""
    source = tmp_path / "raw"
    source.mkdir()
    (source / "letter.txt").write_text("Dear editor,\nkeep this.\n")
    out = tmp_path / "packages"
    out.mkdir()
    [item] = discover([source]).items
    key = content_key({"letter.txt": digest_file(item.files[0].path, ["sha256"])[0]})
    held = threading.Event()
    release = threading.Event()

    def other_run() -> None:
        with claim_package(out, package_name(item, key)):
            held.set()
            staging = out / ".staging"
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and not (staging.is_dir() and any(staging.iterdir())):
                time.sleep(0.01)
            time.sleep(1.0)  # the command is now blocked on the claim
            release.set()

    holder = threading.Thread(target=other_run)
    holder.start()
    held.wait(10)
    result = CliRunner().invoke(preserve.cli.app, ["ingest", str(source), "--out", str(out)])
    holder.join()
    assert release.is_set()
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "another run" in line]
    assert len(lines) == 1 and "waited" in lines[0]
