"""benchmarks/run.py's issue-11 table and the process-tree memory it reports (benchmarks/).

Nothing here is timed: the table is built from a made-up document, and the memory test only
checks that a command's children are counted, which ``ru_maxrss`` cannot do.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import run  # noqa: E402
from process_tree import TreeMemory  # noqa: E402

MIB = 1 << 20


def test_the_tree_counts_every_child_and_names_the_largest_alone() -> None:
    # A parent holding 20 MiB starts two children holding 60 MiB each, all alive together.
    code = textwrap.dedent(
        """
        import multiprocessing, time
        def hold(ready):
            block = bytearray(60 << 20)
            ready.set()
            time.sleep(2.5)
            return len(block)
        if __name__ == "__main__":
            block = bytearray(20 << 20)
            context = multiprocessing.get_context("fork")
            events = [context.Event() for _ in range(2)]
            children = [context.Process(target=hold, args=(e,)) for e in events]
            for child in children:
                child.start()
            for event in events:
                event.wait()
            for child in children:
                child.join()
        """
    )
    process = subprocess.Popen([sys.executable, "-c", code])
    sampler = TreeMemory(process.pid, interval=0.05)
    process.wait()
    figures = sampler.stop()
    assert process.returncode == 0
    assert figures["processes_seen"] >= 3
    assert 60 <= figures["largest_process_mib"] < 120
    assert figures["tree_pss_peak_mib"] >= 140  # both children and the parent, at once


def _document(ratio: float) -> dict:
    return {
        "bytes": {
            "base_mib": 64,
            "marginal_mib": 768,
            "runs": 3,
            "preserve_marginal_s": 6.0 * ratio,
            "anchor_marginal_s": 6.0,
            "ratio": ratio,
            "preserve_mib_per_s": 768 / (6.0 * ratio),
            "anchor_mib_per_s": 128.0,
        }
    }


@pytest.mark.parametrize(("ratio", "verdict"), [(0.9, "met"), (1.2, "**missed**")])
def test_a_row_says_met_or_missed_against_its_goal(
    ratio: float, verdict: str, capsys: pytest.CaptureFixture[str]
) -> None:
    row = run.row_bytes(_document(ratio))
    assert row["met"] is (ratio <= 1.0)
    run.print_table({"bytes": row, "validate": None}, None, None, [(1.0, 1.0, 1.0)], False)
    printed = capsys.readouterr().out
    line = next(line for line in printed.splitlines() if "marginal 768 MiB" in line)
    assert line.endswith(f"| {verdict} |")
    assert f"{ratio:.2f}x" in line
    assert "| validate | not measured" in printed  # a part that failed still has its row


def test_an_unknown_part_is_a_usage_error() -> None:
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / "run.py"), "--only", "nonsense"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "unknown part nonsense" in result.stderr
