"""Every runner makes the same packages: threads, one worker process per core, and a local
Dask cluster of two worker processes (`preserve ingest --runner …`, real subprocesses)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from ingest_helpers import packages_in

from preserve_testdata import RAW

PRESERVE = str(Path(sys.executable).parent / "preserve")
pytestmark = pytest.mark.slow


def _ingest(source: Path, out: Path, runner: str, home: Path) -> dict:
    environment = {**os.environ, "PREFECT_HOME": str(home), "PRESERVE_PREFECT_SERVER": "temporary"}
    environment.pop("PREFECT_API_URL", None)
    done = subprocess.run(
        [PRESERVE, "ingest", str(source), "--out", str(out), "--runner", runner, "--json"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return json.loads(done.stdout)


def _what_was_made(out: Path) -> tuple[list[str], list[tuple]]:
    """Manifest lines of every package and the catalog's rows, without what carries the
    moment of ingest (PREMIS and item.json) or the run's own row ids and paths."""
    manifests = sorted(
        f"{package.name} {line}"
        for package in packages_in(out)
        for line in (package / "manifest-sha256.txt").read_text().splitlines()
        if "data/metadata/" not in line
    )
    with sqlite3.connect(out / ".catalog.sqlite") as catalog:
        rows = catalog.execute(
            """SELECT p.name, p.content_key, p.payload_oxum, i.name, f.bag_path, f.size, f.role,
                      c.algorithm, c.digest
               FROM packages p JOIN items i ON i.id = p.item_id
               JOIN files f ON f.package_id = p.id JOIN checksums c ON c.file_id = f.id
               WHERE f.role != 'metadata' ORDER BY 1, 5, 8"""
        ).fetchall()
    return manifests, rows


def test_threads_processes_and_a_local_dask_cluster_make_the_same_packages(
    tmp_path: Path,
) -> None:
    source = tmp_path / "source"
    source.mkdir()
    seeds = sorted(p.read_bytes() for p in RAW.glob("*.txt"))
    for index in range(12):
        body = seeds[index % len(seeds)]
        (source / f"item-{index:02d}.txt").write_bytes(f"Item {index}\n\n".encode() + body)
    made = {}
    for runner in ("threads", "processes", "dask"):
        out = tmp_path / runner
        summary = _ingest(source, out, runner, tmp_path / "prefect-home")
        assert summary["counts"]["ingested"] == 12, summary
        made[runner] = _what_was_made(out)
    assert made["threads"][0], "packages were made"
    assert made["processes"] == made["threads"]
    assert made["dask"] == made["threads"]


def test_the_local_dask_cluster_has_a_worker_process_per_core_and_at_least_two() -> None:
    from preserve_flows.ingest import task_runner

    runner = task_runner("dask")
    kwargs = runner.cluster_kwargs
    assert kwargs["processes"] is True and kwargs["threads_per_worker"] == 1
    assert kwargs["n_workers"] >= 2


def test_an_unknown_runner_is_a_configuration_error(tmp_path: Path) -> None:
    from preserve.config import Config
    from preserve.errors import ConfigError

    assert Config.from_mapping({"ingest": {"runner": "dask"}}).ingest.runner == "dask"
    assert "runner" not in Config.from_mapping({}).to_dict()["ingest"], (
        "how work was spread is not recorded in packages: every runner makes the same ones"
    )
    with pytest.raises(ConfigError, match="choose one of threads, processes, dask"):
        Config.from_mapping({"ingest": {"runner": "gpu"}})
    done = subprocess.run(
        [PRESERVE, "ingest", str(tmp_path), "--out", str(tmp_path / "out"), "--runner", "gpu"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "is not one of threads, processes, dask" in done.stderr
    assert "Traceback" not in done.stderr
