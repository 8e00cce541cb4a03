"""kill -9 at any moment leaves no partial package, and the next run finishes the job."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ingest_helpers import assert_bagit_python_valid, packages_in, run_ingest

from preserve.catalog import Catalog
from preserve.validation import validate_bag

# Batches of two, as the flow's tasks hand them over: packages are published two at a time,
# so kills land before, inside and between batches.
SCRIPT = """
import sys
from dataclasses import replace
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from ingest_helpers import run_ingest
from preserve.config import Config
config = Config()
config = replace(config, ingest=replace(config.ingest, items_per_task=2))
run_ingest(Path(sys.argv[1]), Path(sys.argv[2]), config)
"""


def _names(out: Path) -> list[str]:
    return [p.name for p in packages_in(out)] if out.is_dir() else []


def _check_visible_packages(out: Path) -> list[Path]:
    """Every package visible in the output folder is whole and valid."""
    bags = packages_in(out)
    for bag in bags:
        report = validate_bag(bag)
        assert report.valid, (bag.name, [str(p) for p in report.errors])
    return bags


@pytest.mark.slow
def test_kill_during_ingest_then_rerun(tmp_path: Path) -> None:
    source = tmp_path / "raw"
    source.mkdir()
    rng = random.Random(7)
    words = [
        "the",
        "archive",
        "keeps",
        "every",
        "page",
        "exactly",
        "as",
        "it",
        "was",
        "received",
        "and",
        "more",
    ]
    for index in range(12):
        lines = [" ".join(rng.choices(words, k=12)) for _ in range(1500)]
        (source / f"page-{index:02d}.txt").write_text("\n".join(lines) + "\n")
    out = tmp_path / "packages"
    # Kill at moments chosen by what is on disk, not by the clock (CI machines are slow):
    # while the first package is half-built, then after some packages were published.
    leftovers_seen = False
    for visible_before_kill in (0, 3, 6):
        process = subprocess.Popen(
            [sys.executable, "-c", SCRIPT, str(source), str(out), str(Path(__file__).parent)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            staging = out / ".staging"
            building = staging.is_dir() and any(staging.iterdir())
            if building and len(_names(out)) >= visible_before_kill:
                break
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
        process.wait()
        bags = _check_visible_packages(out)
        assert len(bags) < 12, "the run finished before it could be killed"
        leftovers_seen |= any((out / ".staging").iterdir())
    assert leftovers_seen, "no kill landed while a package was half-built"
    staging = out / ".staging"

    outcomes = run_ingest(source, out)
    assert {o.status for o in outcomes} <= {"ingested", "already-preserved"}
    assert len(outcomes) == 12
    bags = _check_visible_packages(out)
    assert len(bags) == 12
    assert not any(staging.iterdir()), "the rerun removes what dead runs left"
    for bag in bags[:3]:
        assert_bagit_python_valid(bag)
    with Catalog.open(out / ".catalog.sqlite") as catalog:
        assert len(catalog.packages()) == 12
    assert [o.status for o in run_ingest(source, out)] == ["already-preserved"] * 12
    os.sync()
