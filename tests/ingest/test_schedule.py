"""Scheduling needs a real Prefect server (the ephemeral one refuses schedules): start one,
serve the ingest flow on an interval, and see a scheduled run preserve the collection."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from ingest_helpers import packages_in

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    raise AssertionError(f"gave up waiting {seconds:.0f} s for {what}")


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:
            return answer.status == 200
    except OSError:
        return False


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


_LIST_RUNS = """
import asyncio, json
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    FlowRunFilter, FlowRunFilterState, FlowRunFilterStateType
)
from prefect.client.schemas.objects import StateType

done = FlowRunFilter(
    state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.COMPLETED]))
)

async def main():
    async with get_client() as client:
        runs = await client.read_flow_runs(flow_run_filter=done, limit=10)
        flows = {f.id: f.name for f in await client.read_flows()}
    print(json.dumps([[flows.get(r.flow_id), r.state_type.value] for r in runs]))

asyncio.run(main())
"""


def _assert_runs_are_listed(env: dict[str, str]) -> None:
    """The served flow's runs can be listed as the CLI and the UI list them (prefect 3.8.8
    with fastapi 0.154 answered `prefect flow-run ls` with 422 Unprocessable Entity)."""
    prefect = str(Path(sys.executable).parent / "prefect")
    listed = subprocess.run(
        [prefect, "flow-run", "ls"], env=env, capture_output=True, text=True, timeout=120
    )
    assert listed.returncode == 0, listed.stderr + listed.stdout
    assert "ingest" in listed.stdout

    def a_completed_run_is_listed() -> bool:
        through_client = subprocess.run(
            [sys.executable, "-c", _LIST_RUNS], env=env, capture_output=True, text=True, timeout=120
        )
        assert through_client.returncode == 0, through_client.stderr
        runs = json.loads(through_client.stdout.splitlines()[-1])
        return ["ingest", "COMPLETED"] in runs

    # The packages are published before the run that made them is marked complete.
    _wait_for(a_completed_run_is_listed, 60, "the client to list a completed ingest run")


@pytest.mark.slow
def test_a_served_ingest_flow_runs_on_its_schedule(raw_copy: Path, tmp_path: Path) -> None:
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_API_URL": api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
    }
    prefect = str(Path(sys.executable).parent / "prefect")
    server = subprocess.Popen(
        [prefect, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    served = None
    try:
        _wait_for(lambda: _healthy(api), 120, "prefect server to start")
        out = tmp_path / "packages"
        served = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "preserve_flows.ingest",
                "--interval",
                "5",
                "--source",
                str(raw_copy),
                "--out",
                str(out),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        _wait_for(
            lambda: len(packages_in(out)) == 2 if out.is_dir() else False,
            150,
            "a scheduled run to preserve both items",
        )
        assert served.poll() is None, "the served flow keeps running between runs"
        _assert_runs_are_listed(env)
    finally:
        if served is not None:
            _stop(served)
        _stop(server)
