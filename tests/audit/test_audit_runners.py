"""Every runner audits alike: threads, one worker process per core, and a local Dask cluster
of two worker processes record the same fixity checks and find the same damage
(``preserve audit --runner …``; real Prefect, a real cluster shared by the module)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from audit_helpers import T0, make_package
from typer.testing import CliRunner

import preserve.cli  # noqa: F401 - registers the commands
from preserve.audit import EVENT_TYPE, PackageAudit
from preserve.catalog import Catalog, FileRecord, PackageRecord
from preserve.cli.app import app

PRESERVE = str(Path(sys.executable).parent / "preserve")


@pytest.fixture(scope="module")
def dask_address() -> Iterator[str]:
    """A local Dask cluster of two single-threaded worker processes, started once for the
    module. Its workers inherit this process's Prefect server (started here, before them)."""
    from preserve_flows._runtime import use_local_server

    use_local_server()
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        yield cluster.scheduler_address


def _executed(address: str) -> int:
    """How many tasks the cluster's workers have run."""
    from distributed import Client

    with Client(address) as client:
        counts = client.run(lambda dask_worker: dask_worker.state.executed_count)
    return sum(counts.values())


def _damaged_store(store: Catalog, packages: Path) -> dict[str, Path]:
    """Six packages, four of them damaged: a flipped byte, a deleted file, an added file, a
    deleted package."""
    made = {
        name: make_package(
            packages, store, name, {"letter.txt": f"Dear archivist {name},\n".encode() * 40}
        )
        for name in ("p0", "p1", "p2", "p3", "p4", "p5")
    }
    letter = made["p1"] / "data" / "letter.txt"
    letter.write_bytes(letter.read_bytes().replace(b"D", b"d", 1))
    (made["p2"] / "data" / "letter.txt").unlink()
    (made["p3"] / "data" / "smuggled.txt").write_text("x", encoding="utf-8")
    shutil.rmtree(made["p4"])
    return made


def _findings(audits: list[PackageAudit]) -> list[tuple[Any, ...]]:
    """What an audit found, package by package, without timings."""
    return sorted(
        (
            a.name,
            a.status,
            a.check.corrupted,
            a.check.missing,
            a.check.extra,
            tuple(sorted((p.code, p.path) for p in a.check.problems)),
        )
        for a in audits
    )


def _events(store: Catalog, run_id: int) -> list[tuple[Any, ...]]:
    """The run's fixity-check events in the catalog, without the run's id."""
    names = {p.id: p.name for p in store.packages()}
    found = []
    for event in store.events(event_type=EVENT_TYPE):
        detail = dict(event.outcome_detail or {})
        if detail.pop("audit_run", None) == run_id:
            found.append(
                (names[event.package_id], event.outcome, json.dumps(detail, sort_keys=True))
            )
    return sorted(found)


@pytest.mark.slow
def test_threads_processes_and_a_dask_cluster_record_the_same_checks(
    store: Catalog, packages: Path, dask_address: str
) -> None:
    from preserve_flows import audit as audit_flow

    _damaged_store(store, packages)
    before = _executed(dask_address)
    found, events, changes = {}, {}, {}
    reported: list[str] = []
    for day, runner in enumerate(("threads", "processes", "dask")):
        reported.clear()
        audit_flow.progress_hooks["package"] = lambda audit: reported.append(audit.name)
        try:
            flow = audit_flow.with_runner(runner, dask_address if runner == "dask" else "")
            # Two packages a task: three tasks, so both workers of a pool take some.
            run = flow(catalog=str(store.path), batch_size=2, now=T0 + timedelta(days=day))
        finally:
            audit_flow.progress_hooks["package"] = None
        assert sorted(reported) == ["p0", "p1", "p2", "p3", "p4", "p5"], (
            f"{runner}: the flow reports every package, wherever it was checked"
        )
        found[runner] = _findings(run.audits)
        events[runner] = _events(store, run.id)
        changes[runner] = {a.change for a in run.audits}

    by_name = {f[0]: f for f in found["threads"]}
    assert by_name["p0"][1] == by_name["p5"][1] == "pass"
    assert by_name["p1"][1:3] == ("fail", ("data/letter.txt",))
    assert by_name["p2"][1] == "fail" and by_name["p2"][3] == ("data/letter.txt",)
    assert by_name["p3"][1] == "fail" and by_name["p3"][4] == ("data/smuggled.txt",)
    assert by_name["p4"][1] == "missing"
    assert found["processes"] == found["threads"]
    assert found["dask"] == found["threads"]
    assert [e[1] for e in events["threads"]] == ["pass", "fail", "fail", "fail", "fail", "pass"]
    assert events["processes"] == events["threads"]
    assert events["dask"] == events["threads"]
    # Each run compared with the one before it, on another runner: nothing changed.
    assert changes == {
        "threads": {"first-audit"},
        "processes": {"unchanged"},
        "dask": {"unchanged"},
    }
    assert _executed(dask_address) > before, "the dask run's tasks ran on the cluster"


