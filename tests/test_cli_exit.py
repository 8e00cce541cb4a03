"""The command ends its process itself, skipping the interpreter's teardown (~0.5 s of a
repeated ingest), yet as a normal exit would: threads joined, exit handlers run, output
flushed, the exit code kept (issue 11, start-up)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import atexit, sys, threading, time
from pathlib import Path
marker = Path(sys.argv[1])
atexit.register(lambda: marker.write_text(marker.read_text() + "exit handler ran\\n"))
def late():
    time.sleep(0.3)
    marker.write_text(marker.read_text() + "thread finished\\n")
marker.write_text("")
threading.Thread(target=late).start()
sys.argv = ["preserve", *sys.argv[2:]]
from preserve.cli import main
main()
"""


def _run(tmp_path: Path, *arguments: str) -> tuple[subprocess.CompletedProcess[str], str]:
    marker = tmp_path / "marker.txt"
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(marker), *arguments],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done, marker.read_text()


def test_a_good_command_ends_with_0_its_output_whole_and_its_handlers_run(
    tmp_path: Path,
) -> None:
    source = Path(__file__).resolve().parents[1] / "raw" / "000_67441470ab27cc8a.txt"
    out = tmp_path / "out.txt"
    done, marker = _run(
        tmp_path,
        "repair",
        str(source),
        "-o",
        str(out),
        "--edits",
        str(tmp_path / "e.json"),
        "--json",
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)  # every byte of the JSON reached the pipe
    assert out.read_text(encoding="utf-8")
    assert marker.splitlines() == ["thread finished", "exit handler ran"]


def test_a_usage_error_keeps_exit_code_2_and_its_message(tmp_path: Path) -> None:
    done, marker = _run(tmp_path, "validate", str(tmp_path / "no such bag"))
    assert done.returncode == 2
    assert "no such bag" in done.stderr
    assert marker.splitlines() == ["thread finished", "exit handler ran"]
