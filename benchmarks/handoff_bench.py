"""Benchmark: hand-off throughput, to a folder and over loopback SFTP, against ``cp -r`` and
OpenSSH's ``sftp`` moving the same bytes, measured in the same run.

preserve's hand-off does more than a copy: it validates the bag in full first, writes it
under a temporary name, fsyncs it, reads every file back (from the disk: its cached pages
are dropped first) and re-hashes it, then renames. So the ratio
against ``cp -r`` / ``sftp put -r`` is the price of that proof, and the MB/s are what an
archivist gets per package. Bag: sha256 + sha512 manifests, made by bagit-python, page
cache warm; median of the runs (and the best, less sensitive to a busy machine). The SFTP
server is OpenSSH's sshd, started here on 127.0.0.1 with throwaway keys.

    python benchmarks/handoff_bench.py          # 512 MiB in 256 files, 3 runs each
    python benchmarks/handoff_bench.py --quick  # 64 MiB in 64 files, 1 run each
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests" / "handoff"))

from sshd_helpers import Sshd, start_sshd  # noqa: E402
from validate_bench import WORK, build_bag, warm  # noqa: E402

from preserve.handoff import hand_off_all, parse_destination  # noqa: E402


def timed(runs: int, prepare: Callable[[], None], action: Callable[[], None]) -> list[float]:
    seconds = []
    for _ in range(runs):
        prepare()
        began = time.perf_counter()
        action()
        seconds.append(time.perf_counter() - began)
    return seconds


def bag_bytes(bag: Path) -> int:
    return sum(p.stat().st_size for p in bag.rglob("*") if p.is_file())


def line(label: str, seconds: list[float], size: int, baseline: list[float] | None) -> str:
    median = statistics.median(seconds)
    ratio = f"{median / statistics.median(baseline):5.2f}x the baseline" if baseline else "baseline"
    return (
        f"  {label:<38} median {median:6.2f} s  best {min(seconds):6.2f} s  "
        f"{size / median / 1e6:7.1f} MB/s  {ratio}"
    )


def preserve_hand_off(bag: Path, url: str, server: Sshd | None = None) -> None:
    options = {}
    if server is not None:
        options = {"identity": server.identity, "known_hosts": server.known_hosts}
    deliveries = hand_off_all([bag], parse_destination(url), "none", None, options, processes=2)
    if deliveries[0].outcome != "delivered":
        raise SystemExit(f"hand-off failed: {deliveries[0].reasons}")


def openssh_sftp(bag: Path, target: Path, server: Sshd) -> None:
    subprocess.run(
        [
            "sftp",
            "-q",
            "-b",
            "-",
            "-i",
            str(server.identity),
            "-P",
            str(server.port),
            "-o",
            f"UserKnownHostsFile={server.known_hosts}",
            "-o",
            "BatchMode=yes",
            f"{server.user}@127.0.0.1",
        ],
        input=f"put -r {bag} {target}\n".encode(),
        check=True,
        stdout=subprocess.DEVNULL,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="64 MiB, one run each")
    arguments = parser.parse_args()
    files, size, runs = (64, 1 << 20, 1) if arguments.quick else (256, 2 << 20, 3)
    bag = build_bag(WORK / f"handoff-{files}x{size >> 20}MiB", files, size)
    total = bag_bytes(bag)
    warm(bag)
    scratch = Path(tempfile.mkdtemp(prefix="handoff-bench-", dir=WORK))
    target = scratch / "dest"

    def clear() -> None:
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir()

    try:
        print(f"bag: {files} files, {total / 1e6:.0f} MB; {runs} run(s) each")
        print("to a folder (same disk):")
        copy = timed(
            runs, clear, lambda: subprocess.run(["cp", "-r", str(bag), str(target)], check=True)
        )
        print(line("cp -r", copy, total, None))
        synced = timed(
            runs,
            clear,
            lambda: subprocess.run(
                ["sh", "-c", 'cp -r "$1" "$2" && sync -f "$2"', "cp", str(bag), str(target)],
                check=True,
            ),
        )
        print(line("cp -r, then sync (durable, as ours)", synced, total, copy))
        ours = timed(runs, clear, lambda: preserve_hand_off(bag, str(target)))
        print(line("preserve handoff (check+send+re-hash)", ours, total, copy))

        server, details = start_sshd(Path(tempfile.mkdtemp(prefix="sshd-", dir=scratch)))
        try:
            print("over SFTP to sshd on 127.0.0.1:")
            theirs = timed(runs, clear, lambda: openssh_sftp(bag, target / bag.name, details))
            print(line("OpenSSH sftp put -r", theirs, total, None))
            url = f"sftp://{details.user}@127.0.0.1:{details.port}{target}"
            ours = timed(runs, clear, lambda: preserve_hand_off(bag, url, details))
            print(line("preserve handoff sftp:// (paramiko)", ours, total, theirs))
        finally:
            server.terminate()
            server.wait(timeout=10)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