@pytest.mark.slow
def test_the_command_runs_on_the_configured_cluster_and_its_json_is_the_same(
    store: Catalog, packages: Path, dask_address: str, in_tmp_dir: Path
) -> None:
    """``[ingest] runner`` and ``dask_address`` in preserve.toml serve the audit too;
    ``--runner threads`` overrides them; the JSON is the same from either."""
    _damaged_store(store, packages)
    (in_tmp_dir / "preserve.toml").write_text(
        f'[ingest]\nrunner = "dask"\ndask_address = "{dask_address}"\n', encoding="utf-8"
    )
    cli = CliRunner()
    outputs = {}
    before = _executed(dask_address)
    for runner in ("dask", "threads"):
        extra = ["--runner", "threads"] if runner == "threads" else []
        result = cli.invoke(
            app,
            ["audit", "--packages", str(packages), "--json", *extra],
            catch_exceptions=False,
            env={"COLUMNS": "200"},
        )
        assert result.exit_code == 1, result.output  # damage found
        outputs[runner] = json.loads(result.output)
        if runner == "dask":
            assert _executed(dask_address) > before, "the configured cluster audited"
            before = _executed(dask_address)
    assert _executed(dask_address) == before, "--runner threads stayed off the cluster"
    dask, threads = outputs["dask"], outputs["threads"]
    assert sorted(dask) == sorted(threads)
    assert dask["summary"] == threads["summary"]
    assert dask["summary"]["failed"] == 3 and dask["summary"]["missing"] == 1

    def packages_found(output: dict[str, Any]) -> list[tuple[Any, ...]]:
        return sorted(
            (a["package"], a["status"], a["corrupted"], a["missing"], a["extra"])
            for a in output["packages"]
        )

    assert packages_found(dask) == packages_found(threads)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--runner", "gpu"], "--runner 'gpu' is not one of threads, processes, dask."),
        (["--dask-address", "tcp://127.0.0.1:8786"], "--dask-address needs --runner dask"),
        (
            ["--runner", "processes", "--dask-address", "tcp://127.0.0.1:8786"],
            "--dask-address needs --runner dask",
        ),
        (
            ["--runner", "dask", "--dask-address", "tcp://127.0.0.1:1"],
            "The Dask scheduler at tcp://127.0.0.1:1 does not answer",
        ),
        (["--runner", "dask", "--dask-address", "tcp://:8786"], "names no host"),
    ],
)
def test_a_bad_runner_is_one_line_and_exit_2_before_prefect_starts(
    store: Catalog, packages: Path, tmp_path: Path, arguments: list[str], message: str
) -> None:
    home = tmp_path / "prefect-home"
    environment = {**os.environ, "PREFECT_HOME": str(home)}
    environment.pop("PREFECT_API_URL", None)
    done = subprocess.run(
        [PRESERVE, "audit", "--packages", str(packages), *arguments],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert not home.exists(), "no Prefect server was started"


def _records(sizes: list[int]) -> list[tuple[PackageRecord, list[FileRecord]]]:
    return [
        (
            PackageRecord(n, f"p{n}", Path(f"/p{n}"), f"p{n}", "", "", T0, f"{size}.1", None),
            [FileRecord(n, n, "data/f", None, size, "original")],
        )
        for n, size in enumerate(sizes)
    ]


def test_tasks_hold_enough_small_packages_to_outweigh_their_cost_and_large_ones_alone() -> None:
    from preserve_flows.audit import (
        BYTES_PER_TASK,
        MAX_PACKAGES_PER_TASK,
        MIN_PACKAGES_PER_TASK,
        task_batches,
    )

    small = _records([10_000] * 130)
    assert [len(b) for b in task_batches(small, most=50)] == [50, 50, 30], "batch_size wins"
    assert [len(b) for b in task_batches(small)] == [MIN_PACKAGES_PER_TASK, 30], "never thin"
    many = [len(b) for b in task_batches(_records([10_000] * 5000))]
    assert min(many[:-1]) >= MIN_PACKAGES_PER_TASK and max(many) <= MAX_PACKAGES_PER_TASK
    assert len(many) >= 10, "a task at most a few seconds of work"
    large = _records([BYTES_PER_TASK // 2 + 1] * 4 + [10_000] * 3)
    batches = task_batches(large)
    assert [len(b) for b in batches] == [1, 1, 1, 4], "large packages spread over workers"
    assert [p.name for batch in batches for p, _ in batch] == [f"p{n}" for n in range(7)]


@pytest.mark.slow
def test_a_large_package_hashed_by_several_processes_passes_on_a_dask_worker(
    store: Catalog, packages: Path, dask_address: str
) -> None:
    """A Dask worker is a daemonic process, which may not start a process pool: a package
    large enough for ``--processes 2`` must still be hashed, not reported as broken."""
    from preserve_flows import audit as audit_flow

    from preserve.audit import PARALLEL_BYTES

    part = PARALLEL_BYTES // 2 + 1
    make_package(packages, store, "big", {f"part-{n}.bin": bytes([n]) * part for n in range(3)})
    run = audit_flow.with_runner("dask", dask_address)(catalog=str(store.path), processes=2, now=T0)
    assert [(a.status, a.check.errors) for a in run.audits] == [("pass", [])]
