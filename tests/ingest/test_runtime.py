"""How `preserve ingest` runs Prefect, seen from outside as a person or a script sees it:
real commands in subprocesses, real signals, a real local Prefect server.

- SIGINT/SIGTERM stop a run within seconds, with its summary, exit 130/143, no traceback,
  and the rerun finishes the rest.
- The temporary server never outlives its command (normal end, SIGTERM, kill -9).
- The background server is reused by later commands, replaced when dead, and stops itself
  when idle.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ingest_helpers import packages_in

from preserve_testdata import RAW

PRESERVE = str(Path(sys.executable).parent / "preserve")
pytestmark = pytest.mark.slow


def _items(folder: Path, count: int) -> Path:
    """``count`` one-file text items, each a sample text with its own first line."""
    folder.mkdir()
    seeds = sorted(p.read_bytes() for p in RAW.glob("*.txt"))
    for index in range(count):
        body = seeds[index % len(seeds)]
        (folder / f"item-{index:04d}.txt").write_bytes(f"Item {index}\n\n".encode() + body)
    return folder


def _environment(home: Path, mode: str, **extra: str) -> dict[str, str]:
    environment = {**os.environ, "PREFECT_HOME": str(home), "PRESERVE_PREFECT_SERVER": mode}
    environment.pop("PREFECT_API_URL", None)
    return {**environment, **extra}


def _servers(home: Path) -> list[int]:
    """Pids of preserve's Prefect servers for ``home`` (zombies are gone)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_bytes().rsplit(b")", 1)[-1].split()[0]
        except OSError:
            continue
        if b"preserve_flows._server" in cmdline and str(home).encode() in cmdline and state != b"Z":
            found.append(int(entry.name))
    return found


def _wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting {seconds:.0f} s for {what}")


def _ingest(source: Path, out: Path, environment: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [PRESERVE, "ingest", str(source), "--out", str(out), "--json"],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize(
    ("signal_number", "exit_code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)]
)
def test_a_signal_stops_the_run_with_a_summary_and_the_rerun_finishes(
    tmp_path: Path, signal_number: int, exit_code: int
) -> None:
    count = 400
    source = _items(tmp_path / "source", count)
    out = tmp_path / "packages"
    home = tmp_path / "prefect-home"
    environment = _environment(home, "temporary")
    run = _ingest(source, out, environment)
    try:
        _wait_for(lambda: len(packages_in(out)) >= 3 if out.is_dir() else False, 300, "packages")
        run.send_signal(signal_number)
        stdout, stderr = run.communicate(timeout=120)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == exit_code, stderr
    assert "Traceback" not in stderr, stderr
    assert "run the same command again" in stderr
    summary = json.loads(stdout)
    assert summary["stopped"] == signal.Signals(signal_number).name
    ingested = summary["counts"]["ingested"]
    assert 0 < ingested < count, "it stopped early, after finishing what it had begun"
    assert summary["not_started"] == count - ingested - summary["counts"]["failed"]
    assert summary["counts"]["failed"] == 0
    assert len(packages_in(out)) == ingested, "the item in hand was finished or rolled back"
    assert not list((out / ".staging").glob("*")) if (out / ".staging").exists() else True
    _wait_for(lambda: not _servers(home), 10, "the temporary server to stop")

    rerun = subprocess.run(
        [PRESERVE, "ingest", str(source), "--out", str(out), "--json"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert rerun.returncode == 0, rerun.stderr
    counts = json.loads(rerun.stdout)["counts"]
    assert counts["ingested"] == count - ingested
    assert counts["already-preserved"] == ingested
    assert len(packages_in(out)) == count


def test_the_temporary_server_ends_with_its_command_however_it_ends(
    raw_copy: Path, tmp_path: Path
) -> None:
    home = tmp_path / "prefect-home"
    environment = _environment(home, "temporary")
    finished = subprocess.run(
        [PRESERVE, "ingest", str(raw_copy), "--out", str(tmp_path / "a"), "--json"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert finished.returncode == 0, finished.stderr
    assert not _servers(home), "the server outlived a command that ended normally"

    # kill -9: nothing in the command can clean up; the server notices its owner is gone.
    source = _items(tmp_path / "many", 200)
    killed = _ingest(source, tmp_path / "b", environment)
    try:
        _wait_for(lambda: bool(_servers(home)), 300, "the temporary server to start")
        killed.kill()
        killed.communicate(timeout=30)
    finally:
        if killed.poll() is None:
            killed.kill()
    _wait_for(lambda: not _servers(home), 10, "the orphaned server to stop by itself")


def test_the_background_server_is_reused_replaced_when_dead_and_stops_when_idle(
    raw_copy: Path, tmp_path: Path
) -> None:
    home = tmp_path / "prefect-home"
    environment = _environment(home, "background", PRESERVE_SERVER_IDLE="600")

    def ingest(out: str) -> dict:
        done = subprocess.run(
            [PRESERVE, "ingest", str(raw_copy), "--out", str(tmp_path / out), "--json"],
            env=environment,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr
        return json.loads(done.stdout)

    try:
        ingest("first")
        [first] = _servers(home)
        state = json.loads((home / "preserve-server.json").read_text())
        assert state["pid"] == first
        ingest("second")
        assert _servers(home) == [first], "a later command reuses the running server"

        os.kill(first, signal.SIGKILL)  # a server that died: the next command replaces it
        _wait_for(lambda: first not in _servers(home), 10, "the killed server to be gone")
        assert ingest("third")["counts"]["ingested"] == 2
        [second] = _servers(home)
        assert second != first
        # Its runs are kept in Prefect's database under PREFECT_HOME, where
        # `prefect server start` finds them.
        assert (home / "prefect.db").is_file()
    finally:
        for pid in _servers(home):
            os.kill(pid, signal.SIGTERM)

    # Idle: a server told to stop after 1 idle second goes once its last command is done.
    environment["PRESERVE_SERVER_IDLE"] = "1"
    ingest("fourth")
    _wait_for(lambda: not _servers(home), 30, "the idle background server to stop itself")


def test_prefect_reports_to_no_one() -> None:
    """Prefect's server analytics and its client's own usage events are both off, unless the
    user turns them on; nothing in a command phones home."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in ("DO_NOT_TRACK", "PREFECT_SERVER_ANALYTICS_ENABLED", "CI")
    }
    script = (
        "from preserve_flows._runtime import quiet_prefect; quiet_prefect()\n"
        "from prefect._internal.analytics.enabled import is_telemetry_enabled\n"
        "from prefect.settings import get_current_settings\n"
        "print(is_telemetry_enabled(), get_current_settings().server.analytics_enabled)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=environment, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["False", "False"]
